/**
 * Words and numbers of the AI panel and the model page: pure functions of the API's plain
 * data, unit-tested beside this file, so what the reader sees is what the tests check.
 */
import type { AiProposal, AiRun, AiRunStatus, Ci95, CohortSplit, ModelInfo } from '../../../../core/api/types';
import { intervalDefined } from '../../../../core/metrics/bootstrap';

export const ACTIVE_STATUSES: readonly AiRunStatus[] = ['queued', 'running'];
export const isRunActive = (status: AiRunStatus): boolean => ACTIVE_STATUSES.includes(status);

/** What the inference process is doing, in the reader's words. */
export const PHASE_LABEL: Record<string, string> = {
  queued: 'Waiting for the model',
  loading: 'Loading the series and the model',
  preprocess: 'Preparing the volume (crop, resample, normalise)',
  inference: 'Running the model',
  postprocess: 'Finding lesions and measuring them',
  done: 'Finished',
};

/**
 * Share of the whole run a phase starts at and covers: the sliding windows of the model
 * take nearly all the time, so they get most of the bar; the other phases report 0/1 → 1/1.
 */
const PHASE_SPAN: Record<string, [number, number]> = {
  loading: [0, 0.04],
  preprocess: [0.04, 0.04],
  inference: [0.08, 0.87],
  postprocess: [0.95, 0.05],
  done: [1, 0],
};

export interface RunProgress {
  status: AiRunStatus;
  phase: string;
  done: number;
  total: number;
}

/** The run's progress as a fraction 0–1 for one bar (phases in order, windows within inference). */
export function runFraction(p: RunProgress): number {
  if (p.status === 'done') return 1;
  if (p.status === 'queued') return 0;
  const span = PHASE_SPAN[p.phase];
  if (!span) return 0;
  const within = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
  return Math.min(1, span[0] + span[1] * within);
}

/** "Running the model · windows 12 / 48" — the windows only where the phase counts them. */
export function progressText(p: RunProgress): string {
  if (p.status === 'queued') return PHASE_LABEL.queued;
  if (p.status === 'cancelled') return 'Cancelled';
  if (p.status === 'failed') return 'Failed';
  const label = PHASE_LABEL[p.phase] ?? p.phase;
  return p.phase === 'inference' && p.total > 0 ? `${label} · windows ${p.done} / ${p.total}` : label;
}

/** The first 12 hex digits of a SHA-256: enough to tell builds apart on screen. */
export function shortHash(sha256: string, digits = 12): string {
  return sha256.slice(0, digits);
}

/** "850 ms", "12.3 s", "2 min 05 s". */
export function durationText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** One line of provenance: which model (version, hash) ran where and for how long. */
export function provenanceText(run: AiRun): string {
  const parts = [`${run.modelId} ${run.modelVersion}`, `sha256 ${shortHash(run.modelSha256)}`];
  if (run.provider) parts.push(`on ${run.provider.toUpperCase()}`);
  if (run.durationMs !== null) parts.push(`${durationText(run.durationMs)} in all`);
  if (run.sessionRunMs !== null) parts.push(`${durationText(run.sessionRunMs)} in session.run`);
  if (run.windows !== null) parts.push(`${run.windows} windows`);
  return parts.join(' · ');
}

/** A model in the picker: "longitude-liver-lesions 1.0.0" with where it comes from. */
export function modelLabel(m: Pick<ModelInfo, 'id' | 'version' | 'source'>): string {
  return `${m.id} ${m.version}${m.source === 'user' ? ' (added)' : ''}`;
}

/** The key a model is chosen by: id and version (two versions can be installed side by side). */
export const modelKey = (m: Pick<ModelInfo, 'id' | 'version'>): string => `${m.id}@${m.version}`;

/** Why a model cannot be run, in one tooltip. */
export function modelErrorsText(m: Pick<ModelInfo, 'id' | 'folder' | 'errors'>): string {
  return m.errors.length ? `${m.id} (${m.folder}) cannot be used:\n• ${m.errors.join('\n• ')}` : '';
}

/** Valid models first (newest version of each id first), then the invalid ones. */
export function sortModels(models: ModelInfo[]): ModelInfo[] {
  return [...models].sort(
    (a, b) => Number(b.valid) - Number(a.valid) || a.id.localeCompare(b.id) || b.version.localeCompare(a.version, undefined, { numeric: true }),
  );
}

/** Probability with two decimals ("0.93"). */
export const probabilityText = (p: number): string => (Number.isFinite(p) ? p.toFixed(2) : '—');

/** The class the model gave the proposal and its probability, e.g. { name: 'metastasis', probability: 0.93 }. */
export function proposalClass(p: Pick<AiProposal, 'labelValue' | 'labelName' | 'lesionType' | 'classProbabilities' | 'meanProbability'>): { name: string; probability: number } {
  const own = p.classProbabilities.find((c) => c.labelValue === p.labelValue);
  return { name: p.lesionType ?? p.labelName, probability: own?.probability ?? p.meanProbability };
}

/** "metastasis 0.93" */
export function proposalTitle(p: Parameters<typeof proposalClass>[0]): string {
  const c = proposalClass(p);
  return `${c.name} ${probabilityText(c.probability)}`;
}

/** The other classes the model weighed, most likely first: "cyst 0.05 · hemangioma 0.02". */
export function otherClassesText(p: Parameters<typeof proposalClass>[0]): string {
  return [...p.classProbabilities]
    .filter((c) => c.labelValue !== p.labelValue)
    .sort((a, b) => b.probability - a.probability)
    .map((c) => `${c.name} ${probabilityText(c.probability)}`)
    .join(' · ');
}

/** Volumes: two decimals below 10 mL (small lesions), one above, none above 1 L (a liver). */
export function volumeText(ml: number): string {
  if (!Number.isFinite(ml)) return '—';
  if (ml >= 1000) return `${Math.round(ml)} mL`;
  return `${ml.toFixed(ml < 10 ? 2 : 1)} mL`;
}

/** "23.4 × 15.2 mm" (long × short axis), or null without a measurement. */
export function axesText(longAxisMm: number | null, shortAxisMm: number | null): string | null {
  if (longAxisMm === null) return null;
  return shortAxisMm === null ? `${longAxisMm.toFixed(1)} mm` : `${longAxisMm.toFixed(1)} × ${shortAxisMm.toFixed(1)} mm`;
}

/** Proposals in reading order: the organ first, then lesions by decreasing volume. */
export function sortProposals(list: AiProposal[]): AiProposal[] {
  return [...list].sort((a, b) => Number(b.kind === 'organ') - Number(a.kind === 'organ') || b.volumeMl - a.volumeMl || a.id - b.id);
}

export function proposalCounts(list: AiProposal[]): { proposed: number; accepted: number; rejected: number } {
  const out = { proposed: 0, accepted: 0, rejected: 0 };
  for (const p of list) out[p.status]++;
  return out;
}

/** "12 Mar 2025 14:05" from an ISO timestamp, in the workstation's time zone. */
export function dateTimeText(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// ---- validation reports ----

/** A fraction as a number with `digits` decimals; null → "—". */
export function fixed(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/**
 * "0.87 (95% CI 0.81–0.92)"; `short` drops the words: "0.87 (0.81–0.92)". Over fewer than two
 * cases there is no interval: "0.87 (95% CI n/a)", "0.87 (n/a)".
 */
export function ci95Text(ci: Ci95 | null | undefined, digits = 2, short = false): string {
  if (!ci) return '—';
  const range = intervalDefined(ci.low, ci.high) ? `${fixed(ci.low, digits)}–${fixed(ci.high, digits)}` : 'n/a';
  return `${fixed(ci.value, digits)} (${short ? '' : '95% CI '}${range})`;
}

/** A split in words: "test part of 70/15/15 by patient, seed 42" or "fold 2 of 5, seed 42". Folds are 0-based in the API. */
export function splitText(split: CohortSplit | undefined): string {
  if (!split) return 'whole cohort';
  if (split.kind === 'kfold') return `fold ${split.fold + 1} of ${split.k} (test part), seed ${split.seed}`;
  const pct = (f: number) => String(Math.round(f * 100));
  return `${split.part} part of ${pct(split.train)}/${pct(split.validation)}/${pct(split.test)} by patient, seed ${split.seed}`;
}

/** Mean of finite numbers, null when there is none. */
export function mean(values: number[]): number | null {
  const v = values.filter(Number.isFinite);
  return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
}
