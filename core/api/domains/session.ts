/** The session: who is reading at this client. */
import type { ReaderIdentity } from '../reader';
import type { EventTable, MethodTable } from './spec';

export interface SessionApi {
  /** The reader the workstation records for this client's calls (the one sent with the call, else the default). */
  getReader(): Promise<ReaderIdentity>;
}

export const SESSION_METHODS = { getReader: {} } as const satisfies MethodTable<SessionApi>;

export type SessionEvents = Record<never, never>;
export const SESSION_EVENTS = {} as const satisfies EventTable<SessionEvents>;
