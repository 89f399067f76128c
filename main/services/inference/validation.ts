/**
 * How good is a model on local cases? Runs it (in the inference process) on every case of
 * a cohort with reference segmentations and reports per case and overall: Dice and IoU
 * per structure, lesion-level sensitivity, precision, F1 and false positives per case
 * (under the stated overlap rule), and for models with several lesion classes the
 * confusion matrix, sensitivity, specificity, ROC curve, AUC and partial AUC of the
 * lesion classification; 95% bootstrap confidence intervals resample cases.
 */
import type { CohortSplit, ValidateModelInput, ValidationCaseResult, ValidationReport, Ci95 } from '../../../core/api/types';
import { decodeMaskRle } from '../../../core/api/maskRle';
import { labelRole, type ModelManifest } from '../../../core/models/manifest';
import {
  bootstrapCi,
  confusionMatrix,
  describeLesionMatchRule,
  kFolds,
  lesionDetection,
  overlapOfLabels,
  partialRocAuc,
  rocAuc,
  rocCurve,
  splitByPatient,
} from '../../../core/metrics';
import { connectedComponents3d } from '../../../core/segmentation';
import type { Db } from '../registry/db';
import { invalid, notFound } from '../../../core/api/errors';
import { casePatientId, loadCaseSeries, loadReference, readCohort } from './cohort';
import type { InferenceHost } from './inferenceHost';
import type { ModelStore } from './modelStore';

/** Positive class of the lesion classification: the first metastasis label, else the first lesion label. */
function classLabels(m: ModelManifest): { positive: number; negative: number; names: Map<number, string> } | null {
  const lesions = m.labels.filter((l) => labelRole(l) === 'lesion');
  if (lesions.length < 2) return null;
  const pos = lesions.find((l) => l.lesionType === 'metastasis') ?? lesions[0];
  const neg = lesions.find((l) => l.value !== pos.value)!;
  return { positive: pos.value, negative: neg.value, names: new Map(lesions.map((l) => [l.value, l.name])) };
}

/** A detected lesion for classification: the reference class and the model's probability of the positive class. */
interface ClassifiedLesion {
  truthLabel: number;
  predictedLabel: number;
  positiveProbability: number;
}

interface CaseWork {
  result: ValidationCaseResult;
  classified: ClassifiedLesion[];
}

/** Which cases of the cohort a split keeps. */
export function selectCases(cases: { patientId: string }[], split: CohortSplit | undefined): number[] {
  if (!split) return cases.map((_, i) => i);
  const ids = cases.map((c) => c.patientId);
  if (split.kind === 'fractions') {
    const parts = splitByPatient(ids, { train: split.train, validation: split.validation, test: split.test }, split.seed);
    return parts[split.part].cases;
  }
  const folds = kFolds(ids, split.k, split.seed);
  if (!(split.fold >= 0 && split.fold < split.k)) throw new Error(`fold must be 0 … ${split.k - 1}, got ${split.fold}`);
  return folds[split.fold].test.cases;
}

/**
 * The report's form of a bootstrap CI. Over fewer than two cases there is no interval: the
 * bounds are null, and every place that prints one says "n/a"
 * (`intervalDefined`), never a degenerate "0.797–0.797".
 */
function ci(b: { estimate: number; lower: number | null; upper: number | null }): Ci95 {
  return { value: b.estimate, low: b.lower ?? null, high: b.upper ?? null };
}

function mean(values: number[]): number {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : Number.NaN;
}

const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Set to 0 the voxels with a value in `values` that belong to the chosen components. */
function clearComponents(out: Uint8Array, cc: ReturnType<typeof connectedComponents3d>, ids: Set<number>, geometry: Parameters<typeof lesionDetection>[2], values: Uint8Array): void {
  if (ids.size === 0 || !cc.box) return;
  const [nx, ny] = geometry.dims;
  const b = cc.box;
  let p = 0;
  for (let k = b.min[2]; k <= b.max[2]; k++)
    for (let j = b.min[1]; j <= b.max[1]; j++)
      for (let i = b.min[0]; i <= b.max[0]; i++, p++) {
        const o = (k * ny + j) * nx + i;
        if (ids.has(cc.labels[p]) && values[out[o]]) out[o] = 0;
      }
}

/**
 * The prediction as the radiologist is shown it: lesion components smaller than the run's
 * minimum volume are dropped, as they are from the proposals, and an organ is its largest
 * 6-connected component (with the lesions it holds), as its proposal is.
 */
export function asProposed(labels: Uint8Array, geometry: Parameters<typeof lesionDetection>[2], manifest: ModelManifest, minLesionVolumeMl: number): Uint8Array {
  const lesionValues = manifest.labels.filter((l) => labelRole(l) === 'lesion').map((l) => l.value);
  const organValues = manifest.labels.filter((l) => labelRole(l) === 'organ').map((l) => l.value);
  const out = labels.slice();
  const isLesion = new Uint8Array(256);
  for (const v of lesionValues) isLesion[v] = 1;
  if (minLesionVolumeMl > 0 && lesionValues.length) {
    const mask = new Uint8Array(out.length);
    for (let i = 0; i < out.length; i++) mask[i] = isLesion[out[i]];
    const cc = connectedComponents3d(mask, geometry, { connectivity: 26 });
    clearComponents(out, cc, new Set(cc.components.filter((c) => c.volumeMl < minLesionVolumeMl).map((c) => c.id)), geometry, isLesion);
  }
  for (const v of organValues) {
    const organOnly = new Uint8Array(256);
    organOnly[v] = 1;
    const mask = new Uint8Array(out.length);
    for (let i = 0; i < out.length; i++) mask[i] = out[i] === v || isLesion[out[i]] ? 1 : 0;
    const cc = connectedComponents3d(mask, geometry, { connectivity: 6 });
    clearComponents(out, cc, new Set(cc.components.slice(1).map((c) => c.id)), geometry, organOnly);
  }
  return out;
}

/** Metrics of one case from its reference and the model's labels. */
export function caseMetrics(
  c: { id: string; patientId: string; referenceFile: string },
  reference: Uint8Array,
  prediction: Uint8Array,
  geometry: Parameters<typeof lesionDetection>[2],
  manifest: ModelManifest,
  drafts: { kind: string; labelValue: number; classProbabilities: { labelValue: number; probability: number }[]; mask: Parameters<typeof decodeMaskRle>[0] }[],
  opts: { minIou: number; minDiameterMm: number; provider: string; durationMs: number },
): CaseWork {
  const lesionValues = manifest.labels.filter((l) => labelRole(l) === 'lesion').map((l) => l.value);
  const organs = manifest.labels.filter((l) => labelRole(l) === 'organ');
  const structures: ValidationCaseResult['structures'] = [];
  const voxelMl = (geometry.spacingMm[0] * geometry.spacingMm[1] * geometry.spacingMm[2]) / 1000;
  const add = (name: string, labels: number[]): void => {
    const o = overlapOfLabels(reference, prediction, labels);
    structures.push({ name, labels, dice: o.dice, iou: o.iou, bothEmpty: o.bothEmpty, referenceMl: o.referenceVoxels * voxelMl, predictedMl: o.predictionVoxels * voxelMl });
  };
  for (const l of manifest.labels) if (labelRole(l) !== 'background') add(l.name, [l.value]);
  if (lesionValues.length > 1) add('lesions (all classes)', lesionValues);
  for (const organ of organs) if (lesionValues.length) add(`${organ.name} with its lesions`, [organ.value, ...lesionValues]);
  const det = lesionDetection(reference, prediction, geometry, {
    labels: lesionValues,
    minIou: opts.minIou,
    ...(opts.minDiameterMm > 0 ? { minReferenceLongestExtentMm: opts.minDiameterMm } : {}),
  });

  // Reference lesion components (the same ids as the detection's) and their majority label.
  const isLesion = new Uint8Array(256);
  for (const v of lesionValues) isLesion[v] = 1;
  const refMask = new Uint8Array(reference.length);
  for (let i = 0; i < reference.length; i++) refMask[i] = isLesion[reference[i]];
  const refCc = connectedComponents3d(refMask, geometry, { connectivity: 26 });
  const [nx, ny] = geometry.dims;
  const compAt = (index: number): number => {
    const b = refCc.box;
    if (!b) return 0;
    const x = index % nx;
    const y = Math.floor(index / nx) % ny;
    const z = Math.floor(index / (nx * ny));
    if (x < b.min[0] || x > b.max[0] || y < b.min[1] || y > b.max[1] || z < b.min[2] || z > b.max[2]) return 0;
    const bw = b.max[0] - b.min[0] + 1;
    const bh = b.max[1] - b.min[1] + 1;
    return refCc.labels[((z - b.min[2]) * bh + (y - b.min[1])) * bw + (x - b.min[0])];
  };
  const labelVotes = new Map<number, Map<number, number>>();
  for (let i = 0; i < reference.length; i++) {
    if (!refMask[i]) continue;
    const comp = compAt(i);
    const votes = labelVotes.get(comp) ?? new Map<number, number>();
    votes.set(reference[i], (votes.get(reference[i]) ?? 0) + 1);
    labelVotes.set(comp, votes);
  }
  const majority = (comp: number): number => [...(labelVotes.get(comp) ?? new Map()).entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;

  // Each lesion proposal of the model → the reference lesion it overlaps most.
  const draftFor = new Map<number, { labelValue: number; probs: Map<number, number> }>();
  const bestOverlap = new Map<number, number>();
  for (const d of drafts) {
    if (d.kind !== 'lesion') continue;
    const mask = decodeMaskRle(d.mask);
    const counts = new Map<number, number>();
    for (let i = 0; i < mask.length; i++) if (mask[i] && refMask[i]) counts.set(compAt(i), (counts.get(compAt(i)) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    if (!top || top[1] <= (bestOverlap.get(top[0]) ?? 0)) continue;
    bestOverlap.set(top[0], top[1]);
    draftFor.set(top[0], { labelValue: d.labelValue, probs: new Map(d.classProbabilities.map((p) => [p.labelValue, p.probability])) });
  }
  const cls = classLabels(manifest);
  const classified: ClassifiedLesion[] = [];
  const lesions: ValidationCaseResult['lesions'] = [];
  for (const r of det.reference) {
    const draft = draftFor.get(r.id);
    const truth = majority(r.id);
    if (cls && draft && (truth === cls.positive || truth === cls.negative)) {
      classified.push({ truthLabel: truth, predictedLabel: draft.labelValue, positiveProbability: draft.probs.get(cls.positive) ?? 0 });
    }
    if (!r.counted) continue;
    const match = det.matches.find((m) => m.referenceId === r.id);
    lesions.push({
      referenceLabel: truth,
      diameterMm: r.longestExtentMm,
      detected: r.matchedPredictionId !== null,
      dice: match ? match.dice : null,
      predictedLabel: draft?.labelValue ?? null,
      probability: draft ? (draft.probs.get(draft.labelValue) ?? null) : null,
    });
  }
  return {
    result: {
      caseId: c.id,
      patientId: c.patientId,
      referenceFile: c.referenceFile,
      structures,
      detection: {
        truePositives: det.truePositives,
        falseNegatives: det.falseNegatives,
        falsePositives: det.falsePositives,
        sensitivity: nullIfNaN(det.sensitivity),
        precision: nullIfNaN(det.precision),
        f1: nullIfNaN(det.f1),
      },
      lesions,
      provider: opts.provider,
      durationMs: opts.durationMs,
    },
    classified,
  };
}

/** Overall figures with bootstrap CIs over cases. */
export function overallMetrics(work: CaseWork[], manifest: ModelManifest, opts: { resamples: number; seed: number }): NonNullable<ValidationReport['overall']> {
  const boot = <T>(items: T[], stat: (s: readonly T[]) => number) => ci(bootstrapCi(items, stat, { resamples: opts.resamples, seed: opts.seed }));
  const names = work[0]?.result.structures.map((s) => s.name) ?? [];
  // Cases where both reference and prediction lack a structure say nothing about its overlap: left out of its mean.
  const structures = names.map((name) => {
    const rows = work.map((w) => w.result.structures.find((s) => s.name === name)!).filter((s) => !s.bothEmpty);
    return {
      name,
      cases: rows.length,
      meanDice: rows.length ? boot(rows, (s) => mean(s.map((r) => r.dice))) : { value: Number.NaN, low: Number.NaN, high: Number.NaN },
      meanIou: rows.length ? boot(rows, (s) => mean(s.map((r) => r.iou))) : { value: Number.NaN, low: Number.NaN, high: Number.NaN },
    };
  });
  const d = work.map((w) => w.result.detection);
  const sum = (rows: readonly typeof d[number][], k: 'truePositives' | 'falseNegatives' | 'falsePositives') => rows.reduce((s, r) => s + r[k], 0);
  const tp = sum(d, 'truePositives');
  const fn = sum(d, 'falseNegatives');
  const fp = sum(d, 'falsePositives');
  const detection = {
    // Pooled over cases (every lesion counts once), with case-resampling CIs.
    sensitivity: tp + fn > 0 ? boot(d, (s) => sum(s, 'truePositives') / (sum(s, 'truePositives') + sum(s, 'falseNegatives'))) : null,
    precision: tp + fp > 0 ? boot(d, (s) => sum(s, 'truePositives') / (sum(s, 'truePositives') + sum(s, 'falsePositives'))) : null,
    f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : null,
    falsePositivesPerCase: boot(d, (s) => mean(s.map((r) => r.falsePositives))),
    truePositives: tp,
    falseNegatives: fn,
    falsePositives: fp,
  };
  const cls = classLabels(manifest);
  let classification: NonNullable<ValidationReport['overall']>['classification'] = null;
  const all = work.flatMap((w) => w.classified);
  if (cls && all.length > 0) {
    const truth = all.map((l) => (l.truthLabel === cls.positive ? 1 : 0));
    const scores = all.map((l) => l.positiveProbability);
    const predictedPositive = all.map((l) => (l.predictedLabel === cls.positive ? 1 : 0));
    const cm = confusionMatrix(
      truth.map((t) => 1 - t),
      predictedPositive.map((p) => 1 - p),
      2,
    );
    const tpC = cm.counts[0][0];
    const fnC = cm.counts[0][1];
    const fpC = cm.counts[1][0];
    const tnC = cm.counts[1][1];
    const bothClasses = truth.includes(1) && truth.includes(0);
    const perCase = work.map((w) => w.classified);
    const pooledAuc = (s: readonly ClassifiedLesion[][]): number => {
      const flat = s.flat();
      return rocAuc(
        flat.map((l) => l.positiveProbability),
        flat.map((l) => (l.truthLabel === cls.positive ? 1 : 0)),
      );
    };
    classification = {
      positiveClass: cls.names.get(cls.positive)!,
      negativeClass: cls.names.get(cls.negative)!,
      confusion: { labels: [cls.names.get(cls.positive)!, cls.names.get(cls.negative)!], matrix: cm.counts },
      sensitivity: tpC + fnC ? tpC / (tpC + fnC) : null,
      specificity: tnC + fpC ? tnC / (tnC + fpC) : null,
      auc: bothClasses ? boot(perCase, pooledAuc) : null,
      partialAuc: bothClasses
        ? (() => {
            const p = partialRocAuc(scores, truth as (0 | 1)[], 0.2);
            return { maxFpr: p.maxFpr, raw: p.partialAuc, standardized: p.standardized };
          })()
        : null,
      roc: bothClasses ? rocCurve(scores, truth as (0 | 1)[]).map((p) => ({ fpr: p.fpr, tpr: p.tpr, threshold: p.threshold })) : [],
    };
  }
  return { structures, detection, classification };
}

export interface ValidationDeps {
  db: Db;
  host: InferenceHost;
  models: ModelStore;
  /** Serializes with the other model runs (one at a time in the inference process). */
  enqueue: <T>(job: () => Promise<T>) => Promise<T>;
  emit: (e: { validationId: number; status: ValidationReport['status']; done: number; total: number; caseId: string | null; error: string | null }) => void;
}

interface ValidationRow {
  id: number;
  report_json: string;
}

export class ValidationService {
  private readonly running = new Map<number, ValidationReport>();

  constructor(private readonly deps: ValidationDeps) {
    deps.db.prepare("UPDATE ai_validations SET status = 'failed', report_json = json_set(report_json, '$.status', 'failed', '$.error', 'the workstation closed during the validation') WHERE status = 'running'").run();
  }

  get(id: number): ValidationReport {
    const live = this.running.get(id);
    if (live) return live;
    const row = this.deps.db.prepare('SELECT id, report_json FROM ai_validations WHERE id = ?').get(id) as ValidationRow | undefined;
    if (!row) throw notFound(`validation ${id} does not exist`);
    return { ...JSON.parse(row.report_json), id: row.id };
  }

  list(): ValidationReport[] {
    return (this.deps.db.prepare('SELECT id FROM ai_validations ORDER BY id DESC').all() as { id: number }[]).map((r) => this.get(r.id));
  }

  /** Start a validation; returns the report in its running state. `wait` resolves when it is done. */
  async start(input: ValidateModelInput): Promise<{ report: ValidationReport; done: Promise<ValidationReport> }> {
    const { manifest, info, modelPath } = await this.deps.models.get(input.modelId, input.modelVersion);
    const { cases: all, labelMap } = readCohort(input.cohortDir);
    const parameters = {
      split: input.split,
      iouThreshold: input.iouThreshold ?? 0.1,
      minLesionDiameterMm: input.minLesionDiameterMm ?? 10,
      minLesionVolumeMl: input.minLesionVolumeMl ?? 0.05,
      bootstrapResamples: input.bootstrapResamples ?? 1000,
      seed: input.seed ?? 1,
    };
    // Patients come from cohort.json, else from the images' PatientID (a split needs them now).
    const withPatients = all.map((c) => ({ ...c, patientId: c.patientId ?? ((input.split ? casePatientId(c) : null) || c.id) }));
    const selected = selectCases(withPatients, input.split).map((i) => withPatients[i]);
    if (selected.length === 0) throw invalid('the split leaves no case to validate on');
    const report: ValidationReport = {
      id: 0,
      modelId: info.id,
      modelVersion: info.version,
      modelSha256: info.sha256,
      cohortDir: input.cohortDir,
      parameters,
      status: 'running',
      error: null,
      progress: { done: 0, total: selected.length },
      createdAt: new Date().toISOString(),
      finishedAt: null,
      matchRule: describeLesionMatchRule({ minIou: parameters.iouThreshold, ...(parameters.minLesionDiameterMm > 0 ? { minReferenceLongestExtentMm: parameters.minLesionDiameterMm } : {}) }),
      cases: [],
      overall: null,
    };
    const id = Number(
      this.deps.db
        .prepare("INSERT INTO ai_validations (model_id, model_version, model_sha256, cohort_dir, status, report_json, created_at) VALUES (?, ?, ?, ?, 'running', ?, ?)")
        .run(info.id, info.version, info.sha256, input.cohortDir, JSON.stringify(report), report.createdAt).lastInsertRowid,
    );
    report.id = id;
    this.running.set(id, report);
    const save = (): void => {
      this.deps.db.prepare('UPDATE ai_validations SET status = ?, report_json = ? WHERE id = ?').run(report.status, JSON.stringify(report), id);
    };
    const done = this.deps.enqueue(async () => {
      const work: CaseWork[] = [];
      try {
        for (const c of selected) {
          this.deps.emit({ validationId: id, status: 'running', done: work.length, total: selected.length, caseId: c.id, error: null });
          const series = await loadCaseSeries(c);
          const ref = await loadReference(c, series, manifest, labelMap);
          const t = performance.now();
          const r = await this.deps.host.run({ modelPath, manifest, volume: series.voxels, geometry: series.geometry, options: { returnLabels: true, minLesionVolumeMl: parameters.minLesionVolumeMl } }).promise;
          const predicted = asProposed(r.labels!, series.geometry, manifest, parameters.minLesionVolumeMl);
          const w = caseMetrics(c, ref.labels, predicted, series.geometry, manifest, r.drafts, {
            minIou: parameters.iouThreshold,
            minDiameterMm: parameters.minLesionDiameterMm,
            provider: r.provider,
            durationMs: performance.now() - t,
          });
          work.push(w);
          report.cases.push(w.result);
          report.progress = { done: work.length, total: selected.length };
          save();
        }
        report.overall = overallMetrics(work, manifest, { resamples: parameters.bootstrapResamples, seed: parameters.seed });
        report.status = 'done';
      } catch (e) {
        report.status = 'failed';
        report.error = (e as Error).message;
      }
      report.finishedAt = new Date().toISOString();
      save();
      this.running.delete(id);
      this.deps.emit({ validationId: id, status: report.status, done: report.progress.done, total: report.progress.total, caseId: null, error: report.error });
      return report;
    });
    return { report: structuredClone(report), done };
  }
}
