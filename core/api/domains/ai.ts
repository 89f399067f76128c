/** Local AI: models, runs in their own process, proposals, agreement monitoring, validation. */
import type { MaskRle } from '../maskRle';
import type { AcceptProposalInput, AcceptProposalResult, AgreementEntry, AiProgressEvent, AiProposal, AiRun, ModelInfo, RunModelInput, ValidateModelInput, ValidationReport } from '../types';
import type { EventTable, MethodTable } from './spec';

// ---- monitoring: what readers made of a model's lesion proposals ----

/**
 * Detection figures over one or more reviewed runs (exams). A lesion proposal the reader
 * accepted (as drawn or edited) is a true positive; one rejected — at once, or later found
 * not to be a lesion — a false positive; a lesion the reader added by hand on the run's
 * series that the model did not give is a false negative (a miss). Organ proposals (the
 * liver) do not count.
 */
export interface MonitoringFigures {
  /** Reviewed runs counted: runs with at least one logged decision or miss. */
  exams: number;
  truePositives: number;
  /** Of the true positives, those whose mask the reader edited. */
  edited: number;
  falsePositives: number;
  falseNegatives: number;
  /** TP / (TP + FN); null when there is no lesion to find (TP + FN = 0). */
  sensitivity: number | null;
  /** FP / exams; null without an exam. */
  falsePositivesPerExam: number | null;
  /** Mean over the true positives of the Dice of the model's mask with the final mask; null without one. */
  meanDice: number | null;
}

/** One reviewed run (an exam) of a model, with its own figures and the running totals up to it. */
export interface MonitoringRun extends MonitoringFigures {
  runId: number;
  modelVersion: string;
  seriesId: number;
  /** The exam's study date as stored (DICOM YYYYMMDD); null when unknown. */
  studyDate: string | null;
  /** When the run finished (the time axis). */
  finishedAt: string | null;
  /** Lesion proposals of the run still undecided (not counted). */
  undecided: number;
  /** The figures over this run and every run before it (time order). */
  cumulative: MonitoringFigures;
}

export interface ModelMonitoring {
  modelId: string;
  versions: string[];
  /** Reviewed runs, oldest first (by the run's finished time). */
  runs: MonitoringRun[];
  /** Over all its reviewed runs (pooled: every lesion counts once). */
  totals: MonitoringFigures;
}

export interface AiApi {
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
  /**
   * The monitoring log, oldest first: accepts and edits (with the Dice of the model's mask
   * against the reader's final one), rejections (false positives) and misses (false
   * negatives), each with its run and reader.
   */
  listAgreement(filter?: { modelId?: string }): Promise<AgreementEntry[]>;
  /** Per model and per reviewed run: true and false positives, misses, sensitivity, false positives per exam, mean Dice; totals and running totals in time order. */
  getMonitoring(filter?: { modelId?: string }): Promise<ModelMonitoring[]>;
  /** Run a model on a cohort with reference segmentations and measure it; progress as onValidationProgress. */
  validateModel(input: ValidateModelInput): Promise<ValidationReport>;
  getValidation(validationId: number): Promise<ValidationReport>;
  listValidations(): Promise<ValidationReport[]>;
}

export const AI_METHODS = {
  listModels: {},
  addModel: {},
  runModel: {},
  cancelModelRun: {},
  getModelRun: {},
  listModelRuns: {},
  listProposals: {},
  getProposalMask: {},
  acceptProposal: {},
  rejectProposal: {},
  listAgreement: {},
  getMonitoring: {},
  validateModel: {},
  getValidation: {},
  listValidations: {},
} as const satisfies MethodTable<AiApi>;

export interface AiEvents {
  onAiProgress: AiProgressEvent;
  onValidationProgress: { validationId: number; status: ValidationReport['status']; done: number; total: number; caseId: string | null; error: string | null };
  /** After a committed change to runs or proposals of a series (a run finished, a proposal accepted or rejected). */
  onAiChanged: { seriesId: number | null; runId: number | null };
}

export const AI_EVENTS = { onAiProgress: true, onValidationProgress: true, onAiChanged: true } as const satisfies EventTable<AiEvents>;
