/** Local AI: models, runs in their own process, proposals, agreement monitoring, validation. */
import type { MaskRle } from '../maskRle';
import type { AcceptProposalInput, AcceptProposalResult, AgreementEntry, AiProgressEvent, AiProposal, AiRun, ModelInfo, RunModelInput, ValidateModelInput, ValidationReport } from '../types';
import type { EventTable, MethodTable } from './spec';

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
  /** Dice between each model mask and the radiologist's final one, over time (monitoring). */
  listAgreement(filter?: { modelId?: string }): Promise<AgreementEntry[]>;
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
