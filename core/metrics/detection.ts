/**
 * Lesion-level detection: does the model find each lesion, and how many of its
 * findings are not lesions? Reference and prediction are split into connected
 * components (core/segmentation), components are paired by the rule in
 * `describeLesionMatchRule`, and the pairs are counted per case.
 */
import type { Vec3, VolumeGeometry } from '../api/types';
import { connectedComponents3d, type ComponentsResult, type Connectivity } from '../segmentation';
import { MetricError } from './errors';
import { componentLongestExtentsMm } from './extent';
import type { LabelVolume } from './overlap';

export interface LesionDetectionOptions {
  /** 26 (faces, edges, corners; default) or 6 (faces only). */
  connectivity?: Connectivity;
  /** Smallest voxel IoU that makes a match; default 0.1. */
  minIou?: number;
  /** Labels that are lesion, merged into one mask; default: every non-zero label. */
  labels?: readonly number[];
  /** Count only reference lesions whose longest extent (voxel centre to voxel centre) is at least this. */
  minReferenceLongestExtentMm?: number;
  /** Count only reference lesions with at least this volume. */
  minReferenceVolumeMl?: number;
}

export const DEFAULT_MIN_IOU = 0.1;

/**
 * The matching rule in words, for reports and method sections. One place: the code
 * below follows it, and a report quoting it quotes what was computed.
 */
export function describeLesionMatchRule(options: LesionDetectionOptions = {}): string {
  const { connectivity = 26, minIou = DEFAULT_MIN_IOU, labels, minReferenceLongestExtentMm, minReferenceVolumeMl } = options;
  const of = labels ? ` of the voxels labelled ${labels.join(' or ')}` : '';
  const parts = [
    `Lesions are the ${connectivity}-connected components${of} of the reference and of the prediction.`,
    `A predicted component and a reference lesion match when their voxel IoU (|A∩B| / |A∪B|) is at least ${minIou}; ` +
      'matches are one-to-one, made greedily from the largest IoU down.',
    'A matched reference lesion is a true positive, an unmatched one a false negative, and an unmatched predicted component a false positive.',
  ];
  const size: string[] = [];
  if (minReferenceLongestExtentMm !== undefined) size.push(`a longest extent of at least ${minReferenceLongestExtentMm} mm (voxel centre to voxel centre)`);
  if (minReferenceVolumeMl !== undefined) size.push(`a volume of at least ${minReferenceVolumeMl} mL`);
  if (size.length > 0) {
    parts.push(
      `Only reference lesions with ${size.join(' and ')} are counted; they are matched first. ` +
        'A remaining predicted component that matches, by the same rule, a reference lesion too small to count is neither a true nor a false positive.',
    );
  }
  return parts.join(' ');
}

/** The rule with the default options (26-connectivity, IoU ≥ 0.1, every lesion counted). */
export const LESION_MATCH_RULE = describeLesionMatchRule();

export interface ReferenceLesion {
  /** Component id (1 … n, largest first). */
  id: number;
  voxelCount: number;
  volumeMl: number;
  longestExtentMm: number;
  centroidLps: Vec3;
  /** Large enough to count (always true without a minimum size). */
  counted: boolean;
  /** Id of the predicted component matched to it, or null. */
  matchedPredictionId: number | null;
}

export interface PredictedLesion {
  id: number;
  voxelCount: number;
  volumeMl: number;
  centroidLps: Vec3;
  /** tp: matched to a counted lesion; fp: matched to none; ignored: matched to a lesion too small to count. */
  status: 'tp' | 'fp' | 'ignored';
  matchedReferenceId: number | null;
}

export interface LesionMatch {
  referenceId: number;
  predictionId: number;
  intersectionVoxels: number;
  iou: number;
  /** Voxel Dice of the pair: 2|A∩B| / (|A| + |B|). */
  dice: number;
  /** False when the reference lesion is too small to count. */
  counted: boolean;
}

export interface LesionDetectionResult {
  truePositives: number;
  falseNegatives: number;
  /** Predicted components that match no reference lesion (false positives in this case). */
  falsePositives: number;
  /** TP / (TP + FN); NaN without a counted reference lesion. */
  sensitivity: number;
  /** TP / (TP + FP); NaN without a (non-ignored) predicted component. */
  precision: number;
  /** 2TP / (2TP + FP + FN); NaN when all three are 0. */
  f1: number;
  /** Why a ratio above is NaN. */
  notes: string[];
  matches: LesionMatch[];
  reference: ReferenceLesion[];
  prediction: PredictedLesion[];
  rule: string;
}

function binarize(volume: LabelVolume, labels: readonly number[] | undefined): Uint8Array {
  const out = new Uint8Array(volume.length);
  if (!labels) {
    for (let p = 0; p < volume.length; p++) if (volume[p] !== 0) out[p] = 1;
    return out;
  }
  const set = new Set(labels);
  for (let p = 0; p < volume.length; p++) if (set.has(volume[p])) out[p] = 1;
  return out;
}

/** Voxels shared by each (reference, prediction) component pair, keyed r·(nPred+1) + q. */
function pairIntersections(ref: ComponentsResult, pred: ComponentsResult, nPred: number): Map<number, number> {
  const pairs = new Map<number, number>();
  if (!ref.box || !pred.box) return pairs;
  const [ri0, rj0, rk0] = ref.box.min;
  const rw = ref.box.max[0] - ri0 + 1;
  const rh = ref.box.max[1] - rj0 + 1;
  const rd = ref.box.max[2] - rk0 + 1;
  const [pi0, pj0, pk0] = pred.box.min;
  const [pi1, pj1, pk1] = pred.box.max;
  const pw = pi1 - pi0 + 1;
  const ph = pj1 - pj0 + 1;
  for (let z = 0; z < rd; z++) {
    const k = z + rk0;
    if (k < pk0 || k > pk1) continue;
    for (let y = 0; y < rh; y++) {
      const j = y + rj0;
      if (j < pj0 || j > pj1) continue;
      const refRow = (z * rh + y) * rw;
      const predRow = ((k - pk0) * ph + (j - pj0)) * pw;
      for (let x = 0; x < rw; x++) {
        const r = ref.labels[refRow + x];
        if (r === 0) continue;
        const i = x + ri0;
        if (i < pi0 || i > pi1) continue;
        const q = pred.labels[predRow + i - pi0];
        if (q === 0) continue;
        const key = r * (nPred + 1) + q;
        pairs.set(key, (pairs.get(key) ?? 0) + 1);
      }
    }
  }
  return pairs;
}

interface Candidate {
  r: number;
  q: number;
  intersection: number;
  iou: number;
  dice: number;
}

/** Greedy one-to-one matching from the largest IoU down (ties: lower reference id, then lower prediction id). */
function greedyMatch(candidates: Candidate[], refFree: (r: number) => boolean, predFree: (q: number) => boolean): Candidate[] {
  const sorted = [...candidates].sort((a, b) => b.iou - a.iou || a.r - b.r || a.q - b.q);
  const usedR = new Set<number>();
  const usedQ = new Set<number>();
  const out: Candidate[] = [];
  for (const c of sorted) {
    if (usedR.has(c.r) || usedQ.has(c.q) || !refFree(c.r) || !predFree(c.q)) continue;
    usedR.add(c.r);
    usedQ.add(c.q);
    out.push(c);
  }
  return out;
}

/**
 * Lesion-level detection on one case. `reference` and `prediction` are label maps (or
 * binary masks) on `geometry`'s grid; the spacing and direction give lesion sizes in mm.
 */
export function lesionDetection(
  reference: LabelVolume,
  prediction: LabelVolume,
  geometry: VolumeGeometry,
  options: LesionDetectionOptions = {},
): LesionDetectionResult {
  const { connectivity = 26, minIou = DEFAULT_MIN_IOU, labels, minReferenceLongestExtentMm, minReferenceVolumeMl } = options;
  if (!(minIou > 0 && minIou <= 1)) throw new MetricError(`the match IoU threshold must be in (0, 1], got ${minIou}`);
  if (reference.length !== prediction.length) {
    throw new MetricError(`the reference has ${reference.length} voxels and the prediction ${prediction.length}: detection needs both on the same grid`);
  }
  const ref = connectedComponents3d(binarize(reference, labels), geometry, { connectivity });
  const pred = connectedComponents3d(binarize(prediction, labels), geometry, { connectivity });
  const nPred = pred.components.length;
  const extents = componentLongestExtentsMm(ref, geometry);

  const counted = ref.components.map(
    (c, idx) =>
      // The tolerance keeps a lesion of exactly the minimum size from failing on rounding.
      (minReferenceLongestExtentMm === undefined || extents[idx] >= minReferenceLongestExtentMm - 1e-6) &&
      (minReferenceVolumeMl === undefined || c.volumeMl >= minReferenceVolumeMl - 1e-9),
  );

  const candidates: Candidate[] = [];
  for (const [key, intersection] of pairIntersections(ref, pred, nPred)) {
    const r = Math.floor(key / (nPred + 1));
    const q = key - r * (nPred + 1);
    const a = ref.components[r - 1].voxelCount;
    const b = pred.components[q - 1].voxelCount;
    const iou = intersection / (a + b - intersection);
    if (iou >= minIou) candidates.push({ r, q, intersection, iou, dice: (2 * intersection) / (a + b) });
  }

  // Counted lesions first, then the leftovers against lesions too small to count.
  const first = greedyMatch(candidates, (r) => counted[r - 1], () => true);
  const takenQ = new Set(first.map((c) => c.q));
  const second = greedyMatch(candidates, (r) => !counted[r - 1], (q) => !takenQ.has(q));

  const refMatch = new Map<number, number>();
  const predMatch = new Map<number, number>();
  for (const c of [...first, ...second]) {
    refMatch.set(c.r, c.q);
    predMatch.set(c.q, c.r);
  }

  const tp = first.length;
  const fn = counted.filter(Boolean).length - tp;
  const fp = nPred - first.length - second.length;
  const notes: string[] = [];
  const ratio = (num: number, den: number, why: string): number => {
    if (den > 0) return num / den;
    notes.push(why);
    return Number.NaN;
  };
  const sensitivity = ratio(tp, tp + fn, 'sensitivity is undefined: the reference has no lesion that counts');
  const precision = ratio(tp, tp + fp, 'precision is undefined: the prediction has no lesion (that is not ignored)');
  const f1 = ratio(2 * tp, 2 * tp + fp + fn, 'F1 is undefined: no lesion in the reference and none predicted');

  const matches: LesionMatch[] = [...first, ...second]
    .map((c) => ({ referenceId: c.r, predictionId: c.q, intersectionVoxels: c.intersection, iou: c.iou, dice: c.dice, counted: counted[c.r - 1] }))
    .sort((a, b) => a.referenceId - b.referenceId);

  return {
    truePositives: tp,
    falseNegatives: fn,
    falsePositives: fp,
    sensitivity,
    precision,
    f1,
    notes,
    matches,
    reference: ref.components.map((c, idx) => ({
      id: c.id,
      voxelCount: c.voxelCount,
      volumeMl: c.volumeMl,
      longestExtentMm: extents[idx],
      centroidLps: c.centroidLps,
      counted: counted[idx],
      matchedPredictionId: refMatch.get(c.id) ?? null,
    })),
    prediction: pred.components.map((c) => {
      const r = predMatch.get(c.id) ?? null;
      return {
        id: c.id,
        voxelCount: c.voxelCount,
        volumeMl: c.volumeMl,
        centroidLps: c.centroidLps,
        status: r === null ? 'fp' : counted[r - 1] ? 'tp' : 'ignored',
        matchedReferenceId: r,
      };
    }),
    rule: describeLesionMatchRule({ connectivity, minIou, labels, minReferenceLongestExtentMm, minReferenceVolumeMl }),
  };
}

export interface PooledDetection {
  cases: number;
  truePositives: number;
  falseNegatives: number;
  falsePositives: number;
  /** ΣTP / Σ(TP + FN) over cases (lesion-level, pooled); NaN without a counted lesion. */
  sensitivity: number;
  /** ΣTP / Σ(TP + FP); NaN without a prediction. */
  precision: number;
  f1: number;
  /** Mean false positives per case. */
  falsePositivesPerCase: number;
}

/** Lesion counts summed over cases: the pooled (lesion-level) sensitivity, precision and F1. */
export function poolDetections(results: readonly Pick<LesionDetectionResult, 'truePositives' | 'falseNegatives' | 'falsePositives'>[]): PooledDetection {
  let tp = 0;
  let fn = 0;
  let fp = 0;
  for (const r of results) {
    tp += r.truePositives;
    fn += r.falseNegatives;
    fp += r.falsePositives;
  }
  const div = (a: number, b: number): number => (b > 0 ? a / b : Number.NaN);
  return {
    cases: results.length,
    truePositives: tp,
    falseNegatives: fn,
    falsePositives: fp,
    sensitivity: div(tp, tp + fn),
    precision: div(tp, tp + fp),
    f1: div(2 * tp, 2 * tp + fp + fn),
    falsePositivesPerCase: div(fp, results.length),
  };
}
