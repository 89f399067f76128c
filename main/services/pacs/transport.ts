/**
 * What a PACS connection can do, the same for DICOMweb (QIDO/WADO/STOW-RS) and DIMSE
 * (C-ECHO/FIND/GET/MOVE/STORE): the PACS service chooses one per node and call. Errors are
 * PacsError with a code a reader can act on, and a message naming the node.
 */
import { ApiError } from '../../../core/api/errors';
import type { PacsQuery, PacsSeries, PacsStudy } from '../../../core/api/domains/pacs';

export type PacsErrorCode =
  | 'unreachable' // connection refused, no route, DNS
  | 'timeout'
  | 'rejected' // association rejected (unknown calling/called AE title)
  | 'refused' // the PACS answered with a failure status (C-FIND/C-MOVE/C-GET refused, HTTP 4xx/5xx)
  | 'unauthorized' // HTTP 401 / 403
  | 'move-destination-unknown' // C-MOVE: the PACS does not know our AE as a destination
  | 'partial' // a retrieve delivered only part of what was asked
  | 'cancelled'
  | 'protocol'; // a malformed answer

export class PacsError extends ApiError {
  constructor(
    readonly code: PacsErrorCode,
    message: string,
  ) {
    // 'unauthorized' is the workstation's own token on our HTTP API: a PACS refusing our credentials is a setting to fix (invalid).
    super(
      code === 'cancelled' ? 'conflict' : code === 'unreachable' || code === 'timeout' ? 'unavailable' : code === 'unauthorized' || code === 'rejected' || code === 'move-destination-unknown' ? 'invalid' : 'internal',
      message,
    );
  }
}

/** A study or series as the PACS answers it (before the library says what it already has). */
export type FoundStudy = Omit<PacsStudy, 'inLibrary'>;
export type FoundSeries = Omit<PacsSeries, 'inLibrary'>;

export interface RetrieveRequest {
  studyInstanceUid: string;
  /** Whole study when absent. */
  seriesInstanceUids?: string[];
  /** Instances are written here, one file each (Part 10), named by SOP Instance UID. */
  destDir: string;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number | null; bytes: number }) => void;
}

export interface RetrieveOutcome {
  /** Files written (complete Part 10 files only). */
  files: string[];
  /** Instances the PACS announced (null when unknown). */
  expected: number | null;
  bytes: number;
  /** SOP Instance UIDs (or sentences) of what was announced but not delivered. */
  missing: string[];
}

export interface StoreOutcome {
  stored: { file: string; sopInstanceUid: string }[];
  failed: { file: string; reason: string }[];
}

export interface PacsTransport {
  /** C-ECHO or a minimal QIDO request; resolves when the PACS answers. */
  echo(signal?: AbortSignal): Promise<void>;
  findStudies(query: PacsQuery, signal?: AbortSignal): Promise<FoundStudy[]>;
  findSeries(studyInstanceUid: string, signal?: AbortSignal): Promise<FoundSeries[]>;
  retrieve(req: RetrieveRequest): Promise<RetrieveOutcome>;
  store(files: string[], signal?: AbortSignal): Promise<StoreOutcome>;
}

/** DICOM DA (YYYYMMDD) → YYYY-MM-DD; null when not a date. */
export function daToIso(da: string | null | undefined): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec((da ?? '').trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}
