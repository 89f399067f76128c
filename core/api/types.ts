/**
 * Plain data shared by main and renderer. Every coordinate is patient LPS
 * millimetres unless the name says otherwise (DICOM PS3.3 C.7.6.2.1.1).
 */
import type { RecistAssessment } from '../recist/types';
import type { Growth } from '../volumetry/volumetry';
import type { ReaderIdentity } from './reader';

export type Vec3 = [number, number, number];
/** 3×3 direction matrix, column-major: columns are the i (row), j (column) and k (slice) axes in LPS. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export interface VolumeGeometry {
  /** [columns, rows, slices] */
  dims: Vec3;
  spacingMm: Vec3;
  /** LPS position of the centre of voxel (0,0,0). */
  originMm: Vec3;
  direction: Mat3;
}

export interface PatientSummary {
  id: number;
  patientId: string;
  name: string;
  birthDate: string | null;
  sex: string | null;
  studyCount: number;
}

export interface StudySummary {
  id: number;
  patientRowId: number;
  studyInstanceUid: string;
  /** YYYY-MM-DD or null */
  date: string | null;
  time: string | null;
  description: string;
  accessionNumber: string;
  modalities: string[];
  seriesCount: number;
}

export interface SeriesSummary {
  id: number;
  studyRowId: number;
  seriesInstanceUid: string;
  modality: string;
  seriesNumber: number | null;
  description: string;
  /** Number of slices in the reconstructed volume (frames for multi-frame). */
  sliceCount: number;
  instanceCount: number;
  rows: number;
  columns: number;
  warnings: string[];
}

export interface HuStats {
  minHu: number;
  maxHu: number;
  meanHu: number;
  /** Sample standard deviation (n−1). */
  sdHu: number;
  voxelCount: number;
}

export interface SeriesDetail extends SeriesSummary {
  patient: { patientId: string; name: string; birthDate: string | null; sex: string | null };
  study: { studyInstanceUid: string; date: string | null; description: string; accessionNumber: string };
  geometry: VolumeGeometry;
  transferSyntaxes: { uid: string; name: string }[];
  /** Gantry tilt in degrees, 0 when the slices are orthogonal to the stack direction. */
  gantryTiltDeg: number;
  /** Window suggested by the file (first instance), if any. */
  defaultWindow: { center: number; width: number } | null;
  frameOfReferenceUid: string;
}

export type ImportOutcome = 'imported' | 'duplicate' | 'skipped';

export interface ImportFileResult {
  /** The path as given to the importer (or its name inside a zip: "archive.zip!/a/b.dcm"). */
  file: string;
  outcome: ImportOutcome;
  reason?: string;
  seriesInstanceUid?: string;
}

export interface ImportReport {
  imported: number;
  duplicates: number;
  skipped: number;
  files: ImportFileResult[];
  /** Series touched by this import, with their warnings. */
  series: { id: number; seriesInstanceUid: string; description: string; sliceCount: number; warnings: string[] }[];
  durationMs: number;
}

export interface ImportProgress {
  phase: 'scanning' | 'reading' | 'copying' | 'registering' | 'done';
  done: number;
  total: number;
}

export interface VolumeInfo {
  seriesId: number;
  geometry: VolumeGeometry;
  /** Slices per chunk the server prefers; chunks are requested from the middle outwards. */
  chunkSlices: number;
}

export interface AppInfo {
  version: string;
  mode: 'electron' | 'serve';
  /** The library folder (LONGITUDE_HOME or --home). */
  homeDir: string;
  /** The reader recorded when a client states none (in Electron the OS user). */
  defaultReader: ReaderIdentity;
}

// ---- Lesions and measurements (patient LPS mm) ----

export const LESION_SITES = ['liver', 'lymph-node', 'lung', 'peritoneum', 'other'] as const;
export type LesionSite = (typeof LESION_SITES)[number];
export const RECIST_ROLES = ['target', 'non-target', 'new'] as const;
export type RecistRole = (typeof RECIST_ROLES)[number];
export const LESION_TYPES = ['metastasis', 'cyst', 'hemangioma', 'FNH', 'HCC', 'indeterminate'] as const;
export type LesionType = (typeof LESION_TYPES)[number];
export const REFERENCE_STANDARDS = ['histopathology', 'follow-up', 'MRI', 'clinical'] as const;
export type ReferenceStandard = (typeof REFERENCE_STANDARDS)[number];
/** Couinaud liver segments I–VIII (IV optionally IVa/IVb). */
export const COUINAUD_SEGMENTS = ['I', 'II', 'III', 'IV', 'IVa', 'IVb', 'V', 'VI', 'VII', 'VIII'] as const;
export type CouinaudSegment = (typeof COUINAUD_SEGMENTS)[number];

export interface Lesion {
  id: number;
  patientRowId: number;
  /** Stable label for the patient across all exams ("L1", "L2", …). */
  label: string;
  site: LesionSite;
  couinaudSegment: CouinaudSegment | null;
  nodeStation: string | null;
  recistRole: RecistRole;
  lymphNode: boolean;
  lesionType: LesionType;
  referenceStandard: ReferenceStandard | null;
  notes: string;
  createdAt: string;
}

export type LesionFields = Omit<Lesion, 'id' | 'patientRowId' | 'label' | 'createdAt'>;

export type MeasurementKind = 'length' | 'bidirectional' | 'ellipse' | 'freehand';

export interface Measurement {
  id: number;
  lesionId: number;
  seriesId: number;
  kind: MeasurementKind;
  /** LPS mm; bidirectional: long-axis ends then short-axis ends; ellipse: two axis end pairs. */
  pointsLps: Vec3[];
  sliceIndex: number | null;
  longAxisMm: number | null;
  shortAxisMm: number | null;
  areaMm2: number | null;
  hu: HuStats | null;
  source: 'manual' | 'mask' | 'ai';
  createdAt: string;
  updatedAt: string;
}

/**
 * A lesion's status on one exam when a measurement alone does not say it. 'equivocal': a lesion
 * first seen after the baseline that the reader calls an equivocal new lesion on this exam
 * (RECIST 1.1 §4.3.5: PD only once a later exam confirms it).
 */
export type LesionExamStatus = 'measured' | 'too-small' | 'disappeared' | 'not-evaluated' | 'present' | 'absent' | 'unequivocal-progression' | 'equivocal';

export interface AuditEntry {
  id: number;
  at: string;
  entity: 'lesion' | 'measurement' | 'segmentation' | 'assessment' | 'ai-proposal' | 'lesion-link' | 'measurement-of-record' | 'exam-signoff' | 'followup-finding';
  entityId: number;
  action: 'create' | 'update' | 'delete' | 'restore';
  before: unknown;
  after: unknown;
  /** Who made the change (null on rows written before readers were recorded). */
  reader?: ReaderIdentity | null;
}

// ---- Lesion table (rows: lesions, columns: exams) ----


export interface ExamColumn {
  studyRowId: number;
  date: string | null;
  description: string;
  seriesIds: number[];
}

export interface LesionCell {
  /**
   * The measurement of record: the one that gives the cell its diameters. Chosen by a reader, or
   * by default the earliest diameter measurement (length or bidirectional) of the lesion on the
   * exam, so a later measurement never silently replaces it.
   */
  measurementId: number | null;
  seriesId: number | null;
  longAxisMm: number | null;
  shortAxisMm: number | null;
  /** From the lesion's latest mask in this exam. */
  volumeMl: number | null;
  status: LesionExamStatus | null;
  /** Live diameter measurements (length or bidirectional) of the lesion on this exam; > 1 means a choice. */
  measurementCount: number;
  /** How the measurement of record was chosen (null: no measurement). */
  recordChosenBy: 'reader' | 'default' | null;
}

/** What matching found beside the links, and the reader's decision on it. */
export interface FollowUpFindingRow {
  id: number;
  patientRowId: number;
  /** The exam matching compared against (the patient's baseline). */
  baselineStudyRowId: number;
  followUpStudyRowId: number;
  lesionId: number;
  label: string;
  /** new: a follow-up finding with no prior counterpart; disappeared: a prior lesion with no follow-up counterpart. */
  kind: 'new' | 'disappeared';
  /**
   * proposed: awaiting the reader (a new lesion counts as unequivocal meanwhile; a disappeared one
   * is missing); confirmed: a new lesion / disappeared (0 mm); equivocal: an equivocal new lesion;
   * rejected: not a lesion (new) or not gone (disappeared: the reader measures it).
   */
  status: 'proposed' | 'confirmed' | 'equivocal' | 'rejected';
  createdAt: string;
  decidedAt: string | null;
  reader: ReaderIdentity | null;
}

/** What an exam's assessment said when it was signed. */
export interface SignoffSummary {
  date: string | null;
  sumMm: number | null;
  targetResponse: string | null;
  nonTargetResponse: string | null;
  overallResponse: string | null;
  newLesionIds: string[];
  explanation: string[];
}

/** A reader's signature on an exam's assessment; while in force the exam is locked. */
export interface ExamSignoff {
  id: number;
  patientRowId: number;
  studyRowId: number;
  reader: ReaderIdentity;
  signedAt: string;
  summary: SignoffSummary;
  reopenedAt: string | null;
  reopenedBy: ReaderIdentity | null;
  reopenReason: string | null;
}

export interface LesionTableData {
  patientRowId: number;
  exams: ExamColumn[];
  lesions: Lesion[];
  /** cells[lesionId][studyRowId] */
  cells: Record<number, Record<number, LesionCell>>;
  /** Liver volume per exam (mL), when a liver mask exists. */
  liverVolumeMl: Record<number, number>;
  /** Confirmed splits and merges (they drive the RECIST 1.1 fragment and coalescence rules). */
  lineage: LineageEntry[];
  /** Matching's new and disappeared findings with the reader's decisions (pending ones are explained in the response). */
  findings: FollowUpFindingRow[];
  /** Links that wait for the reader (their lesions are explained in the response until decided). */
  pendingLinks: LesionLinkRow[];
  /** Every sign-off of the patient's exams, oldest first (a reopened one stays, with who reopened it). */
  signoffs: ExamSignoff[];
}


export interface LesionVolumetry {
  /** Per exam (studyRowId): total lesion volume, liver volume and burden when the liver is segmented. */
  exams: { studyRowId: number; totalLesionVolumeMl: number | null; liverVolumeMl: number | null; tumorBurdenPct: number | null }[];
  /**
   * Per lesion label and exam: the lesion's volume following its lineage (RECIST 1.1 handles a split
   * lesion as the sum of its fragments and coalesced lesions as one): a split lesion's fragments are
   * added to it; a lesion that coalesced into another is 0 mL from that exam (the other carries it).
   */
  lesions: Record<string, Record<number, { volumeMl: number; parts: string[]; note: string | null }>>;
  /**
   * Per lesion label: growth between consecutive exams where it has a volume, on the lineage volumes;
   * across a merge the earlier volume includes the lesions that coalesced into it (`includes`).
   */
  growth: Record<string, { fromStudyRowId: number; toStudyRowId: number; growth: Growth; includes?: string[] }[]>;
}

/** How a lesion enters RECIST 1.1 in the table. */
export interface LesionRoleInCase {
  lesionId: number;
  label: string;
  /** Its RECIST role as assessed ('new' when first seen after the baseline, whatever its recorded role), or why it is left out. */
  /**
   * 'unmatched': first seen after the baseline but not yet matched to the lesions known before
   * (follow-up matching, a manual link, or the reader's role 'new' decide whether it is new).
   */
  role: 'target' | 'non-target' | 'new' | 'fragment' | 'benign' | 'unmatched';
  /** The first exam it was seen on (a measurement, mask or status). */
  firstSeenStudyRowId: number | null;
  /** Why the assessed role differs from the recorded one, or what it is a fragment of. */
  note: string | null;
}

export interface LesionTableAssessment {
  /** The baseline: the first exam (by date) on which a lesion was seen. */
  baselineStudyRowId: number | null;
  /** Exams that enter RECIST (the baseline and the later exams with any lesion assessed or reviewed), in date order. */
  recistStudyRowIds: number[];
  lesionRoles: LesionRoleInCase[];
  recist: RecistAssessment | null;
  /** Why RECIST could not be computed (the case as recorded is not valid RECIST). */
  recistErrors: string[];
  volumetry: LesionVolumetry;
}


export interface LesionTable {
  table: LesionTableData;
  assessment: LesionTableAssessment;
}

// ---- Segmentations (masks on a series' own grid) ----

export interface Segmentation {
  id: number;
  seriesId: number;
  lesionId: number | null;
  structure: 'lesion' | 'liver';
  voxelCount: number;
  volumeMl: number;
  hu: HuStats | null;
  source: 'manual' | 'ai' | 'dicom-seg';
  hasOriginal: boolean;
  createdAt: string;
  updatedAt: string;
}


// ---- Local AI (models, runs, proposals, agreement) ----

export interface ModelInfo {
  id: string;
  version: string;
  /** 'app': shipped in resources/models; 'user': added to the user's models folder. */
  source: 'app' | 'user';
  folder: string;
  task: 'segmentation' | 'detection' | 'classification';
  labels: { value: number; name: string; role: 'background' | 'organ' | 'lesion'; lesionType: string | null }[];
  /** SHA-256 of model.onnx as found on disk. */
  sha256: string;
  sizeBytes: number;
  card: { trainedOn?: string; testDice?: number; intendedUse?: string; notForClinicalUse?: boolean; [k: string]: unknown } | null;
  spacingMm: Vec3 | null;
  patchSize: Vec3 | null;
  /** False when any check failed; `errors` says which. */
  valid: boolean;
  errors: string[];
}

export type AiRunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface AiRun {
  id: number;
  seriesId: number;
  modelId: string;
  modelVersion: string;
  modelSha256: string;
  /** The execution provider that ran the model (null until it started). */
  provider: string | null;
  /** Options of the run (batch size, mirroring, providers tried, minimum lesion volume, …). */
  parameters: Record<string, unknown>;
  status: AiRunStatus;
  error: string | null;
  /** Last progress: phase and windows done/total. */
  progress: { phase: string; done: number; total: number } | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /** Time inside onnxruntime's session.run. */
  sessionRunMs: number | null;
  windows: number | null;
  proposalCount: number;
}

export type ProposalStatus = 'proposed' | 'accepted' | 'rejected';

export interface AiProposal {
  id: number;
  runId: number;
  seriesId: number;
  kind: 'lesion' | 'organ';
  labelValue: number;
  labelName: string;
  lesionType: string | null;
  classProbabilities: { labelValue: number; name: string; probability: number }[];
  meanProbability: number;
  voxelCount: number;
  volumeMl: number;
  centroidLps: Vec3;
  /** Auto-bidirectional diameters (lesions); points are long-axis ends then short-axis ends. */
  longAxisMm: number | null;
  shortAxisMm: number | null;
  axisPointsLps: Vec3[] | null;
  sliceIndex: number | null;
  status: ProposalStatus;
  /** After acceptance: the lesion, its mask and its measurement. */
  lesionId: number | null;
  segmentationId: number | null;
  measurementId: number | null;
  decidedAt: string | null;
}

/** Agreement between a model's mask and the radiologist's final one (monitoring). */
/**
 * One monitoring event of a model on a run: an accepted or edited proposal (with the Dice of
 * the model's mask against the reader's), a rejected proposal (a false positive), or a lesion
 * the reader added on the run's series where the model proposed nothing (a miss, a false
 * negative; no proposal).
 */
export interface AgreementEntry {
  id: number;
  runId: number;
  /** Null for a miss. */
  proposalId: number | null;
  segmentationId: number | null;
  lesionId: number | null;
  modelId: string;
  modelVersion: string;
  event: 'accepted' | 'edited' | 'rejected' | 'missed';
  /** Only for accepts and edits. */
  dice: number | null;
  at: string;
  readerName: string | null;
}

export interface RunModelInput {
  seriesId: number;
  modelId: string;
  /** Default: the highest valid version. */
  modelVersion?: string;
  options?: {
    batchSize?: number;
    mirror?: boolean;
    minLesionVolumeMl?: number;
    /** Execution providers to try, in order (default cuda, dml, coreml, webgpu, cpu). */
    providers?: ('cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu')[];
  };
}

export interface AiProgressEvent {
  runId: number;
  seriesId: number;
  status: AiRunStatus;
  phase: string;
  done: number;
  total: number;
  error: string | null;
}

export interface AcceptProposalInput {
  /** Attach the mask and measurement to this existing lesion instead of creating one. */
  lesionId?: number;
  /** Fields of the new lesion (default: site liver, the proposal's type, a RECIST 1.1 role). */
  fields?: Partial<LesionFields>;
}

export interface AcceptProposalResult {
  proposal: AiProposal;
  lesion: Lesion | null;
  segmentation: Segmentation;
  measurement: Measurement | null;
}

// ---- Model validation on a local cohort ----

export type CohortSplit =
  | { kind: 'fractions'; train: number; validation: number; test: number; part: 'train' | 'validation' | 'test'; seed: number }
  | { kind: 'kfold'; k: number; fold: number; seed: number };

export interface ValidateModelInput {
  modelId: string;
  modelVersion?: string;
  /** A folder of cases (see README: cohort.json, or one sub-folder per case with its reference). */
  cohortDir: string;
  /** Keep only one part of the cohort, split by patient (reproducible with the seed). */
  split?: CohortSplit;
  /** Lesion match rule: IoU at least this (default 0.1). */
  iouThreshold?: number;
  /** Count only reference lesions at least this long (mm, default 10; 0 = all). */
  minLesionDiameterMm?: number;
  /** Predicted lesion components smaller than this are dropped, as from proposals (mL, default 0.05). */
  minLesionVolumeMl?: number;
  /** Bootstrap resamples for the 95% confidence intervals (default 1000). */
  bootstrapResamples?: number;
  seed?: number;
}

export interface Ci95 {
  value: number;
  /** Null when there is no interval (fewer than two cases): printed "n/a". */
  low: number | null;
  high: number | null;
}

export interface ValidationCaseResult {
  caseId: string;
  patientId: string;
  referenceFile: string;
  structures: { name: string; labels: number[]; dice: number; iou: number; bothEmpty: boolean; referenceMl: number; predictedMl: number }[];
  detection: { truePositives: number; falseNegatives: number; falsePositives: number; sensitivity: number | null; precision: number | null; f1: number | null };
  /** Reference lesions (those counted) and what the model made of them. */
  lesions: { referenceLabel: number; diameterMm: number; detected: boolean; dice: number | null; predictedLabel: number | null; probability: number | null }[];
  provider: string;
  durationMs: number;
}

export interface ValidationReport {
  id: number;
  modelId: string;
  modelVersion: string;
  modelSha256: string;
  cohortDir: string;
  parameters: Omit<ValidateModelInput, 'modelId' | 'modelVersion' | 'cohortDir'>;
  status: 'running' | 'done' | 'failed';
  error: string | null;
  progress: { done: number; total: number };
  createdAt: string;
  finishedAt: string | null;
  /** The lesion-level overlap rule, in words. */
  matchRule: string;
  cases: ValidationCaseResult[];
  overall: {
    structures: { name: string; meanDice: Ci95; meanIou: Ci95; cases: number }[];
    detection: { sensitivity: Ci95 | null; precision: Ci95 | null; f1: number | null; falsePositivesPerCase: Ci95; truePositives: number; falseNegatives: number; falsePositives: number };
    /** Lesion classification of the detected lesions (positive class first), when the model has two or more lesion classes. */
    classification: {
      positiveClass: string;
      negativeClass: string;
      confusion: { labels: string[]; matrix: number[][] };
      sensitivity: number | null;
      specificity: number | null;
      auc: Ci95 | null;
      partialAuc: { maxFpr: number; raw: number; standardized: number } | null;
      roc: { fpr: number; tpr: number; threshold: number }[];
    } | null;
  } | null;
}

// ---- Follow-up: lesion links across exams and their lineage ----

export interface LesionLinkRow {
  id: number;
  patientRowId: number;
  baselineStudyRowId: number;
  followUpStudyRowId: number;
  registrationId: number | null;
  kind: 'match' | 'split' | 'merge';
  /** The baseline lesion. */
  fromLesionId: number;
  fromLabel: string;
  /** The follow-up finding (the lesion identity whose findings are on the follow-up exam). */
  toLesionId: number;
  toLabel: string;
  confidence: number | null;
  distanceMm: number | null;
  overlap: number | null;
  source: 'matching' | 'manual';
  status: 'proposed' | 'confirmed' | 'rejected';
  /** Confirmed without review (confidence at or above the threshold). */
  auto: boolean;
  createdAt: string;
  decidedAt: string | null;
}

export interface LineageEntry {
  id: number;
  kind: 'split' | 'merge';
  /** split: the lesion that split; merge: the lesion the child coalesced into. */
  parentLesionId: number;
  childLesionId: number;
  /** First exam where it holds. */
  studyRowId: number;
}

export interface FollowUpMatchResult {
  baselineStudyRowId: number;
  followUpStudyRowId: number;
  registrationId: number | null;
  warnings: string[];
  links: LesionLinkRow[];
  /** Follow-up findings with no counterpart among the lesions known before (new lesions at this exam). */
  newLesionIds: number[];
  /** Lesions known before (the baseline's and those first seen on earlier follow-ups) with no follow-up finding. */
  disappearedLesionIds: number[];
  /** The new and disappeared findings as review items, with their status. */
  findings: FollowUpFindingRow[];
}

/** One item of a patient's follow-up review queue: a proposed link, or a new or disappeared finding. */
export interface FollowUpReviewItem {
  /** `link-<id>` or `finding-<id>`: what the CLI's followup confirm/reject/equivocal take. */
  itemId: string;
  kind: 'match' | 'split' | 'merge' | 'new' | 'disappeared';
  status: 'proposed' | 'confirmed' | 'equivocal' | 'rejected';
  baselineStudyRowId: number;
  followUpStudyRowId: number;
  lesionLabels: string[];
  confidence: number | null;
  /** What the item says and what confirming does, in words. */
  description: string;
  /** The decisions this item takes now. */
  decisions: ('confirm' | 'reject' | 'equivocal' | 'reopen')[];
}

/** A stored transform between two series of a patient (fixed = baseline, moving = follow-up). */
export interface RegistrationInfo {
  id: number;
  patientRowId: number;
  fixedSeriesId: number;
  movingSeriesId: number;
  method: 'elastix-rigid' | 'elastix-affine' | 'elastix-bspline' | 'landmarks' | 'identity';
  /** Fixed LPS mm → moving LPS mm, row-major 4×4. */
  matrix4x4: number[][];
  parameters: Record<string, unknown>;
  landmarks: { fixedMm: Vec3; movingMm: Vec3; label?: string }[] | null;
  metric: number | null;
  durationMs: number | null;
  status: 'current' | 'superseded';
  createdAt: string;
  supersededAt: string | null;
}

export interface RegistrationProgressEvent {
  fixedSeriesId: number;
  movingSeriesId: number;
  phase: string;
  state: 'started' | 'finished' | 'done' | 'failed';
  fraction: number;
  error: string | null;
}
