/** Follow-up: registration to the baseline, synchronized navigation, lesion matching and lineage. */
import type { FollowUpFindingRow, FollowUpMatchResult, FollowUpReviewItem, LesionLinkRow, RegistrationInfo, RegistrationProgressEvent, Vec3 } from '../types';
import type { EventTable, MethodTable } from './spec';

export interface FollowUpApi {
  /** Register a follow-up series to its baseline with elastix (off the main thread); progress as onRegistrationProgress. */
  registerSeries(input: { fixedSeriesId: number; movingSeriesId: number; transform?: 'rigid' | 'affine' | 'bspline' }): Promise<RegistrationInfo>;
  /** Manual correction from ≥ 3 pairs of corresponding points (least squares). */
  setLandmarkRegistration(input: { fixedSeriesId: number; movingSeriesId: number; pairs: { fixedMm: Vec3; movingMm: Vec3 }[]; kind?: 'rigid' | 'affine' }): Promise<RegistrationInfo>;
  listRegistrations(patientRowId: number): Promise<RegistrationInfo[]>;
  /** Where a point of one series lies in another series of the patient (through the registrations). */
  mapPoint(input: { fromSeriesId: number; toSeriesId: number; pointLps: Vec3 }): Promise<{ pointLps: Vec3; registrationIds: number[] }>;
  /**
   * Match a follow-up exam against every lesion known before it (the baseline's and those first
   * seen on earlier follow-ups); confident links are applied, the rest queued for review, and
   * unmatched findings recorded as new (on the follow-up) or proposed disappeared.
   */
  matchFollowUp(input: { baselineStudyRowId: number; followUpStudyRowId: number }): Promise<FollowUpMatchResult>;
  listLesionLinks(filter: { patientRowId?: number; status?: 'proposed' | 'confirmed' | 'rejected'; baselineStudyRowId?: number; followUpStudyRowId?: number }): Promise<LesionLinkRow[]>;
  confirmLesionLink(linkId: number): Promise<LesionLinkRow>;
  /** Reject a proposed link, or unlink a confirmed one (what it changed is undone). */
  rejectLesionLink(linkId: number): Promise<LesionLinkRow>;
  /** Relink, or declare a split or merge, by hand (confirmed at once). */
  linkLesions(input: { baselineStudyRowId: number; followUpStudyRowId: number; fromLesionId: number; toLesionId: number; kind: 'match' | 'split' | 'merge' }): Promise<LesionLinkRow>;
  /** Decide a new or disappeared finding: confirm, reject, equivocal (new lesions only), or reopen a decision. */
  decideFinding(input: { findingId: number; decision: 'confirm' | 'reject' | 'equivocal' | 'reopen' }): Promise<FollowUpFindingRow>;
  /** The patient's review queue: proposed links and findings (decided ones too with includeDecided). */
  getReviewQueue(input: { patientRowId: number; includeDecided?: boolean }): Promise<FollowUpReviewItem[]>;
  /** Decide a review item by its id (`link-<n>` or `finding-<n>`). */
  decideReviewItem(input: { itemId: string; decision: 'confirm' | 'reject' | 'equivocal' | 'reopen' }): Promise<FollowUpReviewItem>;
}

export const FOLLOW_UP_METHODS = {
  registerSeries: {},
  setLandmarkRegistration: {},
  listRegistrations: {},
  mapPoint: {},
  matchFollowUp: {},
  listLesionLinks: {},
  confirmLesionLink: {},
  rejectLesionLink: {},
  linkLesions: {},
  decideFinding: {},
  getReviewQueue: {},
  decideReviewItem: {},
} as const satisfies MethodTable<FollowUpApi>;

export interface FollowUpEvents {
  onRegistrationProgress: RegistrationProgressEvent;
  /** After a committed change to a patient's registrations, links, lineage or findings. */
  onFollowUpChanged: { patientRowId: number };
}

export const FOLLOW_UP_EVENTS = { onRegistrationProgress: true, onFollowUpChanged: true } as const satisfies EventTable<FollowUpEvents>;
