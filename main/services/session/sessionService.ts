/** The session domain: who is reading at the calling client. */
import type { SessionApi } from '../../../core/api/contract';
import type { ReaderIdentity } from '../../../core/api/reader';
import { currentReader } from './readerContext';

export class SessionService implements SessionApi {
  async getReader(): Promise<ReaderIdentity> {
    return currentReader();
  }
}
