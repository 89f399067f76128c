/**
 * The PACS: nodes kept in the registry (secrets never in plain text there), query (QIDO-RS or
 * C-FIND), retrieve (WADO-RS, C-GET or C-MOVE to our own receiver) through the same importer
 * as any folder, store (STOW-RS or C-STORE) of an exam's SR, SEG and report (Encapsulated PDF),
 * priors of an open patient, and the C-STORE receiver (off by default).
 */
import type { ImportReport } from '../types';
import type { EventTable, MethodTable } from './spec';

export type PacsAuth = 'none' | 'basic' | 'bearer';
export type RetrieveMethod = 'wado-rs' | 'c-get' | 'c-move';

export interface PacsNode {
  id: number;
  name: string;
  /** DIMSE peer: AE title, host, port (null for a DICOMweb-only node). */
  aeTitle: string | null;
  host: string | null;
  port: number | null;
  /** DICOMweb root, e.g. https://pacs.example/dicom-web (null for a DIMSE-only node). */
  dicomwebUrl: string | null;
  auth: PacsAuth;
  /** User name for basic auth (the password is kept in the secret store). */
  username: string | null;
  /** Whether a password or token is stored for it. */
  hasSecret: boolean;
  /** How series are retrieved from it (default: wado-rs with a DICOMweb URL, c-get otherwise). */
  retrieveMethod: RetrieveMethod;
  /** Query this node for priors when a patient is opened. */
  queryPriors: boolean;
  /** Fetch those priors without asking. */
  autoRetrievePriors: boolean;
  createdAt: string;
}

export interface NewPacsNode {
  name: string;
  aeTitle?: string | null;
  host?: string | null;
  port?: number | null;
  dicomwebUrl?: string | null;
  auth?: PacsAuth;
  username?: string | null;
  /** Password (basic) or token (bearer); stored in the secret store, never in the registry. */
  secret?: string | null;
  retrieveMethod?: RetrieveMethod;
  queryPriors?: boolean;
  autoRetrievePriors?: boolean;
}

/** A query; every field optional. Names take DICOM wildcards (* and ?). */
export interface PacsQuery {
  patientId?: string;
  patientName?: string;
  /** YYYYMMDD */
  birthDate?: string;
  /** YYYYMMDD, YYYYMMDD-YYYYMMDD, -YYYYMMDD or YYYYMMDD- */
  studyDate?: string;
  modality?: string;
  accessionNumber?: string;
  studyInstanceUid?: string;
}

export interface PacsStudy {
  studyInstanceUid: string;
  patientId: string;
  patientName: string;
  birthDate: string | null;
  sex: string | null;
  /** YYYY-MM-DD */
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  description: string;
  modalities: string[];
  seriesCount: number | null;
  instanceCount: number | null;
  /** Whether the library already holds this study (some or all of its series). */
  inLibrary: boolean;
}

export interface PacsSeries {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  description: string;
  seriesNumber: number | null;
  instanceCount: number | null;
  inLibrary: boolean;
}

export interface PacsRetrieveResult {
  node: string;
  method: RetrieveMethod;
  studyInstanceUid: string;
  seriesInstanceUids: string[];
  /** Instances the PACS said it would send (null when it did not say). */
  expected: number | null;
  received: number;
  bytes: number;
  seconds: number;
  /** The importer's report on what arrived: every file with its outcome. */
  report: ImportReport;
  /** What the PACS did not deliver (SOP Instance UIDs or a sentence), empty when complete. */
  missing: string[];
  cancelled: boolean;
}

export interface PacsSendResult {
  node: string;
  studyRowId: number;
  sent: { what: 'sr' | 'seg' | 'report'; file: string; sopInstanceUid: string }[];
  failed: { what: 'sr' | 'seg' | 'report'; reason: string }[];
}

export interface PacsPriors {
  patientRowId: number;
  /** Other CT studies of the patient on the nodes that are queried for priors, not yet in the library. */
  studies: (PacsStudy & { node: string })[];
  /** Nodes that could not be asked, each with why. */
  errors: { node: string; error: string }[];
  /** Retrievals started automatically (nodes set to fetch priors without asking). */
  retrieving: string[];
}

export interface ReceiverStatus {
  running: boolean;
  aeTitle: string;
  port: number;
  /** Calling AE titles accepted; empty means any. */
  allowedCallingAets: string[];
  received: number;
  lastError: string | null;
}

export interface PacsProgressEvent {
  /** The retrieval or sending this belongs to (as returned by the call that started it). */
  jobId: string;
  node: string;
  phase: 'query' | 'retrieve' | 'import' | 'send' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number | null;
  bytes: number;
  message?: string;
}

export interface PacsApi {
  listPacsNodes(): Promise<PacsNode[]>;
  savePacsNode(input: NewPacsNode & { id?: number }): Promise<PacsNode>;
  removePacsNode(input: { name: string }): Promise<void>;
  /** C-ECHO (DIMSE) and/or a QIDO request (DICOMweb): how long it took, or why not. */
  echoPacs(input: { name: string }): Promise<{ node: string; dimse: { ok: boolean; ms: number; error?: string } | null; dicomweb: { ok: boolean; ms: number; error?: string } | null }>;
  findPacsStudies(input: { name: string; query: PacsQuery }): Promise<PacsStudy[]>;
  findPacsSeries(input: { name: string; studyInstanceUid: string }): Promise<PacsSeries[]>;
  /** Retrieve a study (or some of its series) into the library through the importer; progress as onPacsProgress. */
  retrievePacs(input: { name: string; studyInstanceUid: string; seriesInstanceUids?: string[]; method?: RetrieveMethod; jobId?: string }): Promise<PacsRetrieveResult>;
  cancelPacsJob(input: { jobId: string }): Promise<{ cancelled: boolean }>;
  /** Send an exam's SR, SEG and report PDF (Encapsulated PDF) to a node, filed under its patient and study. */
  sendToPacs(input: { name: string; studyRowId: number; what?: ('sr' | 'seg' | 'report')[]; jobId?: string }): Promise<PacsSendResult>;
  /** The patient's other CT studies on the PACS that the library lacks. */
  findPriors(input: { patientRowId: number }): Promise<PacsPriors>;
  receiverStatus(): Promise<ReceiverStatus>;
  /** Start (or restart with new settings) the C-STORE receiver; stop it with running: false. */
  setReceiver(input: { running: boolean; aeTitle?: string; port?: number; allowedCallingAets?: string[] }): Promise<ReceiverStatus>;
}

export const PACS_METHODS = {
  listPacsNodes: {},
  savePacsNode: {},
  removePacsNode: {},
  echoPacs: {},
  findPacsStudies: {},
  findPacsSeries: {},
  retrievePacs: {},
  cancelPacsJob: {},
  sendToPacs: {},
  findPriors: {},
  receiverStatus: {},
  setReceiver: {},
} as const satisfies MethodTable<PacsApi>;

export interface PacsEvents {
  onPacsProgress: PacsProgressEvent;
}
export const PACS_EVENTS = { onPacsProgress: true } as const satisfies EventTable<PacsEvents>;
