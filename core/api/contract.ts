/**
 * The API contract, written once. Electron's preload exposes it over IPC and
 * main/server exposes it over HTTP; the renderer talks to `LongitudeApi` and
 * never knows which transport it has.
 */
import type {
  AcceptProposalInput,
  AcceptProposalResult,
  AgreementEntry,
  AiProgressEvent,
  AiProposal,
  AiRun,
  ModelInfo,
  RunModelInput,
  ValidateModelInput,
  ValidationReport,
  FollowUpMatchResult,
  LesionLinkRow,
  RegistrationInfo,
  RegistrationProgressEvent,
  AppInfo,
  AuditEntry,
  Lesion,
  LesionExamStatus,
  LesionFields,
  LesionTable,
  Measurement,
  MeasurementKind,
  Segmentation,
  Vec3,
  ImportProgress,
  ImportReport,
  PatientSummary,
  SeriesDetail,
  SeriesSummary,
  StudySummary,
  VolumeInfo,
} from './types';
import type { MaskRle } from './maskRle';

export interface NewMeasurementInput {
  lesionId: number;
  seriesId: number;
  kind: MeasurementKind;
  /** Patient LPS mm. */
  pointsLps: Vec3[];
  /** The slice of the series the tool was drawn on. */
  sliceIndex?: number | null;
}

export interface LongitudeApi {
  listPatients(): Promise<PatientSummary[]>;
  listStudies(patientRowId: number): Promise<StudySummary[]>;
  listSeries(studyRowId: number): Promise<SeriesSummary[]>;
  getSeries(seriesId: number): Promise<SeriesDetail>;
  /** PNG bytes of a thumbnail of the series' middle slice. */
  getThumbnail(seriesId: number): Promise<ArrayBuffer>;
  /** Import paths (folders, DICOMDIR files, .zip archives) that the main process can read. */
  importPaths(paths: string[]): Promise<ImportReport>;
  /** Electron only: the native open dialog (folders, DICOMDIR, .zip); serve mode rejects it. */
  pickImportPaths(): Promise<string[]>;
  /** Stage one file of a browser upload batch (serve mode and drag-and-drop); `relativePath` keeps folder structure. */
  uploadFile(batchId: string, relativePath: string, bytes: ArrayBuffer): Promise<void>;
  /** Import everything staged under `batchId`, then delete the staging folder. */
  importUploaded(batchId: string): Promise<ImportReport>;
  getAppInfo(): Promise<AppInfo>;

  // Lesions: stable identities per patient, measurements per series, audit trail.
  listLesions(patientRowId: number): Promise<Lesion[]>;
  createLesion(patientRowId: number, fields: Partial<LesionFields>): Promise<Lesion>;
  updateLesion(lesionId: number, patch: Partial<LesionFields>): Promise<Lesion>;
  deleteLesion(lesionId: number): Promise<void>;
  restoreLesion(lesionId: number): Promise<Lesion>;
  listMeasurements(filter: { lesionId?: number; seriesId?: number }): Promise<Measurement[]>;
  addMeasurement(m: NewMeasurementInput): Promise<Measurement>;
  updateMeasurement(measurementId: number, pointsLps: Vec3[]): Promise<Measurement>;
  deleteMeasurement(measurementId: number): Promise<void>;
  /** Undo a deletion. */
  restoreMeasurement(measurementId: number): Promise<Measurement>;
  setLesionAssessment(lesionId: number, studyRowId: number, status: LesionExamStatus | null): Promise<void>;
  getAuditTrail(entity: AuditEntry['entity'], entityId: number): Promise<AuditEntry[]>;
  /** A lesion's whole history: its edits, statuses, measurements and masks, deleted ones included. */
  getLesionHistory(lesionId: number): Promise<AuditEntry[]>;
  listSegmentations(filter: { seriesId?: number; lesionId?: number }): Promise<Segmentation[]>;
  /** Save a mask (run lengths on the series grid); volume and HU statistics are computed from the series. */
  saveSegmentation(input: { seriesId: number; lesionId: number | null; structure: 'lesion' | 'liver'; mask: MaskRle }): Promise<Segmentation>;
  updateSegmentation(segmentationId: number, mask: MaskRle): Promise<Segmentation>;
  getSegmentationMask(segmentationId: number, which?: 'current' | 'original'): Promise<MaskRle>;
  deleteSegmentation(segmentationId: number): Promise<void>;
  /** The auto-bidirectional measurement of a lesion mask (longest in-plane diameter and its perpendicular), saved on the lesion. */
  measureFromMask(segmentationId: number): Promise<Measurement>;
  /** Place a segment of a DICOM SEG series of the library on an image series, as a mask. */
  importSegSegment(input: { segSeriesId: number; segmentNumber: number; targetSeriesId: number; lesionId: number | null; structure: 'lesion' | 'liver' }): Promise<Segmentation>;
  /** Lesions × exams with diameters, volumes, RECIST 1.1 per exam (with explanations) and volumetry. */
  getLesionTable(patientRowId: number): Promise<LesionTable>;
  /** Prepare the series volume for reading; decoding continues in the background. */
  openVolume(seriesId: number): Promise<VolumeInfo>;
  /** Int16 HU of `sliceCount` slices from `firstSlice`; waits until they are decoded. */
  getVolumeChunk(seriesId: number, firstSlice: number, sliceCount: number): Promise<ArrayBuffer>;

  // Local AI: models from resources/models and the user's models folder, run in their own process.
  /** Every model folder found, each checked (manifest, weights hash, ONNX inputs/outputs); invalid ones say why. */
  listModels(): Promise<ModelInfo[]>;
  /** Check a model folder completely and copy it into the user's models folder. */
  addModel(folder: string): Promise<ModelInfo>;
  /** Queue a model run on a series; progress arrives as onAiProgress events. */
  runModel(input: RunModelInput): Promise<AiRun>;
  cancelModelRun(runId: number): Promise<AiRun>;
  getModelRun(runId: number): Promise<AiRun>;
  listModelRuns(seriesId?: number): Promise<AiRun[]>;
  listProposals(filter: { runId?: number; seriesId?: number }): Promise<AiProposal[]>;
  /** The model's own mask of a proposal. */
  getProposalMask(proposalId: number): Promise<MaskRle>;
  /** Accept: the proposal becomes a lesion (or the organ mask) with its AI mask and measurement. */
  acceptProposal(proposalId: number, input?: AcceptProposalInput): Promise<AcceptProposalResult>;
  rejectProposal(proposalId: number): Promise<AiProposal>;
  /** Dice between each model mask and the radiologist's final one, over time (monitoring). */
  listAgreement(filter?: { modelId?: string }): Promise<AgreementEntry[]>;
  /** Run a model on a cohort with reference segmentations and measure it; progress as onValidationProgress. */
  validateModel(input: ValidateModelInput): Promise<ValidationReport>;
  getValidation(validationId: number): Promise<ValidationReport>;
  listValidations(): Promise<ValidationReport[]>;

  // Follow-up: registration to the baseline, synchronized navigation, lesion matching and lineage.
  /** Register a follow-up series to its baseline with elastix (off the main thread); progress as onRegistrationProgress. */
  registerSeries(input: { fixedSeriesId: number; movingSeriesId: number; transform?: 'rigid' | 'affine' | 'bspline' }): Promise<RegistrationInfo>;
  /** Manual correction from ≥ 3 pairs of corresponding points (least squares). */
  setLandmarkRegistration(input: { fixedSeriesId: number; movingSeriesId: number; pairs: { fixedMm: Vec3; movingMm: Vec3 }[]; kind?: 'rigid' | 'affine' }): Promise<RegistrationInfo>;
  listRegistrations(patientRowId: number): Promise<RegistrationInfo[]>;
  /** Where a point of one series lies in another series of the patient (through the registrations). */
  mapPoint(input: { fromSeriesId: number; toSeriesId: number; pointLps: Vec3 }): Promise<{ pointLps: Vec3; registrationIds: number[] }>;
  /** Match a follow-up exam's lesions to the baseline's; confident links are applied, the rest queued for review. */
  matchFollowUp(input: { baselineStudyRowId: number; followUpStudyRowId: number }): Promise<FollowUpMatchResult>;
  listLesionLinks(filter: { patientRowId?: number; status?: 'proposed' | 'confirmed' | 'rejected'; baselineStudyRowId?: number; followUpStudyRowId?: number }): Promise<LesionLinkRow[]>;
  confirmLesionLink(linkId: number): Promise<LesionLinkRow>;
  /** Reject a proposed link, or unlink a confirmed one (what it changed is undone). */
  rejectLesionLink(linkId: number): Promise<LesionLinkRow>;
  /** Relink, or declare a split or merge, by hand (confirmed at once). */
  linkLesions(input: { baselineStudyRowId: number; followUpStudyRowId: number; fromLesionId: number; toLesionId: number; kind: 'match' | 'split' | 'merge' }): Promise<LesionLinkRow>;
}

/** Every method name, for the transports; an unknown name is an error. */
export const API_METHODS = [
  'listPatients',
  'listStudies',
  'listSeries',
  'getSeries',
  'getThumbnail',
  'importPaths',
  'pickImportPaths',
  'uploadFile',
  'importUploaded',
  'getAppInfo',
  'listLesions',
  'createLesion',
  'updateLesion',
  'deleteLesion',
  'restoreLesion',
  'listMeasurements',
  'addMeasurement',
  'updateMeasurement',
  'deleteMeasurement',
  'restoreMeasurement',
  'setLesionAssessment',
  'getAuditTrail',
  'getLesionHistory',
  'getLesionTable',
  'listSegmentations',
  'saveSegmentation',
  'updateSegmentation',
  'getSegmentationMask',
  'deleteSegmentation',
  'measureFromMask',
  'importSegSegment',
  'openVolume',
  'getVolumeChunk',
  'listModels',
  'addModel',
  'runModel',
  'cancelModelRun',
  'getModelRun',
  'listModelRuns',
  'listProposals',
  'getProposalMask',
  'acceptProposal',
  'rejectProposal',
  'listAgreement',
  'validateModel',
  'getValidation',
  'listValidations',
  'registerSeries',
  'setLandmarkRegistration',
  'listRegistrations',
  'mapPoint',
  'matchFollowUp',
  'listLesionLinks',
  'confirmLesionLink',
  'rejectLesionLink',
  'linkLesions',
] as const satisfies readonly (keyof LongitudeApi)[];

export type ApiMethod = (typeof API_METHODS)[number];

/** Compile-time check that API_METHODS lists every method of LongitudeApi. */
type Missing = Exclude<keyof LongitudeApi, ApiMethod>;
const _allListed: Missing extends never ? true : never = true;
void _allListed;

export function isApiMethod(name: string): name is ApiMethod {
  return (API_METHODS as readonly string[]).includes(name);
}

/** Events pushed from main to the renderer. */
export interface LongitudeEvents {
  onImportProgress: ImportProgress;
  onVolumeProgress: { seriesId: number; slicesDecoded: number; sliceCount: number };
  onAiProgress: AiProgressEvent;
  onRegistrationProgress: RegistrationProgressEvent;
  onValidationProgress: { validationId: number; status: ValidationReport['status']; done: number; total: number; caseId: string | null; error: string | null };
}
export type EventName = keyof LongitudeEvents;
export const EVENT_NAMES: readonly EventName[] = ['onImportProgress', 'onVolumeProgress', 'onAiProgress', 'onValidationProgress', 'onRegistrationProgress'];

/** A result the transports carry as raw bytes rather than JSON. */
export const BINARY_METHODS: readonly ApiMethod[] = ['getThumbnail', 'getVolumeChunk'];

/**
 * Transports.
 * - Electron: preload exposes `window.longitude = { invoke(method, args), on(event, listener) }`
 *   on the channel `longitude:call` (args array) and `longitude:event`.
 * - HTTP (serve mode): `POST /api/call/<method>` with `Authorization: Bearer <token>` and JSON
 *   body `{ "args": [...] }`; JSON results come back as `{ "result": ... }`, BINARY_METHODS as
 *   `application/octet-stream`; errors as `{ "error": message }` with a 4xx/5xx status.
 *   `uploadFile` is `PUT /api/upload/<batchId>/<relativePath>` with the raw bytes as body.
 *   Events: `GET /api/events?token=<token>` (server-sent events, `event: <name>`, JSON data).
 */
export const HTTP_TOKEN_HEADER = 'authorization';
