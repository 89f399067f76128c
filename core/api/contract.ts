/**
 * The API contract, written once, by domain (core/api/domains/). Electron's preload
 * exposes it over IPC and main/server exposes it over HTTP; the renderer talks to
 * `LongitudeApi` and never knows which transport it has.
 */
import { AI_EVENTS, AI_METHODS, type AiApi, type AiEvents } from './domains/ai';
import { EXPORT_EVENTS, EXPORT_METHODS, type ExportApi, type ExportEvents } from './domains/export';
import { FOLLOW_UP_EVENTS, FOLLOW_UP_METHODS, type FollowUpApi, type FollowUpEvents } from './domains/followup';
import { LESIONS_EVENTS, LESIONS_METHODS, type LesionsApi, type LesionsEvents } from './domains/lesions';
import { PACS_EVENTS, PACS_METHODS, type PacsApi, type PacsEvents } from './domains/pacs';
import { DEID_EVENTS, DEID_METHODS, type DeidApi, type DeidEvents } from './domains/deid';
import { COHORTS_EVENTS, COHORTS_METHODS, type CohortsApi, type CohortsEvents } from './domains/cohorts';
import { LIBRARY_EVENTS, LIBRARY_METHODS, type LibraryApi, type LibraryEvents } from './domains/library';
import { SEGMENTATION_EVENTS, SEGMENTATION_METHODS, type SegmentationApi, type SegmentationEvents } from './domains/segmentation';
import { SESSION_EVENTS, SESSION_METHODS, type SessionApi, type SessionEvents } from './domains/session';
import type { EventTable, MethodSpec, MethodTable } from './domains/spec';

export type { NewMeasurementInput } from './domains/lesions';
export type { LibraryApi, LesionsApi, SegmentationApi, AiApi, FollowUpApi, SessionApi, ExportApi, PacsApi, DeidApi, CohortsApi, MethodSpec };

export type LongitudeApi = LibraryApi & LesionsApi & SegmentationApi & AiApi & FollowUpApi & SessionApi & ExportApi & PacsApi & DeidApi & CohortsApi;

/** Events pushed from main to every client. */
export type LongitudeEvents = LibraryEvents & LesionsEvents & SegmentationEvents & AiEvents & FollowUpEvents & SessionEvents & ExportEvents & PacsEvents & DeidEvents & CohortsEvents;
export type EventName = keyof LongitudeEvents;

/** Every method with how it travels; `satisfies` makes a missing or unknown method a compile error. */
export const API_METHOD_SPECS = {
  ...LIBRARY_METHODS,
  ...LESIONS_METHODS,
  ...SEGMENTATION_METHODS,
  ...AI_METHODS,
  ...FOLLOW_UP_METHODS,
  ...SESSION_METHODS,
  ...EXPORT_METHODS,
  ...PACS_METHODS,
  ...DEID_METHODS,
  ...COHORTS_METHODS,
} as const satisfies MethodTable<LongitudeApi>;

export type ApiMethod = keyof LongitudeApi;

/** Every method name, for the transports; an unknown name is an error. */
export const API_METHODS = Object.keys(API_METHOD_SPECS) as ApiMethod[];

const EVENT_TABLE = {
  ...LIBRARY_EVENTS,
  ...LESIONS_EVENTS,
  ...SEGMENTATION_EVENTS,
  ...AI_EVENTS,
  ...FOLLOW_UP_EVENTS,
  ...SESSION_EVENTS,
  ...EXPORT_EVENTS,
  ...PACS_EVENTS,
  ...DEID_EVENTS,
  ...COHORTS_EVENTS,
} as const satisfies EventTable<LongitudeEvents>;

/** Every event name, checked complete at compile time. */
export const EVENT_NAMES = Object.keys(EVENT_TABLE) as EventName[];

/** The change events: owners emit them after commit; clients refresh from them. */
export const CHANGE_EVENTS = ['onLibraryChanged', 'onLesionsChanged', 'onSegmentationsChanged', 'onAiChanged', 'onFollowUpChanged'] as const satisfies readonly EventName[];
export type ChangeEventName = (typeof CHANGE_EVENTS)[number];

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.hasOwn(API_METHOD_SPECS, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(EVENT_TABLE, name);
}

export function methodSpec(method: ApiMethod): MethodSpec {
  return API_METHOD_SPECS[method];
}

/** A result the transports carry as raw bytes rather than JSON. */
export const BINARY_METHODS: readonly ApiMethod[] = API_METHODS.filter((m) => methodSpec(m).binary);
