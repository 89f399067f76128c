/**
 * Messages between the main process and the inference process (child_process.fork with
 * the structured-clone "advanced" serialization, so typed arrays travel as they are).
 */
import type { VolumeGeometry } from '../../../core/api/types';
import type { PipelinePhase, PipelineTimings, ProposalDraft } from '../../../core/inference';
import type { ModelManifest } from '../../../core/models/manifest';

/** Execution providers in order of preference (onnxruntime names). */
export const PROVIDER_ORDER = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof PROVIDER_ORDER)[number];

export interface RunOptions {
  /** Providers to try, in order (default PROVIDER_ORDER); the first that loads the model runs it. */
  providers?: ProviderName[];
  batchSize?: number;
  mirror?: boolean;
  minLesionVolumeMl?: number;
  /** Also return the label map on the series grid (validation needs it; proposals do not). */
  returnLabels?: boolean;
  /** Intra-op threads for the CPU provider (default: onnxruntime's choice, the physical cores). */
  threads?: number;
}

export type ToChild =
  | { type: 'inspect'; id: number; modelPath: string }
  | {
      type: 'run';
      id: number;
      modelPath: string;
      manifest: ModelManifest;
      /** The HU voxels, or (for large volumes) the raw Int16 file they were written to. */
      volume: Int16Array | null;
      volumeFile: string | null;
      geometry: VolumeGeometry;
      options: RunOptions;
    }
  | { type: 'cancel'; id: number };

export interface TensorMeta {
  name: string;
  dims: (number | string)[];
}

export interface ProviderAttempt {
  provider: ProviderName;
  error: string | null;
}

export interface RunResult {
  provider: ProviderName;
  /** Every provider tried before (and including) the one that ran, with why it failed. */
  attempts: ProviderAttempt[];
  drafts: ProposalDraft[];
  labels: Uint8Array | null;
  windows: number;
  calls: number;
  timings: PipelineTimings & { sessionCreateMs: number; sessionRunMs: number; wallMs: number };
  msPerWindow: number;
  /** Peak resident memory of the inference process, MB. */
  peakRssMb: number;
}

export type FromChild =
  | { type: 'ready'; pid: number }
  | { type: 'inspected'; id: number; inputs: TensorMeta[]; outputs: TensorMeta[] }
  | { type: 'progress'; id: number; phase: PipelinePhase; done: number; total: number }
  | { type: 'result'; id: number; result: RunResult }
  | { type: 'error'; id: number; message: string; cancelled: boolean };
