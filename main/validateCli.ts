/**
 * `longitude validate --model <id> --cohort <dir>`: run a model on a cohort with reference
 * segmentations and print per-case and overall metrics (see main/services/inference/validation.ts).
 * `longitude models`: the models found and whether each passed its checks.
 */
import type { CohortSplit, Ci95, ValidationReport } from '../core/api/types';
import { intervalDefined } from '../core/metrics/bootstrap';
import type { App } from './services/app';

export const VALIDATE_USAGE = `usage: longitude validate --model <id> --cohort <dir> [options]
  --model <id>             model id (see "longitude models"); --model-version <v> picks a version
  --cohort <dir>           cohort folder: cohort.json or one folder per case with its reference
  --split <a/b/c:part>     keep one part of a patient-level split, e.g. 80/10/10:test
  --folds <k> --fold <i>   keep the held-out patients of fold i (0-based) of k
  --seed <n>               seed of the split and the bootstrap (default 1)
  --iou <t>                lesion match rule: IoU at least t (default 0.1)
  --min-diameter <mm>      count reference lesions at least this long (default 10; 0 = all)
  --resamples <n>          bootstrap resamples for the 95% CIs (default 1000)
  --models <dir>           the app's models folder (default resources/models)
  --json                   print the whole report as JSON`;

export function parseSplit(flags: Record<string, string | boolean>): CohortSplit | undefined {
  const seed = typeof flags.seed === 'string' ? Number(flags.seed) : 1;
  if (typeof flags.split === 'string') {
    const m = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?):(train|validation|test)$/.exec(flags.split);
    if (!m) throw new Error(`--split must look like 80/10/10:test, got "${flags.split}"`);
    const [a, b, c] = [m[1], m[2], m[3]].map(Number);
    const sum = a + b + c;
    return { kind: 'fractions', train: a / sum, validation: b / sum, test: c / sum, part: m[4] as 'train' | 'validation' | 'test', seed };
  }
  if (typeof flags.folds === 'string') {
    const k = Number(flags.folds);
    const fold = Number(flags.fold ?? NaN);
    if (!Number.isInteger(k) || !Number.isInteger(fold)) throw new Error('--folds <k> needs --fold <i> (integers)');
    return { kind: 'kfold', k, fold, seed };
  }
  return undefined;
}

const f3 = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3));
/** "0.870 (95% CI 0.810–0.920)"; over fewer than two cases there is no interval: "0.870 (95% CI n/a)". */
export const ci = (c: Ci95 | null): string => (c ? `${f3(c.value)} (95% CI ${intervalDefined(c.low, c.high) ? `${f3(c.low)}–${f3(c.high)}` : 'n/a'})` : '—');

/** The report as text for a terminal. */
export function formatValidationReport(r: ValidationReport): string {
  const lines = [
    `model ${r.modelId} ${r.modelVersion} (sha256 ${r.modelSha256.slice(0, 12)}…) on ${r.cohortDir}: ${r.cases.length} case(s), ${r.status}${r.error ? ` — ${r.error}` : ''}`,
    `lesion match rule: ${r.matchRule}`,
    '',
    'per case:',
  ];
  for (const c of r.cases) {
    const s = c.structures.map((x) => `${x.name} Dice ${f3(x.dice)} IoU ${f3(x.iou)}${x.bothEmpty ? ' (both empty)' : ''}`).join('; ');
    const d = c.detection;
    lines.push(`  ${c.caseId} [${c.patientId}] ${s}`);
    lines.push(`    lesions TP ${d.truePositives} FN ${d.falseNegatives} FP ${d.falsePositives}, sensitivity ${f3(d.sensitivity)}, precision ${f3(d.precision)}, F1 ${f3(d.f1)}; ${c.provider}, ${Math.round(c.durationMs)} ms`);
  }
  const o = r.overall;
  if (o) {
    lines.push('', 'overall (mean over cases; cases where both are empty left out):');
    for (const s of o.structures) lines.push(`  ${s.name}: Dice ${ci(s.meanDice)}, IoU ${ci(s.meanIou)} [${s.cases} case(s)]`);
    const d = o.detection;
    lines.push(
      `  lesions: sensitivity ${ci(d.sensitivity)}, precision ${ci(d.precision)}, F1 ${f3(d.f1)}, false positives per case ${ci(d.falsePositivesPerCase)} (TP ${d.truePositives}, FN ${d.falseNegatives}, FP ${d.falsePositives})`,
    );
    const c = o.classification;
    if (c) {
      lines.push(`  classification (${c.positiveClass} vs ${c.negativeClass}, detected lesions): sensitivity ${f3(c.sensitivity)}, specificity ${f3(c.specificity)}, AUC ${ci(c.auc)}${c.partialAuc ? `, partial AUC (FPR ≤ ${c.partialAuc.maxFpr}) ${f3(c.partialAuc.raw)} (McClish ${f3(c.partialAuc.standardized)})` : ''}`);
      lines.push(`    confusion (rows truth, columns predicted; ${c.confusion.labels.join(', ')}): ${c.confusion.matrix.map((row) => row.join(' ')).join(' / ')}`);
    }
  }
  return lines.join('\n');
}

export async function runValidateCommand(service: App, flags: Record<string, string | boolean>, json: boolean): Promise<number> {
  if (typeof flags.model !== 'string' || typeof flags.cohort !== 'string') {
    console.error(VALIDATE_USAGE);
    return 2;
  }
  let split: CohortSplit | undefined;
  try {
    split = parseSplit(flags);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const num = (k: string): number | undefined => (typeof flags[k] === 'string' ? Number(flags[k]) : undefined);
  const { done } = await service.validation.start({
    modelId: flags.model,
    modelVersion: typeof flags['model-version'] === 'string' ? flags['model-version'] : undefined,
    cohortDir: flags.cohort,
    split,
    iouThreshold: num('iou'),
    minLesionDiameterMm: num('min-diameter'),
    bootstrapResamples: num('resamples'),
    seed: num('seed'),
  });
  service.events.on('event', (name: string, e: { done: number; total: number; caseId: string | null }) => {
    if (name === 'onValidationProgress' && e.caseId && !json) console.error(`  case ${e.done + 1}/${e.total}: ${e.caseId}`);
  });
  const report = await done;
  console.log(json ? JSON.stringify(report, null, 2) : formatValidationReport(report));
  return report.status === 'done' ? 0 : 1;
}

export async function runModelsCommand(service: App, json: boolean): Promise<number> {
  const models = await service.listModels();
  if (json) console.log(JSON.stringify(models, null, 2));
  else
    console.log(
      models
        .map((m) => `${m.valid ? 'ok ' : 'BAD'} ${m.id} ${m.version} (${m.source}, ${(m.sizeBytes / 1e6).toFixed(1)} MB) ${m.folder}${m.errors.map((e) => `\n      ${e}`).join('')}`)
        .join('\n') || '(no models)',
    );
  return models.every((m) => m.valid) ? 0 : 1;
}
