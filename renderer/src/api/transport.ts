import type { ApiMethod, EventName } from '../../../core/api/contract';

/** The one thing that differs between Electron and serve mode. */
export interface Transport {
  kind: 'ipc' | 'http';
  invoke(method: ApiMethod, args: unknown[]): Promise<unknown>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
}
