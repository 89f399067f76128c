/**
 * The renderer's API client: the typed `LongitudeApi` of core/api/contract.ts over
 * whichever transport this page has (Electron IPC when preload exposed
 * `window.longitude`, otherwise HTTP to the serve-mode server that served the page).
 */
import {
  API_METHODS,
  isApiMethod,
  type ApiMethod,
  type EventName,
  type LongitudeApi,
  type LongitudeEvents,
} from '../../../core/api/contract';
import { createHttpTransport } from './httpTransport';
import { createIpcTransport } from './ipcTransport';
import { takeSessionToken } from './sessionToken';
import { storedReader } from './storedReader';
import type { Transport } from './transport';

export type ApiClient = LongitudeApi & {
  on<E extends EventName>(event: E, listener: (payload: LongitudeEvents[E]) => void): () => void;
  /** The event stream was lost and is back: events may have been missed (see Transport.onReconnect). */
  onReconnect(listener: () => void): () => void;
  /** For display and diagnostics only; features decide by capability (getAppInfo, error kinds), never by this. */
  transport: 'ipc' | 'http';
};

export function createApiFromTransport(transport: Transport): ApiClient {
  const methods = {} as Record<ApiMethod, (...args: unknown[]) => Promise<unknown>>;
  for (const method of API_METHODS) {
    methods[method] = (...args: unknown[]) => {
      if (!isApiMethod(method)) throw new Error(`Unknown API method ${String(method)}`);
      return transport.invoke(method, args);
    };
  }
  return {
    ...(methods as unknown as LongitudeApi),
    on: (event, listener) => transport.on(event, listener as (payload: unknown) => void),
    onReconnect: (listener) => transport.onReconnect(listener),
    transport: transport.kind,
  };
}

export function createApi(): ApiClient {
  const bridge = typeof window !== 'undefined' ? window.longitude : undefined;
  const transport = bridge ? createIpcTransport(bridge, storedReader) : createHttpTransport(takeSessionToken(), '', storedReader);
  return createApiFromTransport(transport);
}

export { ApiProvider, useApi } from './ApiContext';
export { useChangeEvent } from './useChangeEvent';
export { READER_STORAGE_KEY, setStoredReader, storedReader, useStoredReader, type ReaderSource } from './storedReader';
