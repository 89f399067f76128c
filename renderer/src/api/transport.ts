import type { ApiMethod, EventName } from '../../../core/api/contract';

/** The one thing that differs between Electron and serve mode. */
export interface Transport {
  kind: 'ipc' | 'http';
  /** Resolves to the result, or rejects with an `ApiError` (core/api/errors.ts) whose message starts with the method. */
  invoke(method: ApiMethod, args: unknown[]): Promise<unknown>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
  /**
   * After the event stream was lost and came back (serve mode): events of the gap are gone,
   * so whoever follows change events reloads. IPC never loses events.
   */
  onReconnect(listener: () => void): () => void;
}
