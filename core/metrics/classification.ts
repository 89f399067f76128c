/**
 * Case-level classification metrics: confusion matrix, the four binary rates at a
 * threshold, the ROC curve, its area (full and partial).
 *
 * Binary truth is 1/true for a positive case (disease present) and 0/false otherwise.
 * A case is called positive when its score is ≥ the threshold.
 */
import { MetricError } from './errors';

export type BinaryLabel = 0 | 1 | boolean;

function toBinary(truth: readonly BinaryLabel[] | ArrayLike<number>, what = 'truth'): Uint8Array {
  const out = new Uint8Array(truth.length);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] as unknown;
    if (t === 1 || t === true) out[i] = 1;
    else if (t !== 0 && t !== false) throw new MetricError(`${what}[${i}] is ${String(t)}: binary truth must be 0/1 or false/true`);
  }
  return out;
}

function checkScores(scores: ArrayLike<number>, n: number): void {
  if (scores.length !== n) throw new MetricError(`${scores.length} scores for ${n} truth labels: one score per case is needed`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new MetricError(`score ${i} is ${scores[i]}: every score must be a finite number`);
  }
}

/** Throws with the reason when the cases are all of one class (no ROC, no AUC). */
function requireBothClasses(pos: number, neg: number, what: string): void {
  if (pos === 0 || neg === 0) {
    const n = pos + neg;
    throw new MetricError(
      n === 0
        ? `${what} is undefined: there are no cases`
        : `${what} is undefined: all ${n} cases are ${pos === 0 ? 'negative' : 'positive'}; it needs at least one positive and one negative case`,
    );
  }
}

export interface ConfusionMatrix {
  k: number;
  /** counts[truth][predicted] */
  counts: number[][];
  total: number;
  /** Fraction on the diagonal. */
  accuracy: number;
  /** Per class c: recall = counts[c][c] / row c sum, precision = counts[c][c] / column c sum (NaN when 0/0). */
  perClass: { recall: number; precision: number; support: number }[];
}

/** Confusion matrix of k classes labelled 0 … k−1; rows are the truth, columns the prediction. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, k: number): ConfusionMatrix {
  if (!Number.isInteger(k) || k < 2) throw new MetricError(`a confusion matrix needs k ≥ 2 classes, got ${k}`);
  if (truth.length !== predicted.length) throw new MetricError(`${truth.length} truth labels and ${predicted.length} predictions: one of each per case is needed`);
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = predicted[i];
    for (const [v, what] of [[t, 'truth'], [p, 'prediction']] as const) {
      if (!Number.isInteger(v) || v < 0 || v >= k) throw new MetricError(`${what} of case ${i} is ${v}: classes are 0 … ${k - 1}`);
    }
    counts[t][p]++;
  }
  const total = truth.length;
  let diag = 0;
  for (let c = 0; c < k; c++) diag += counts[c][c];
  const perClass = counts.map((row, c) => {
    const support = row.reduce((s, v) => s + v, 0);
    const predictedAs = counts.reduce((s, r) => s + r[c], 0);
    return {
      recall: support > 0 ? row[c] / support : Number.NaN,
      precision: predictedAs > 0 ? row[c] / predictedAs : Number.NaN,
      support,
    };
  });
  return { k, counts, total, accuracy: total > 0 ? diag / total : Number.NaN, perClass };
}

export interface BinaryMetrics {
  threshold: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  /** TP / (TP + FN) */
  sensitivity: number;
  /** TN / (TN + FP) */
  specificity: number;
  /** Positive predictive value, TP / (TP + FP) */
  ppv: number;
  /** Negative predictive value, TN / (TN + FN) */
  npv: number;
  /** Why a rate above is NaN (its denominator is 0). */
  notes: string[];
}

/** Sensitivity, specificity, PPV and NPV when a score ≥ `threshold` is called positive. */
export function binaryMetricsAtThreshold(scores: ArrayLike<number>, truth: readonly BinaryLabel[] | ArrayLike<number>, threshold: number): BinaryMetrics {
  const y = toBinary(truth);
  checkScores(scores, y.length);
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < y.length; i++) {
    const called = scores[i] >= threshold;
    if (y[i] && called) tp++;
    else if (y[i]) fn++;
    else if (called) fp++;
    else tn++;
  }
  const notes: string[] = [];
  const rate = (num: number, den: number, name: string, why: string): number => {
    if (den > 0) return num / den;
    notes.push(`${name} is undefined: ${why}`);
    return Number.NaN;
  };
  return {
    threshold,
    truePositives: tp,
    falsePositives: fp,
    trueNegatives: tn,
    falseNegatives: fn,
    sensitivity: rate(tp, tp + fn, 'sensitivity', 'no positive case'),
    specificity: rate(tn, tn + fp, 'specificity', 'no negative case'),
    ppv: rate(tp, tp + fp, 'PPV', `no case scored ≥ ${threshold}`),
    npv: rate(tn, tn + fn, 'NPV', `no case scored < ${threshold}`),
    notes,
  };
}

export interface RocPoint {
  /** Cases with score ≥ threshold are called positive; the first point has +Infinity (none called). */
  threshold: number;
  fpr: number;
  tpr: number;
  truePositives: number;
  falsePositives: number;
}

/**
 * Empirical ROC curve: (0, 0), then one point per distinct score from the highest
 * down, ending at (1, 1). Cases with equal scores enter together, so a tie between a
 * positive and a negative case is a diagonal segment (the chance line over that tie),
 * never an arbitrary staircase that would depend on the input order.
 */
export function rocCurve(scores: ArrayLike<number>, truth: readonly BinaryLabel[] | ArrayLike<number>): RocPoint[] {
  const y = toBinary(truth);
  checkScores(scores, y.length);
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  const neg = y.length - pos;
  requireBothClasses(pos, neg, 'the ROC curve');
  const order = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const points: RocPoint[] = [{ threshold: Number.POSITIVE_INFINITY, fpr: 0, tpr: 0, truePositives: 0, falsePositives: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    const s = scores[order[i]];
    while (i < order.length && scores[order[i]] === s) {
      if (y[order[i]]) tp++;
      else fp++;
      i++;
    }
    points.push({ threshold: s, fpr: fp / neg, tpr: tp / pos, truePositives: tp, falsePositives: fp });
  }
  return points;
}

/** Area under a piecewise-linear curve by the trapezoid rule, from x = 0 to x = xMax (interpolated there). */
function trapezoid(points: readonly { fpr: number; tpr: number }[], xMax = 1): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (a.fpr >= xMax) break;
    if (b.fpr <= xMax) {
      area += ((b.fpr - a.fpr) * (a.tpr + b.tpr)) / 2;
    } else {
      const tprAt = a.tpr + ((b.tpr - a.tpr) * (xMax - a.fpr)) / (b.fpr - a.fpr);
      area += ((xMax - a.fpr) * (a.tpr + tprAt)) / 2;
      break;
    }
  }
  return area;
}

/**
 * Area under the ROC curve by the trapezoid rule over `rocCurve`. With ties handled as
 * diagonal segments this equals the Mann–Whitney estimate (`mannWhitneyAuc`): the
 * probability that a random positive case scores higher than a random negative one,
 * ties counted ½. Throws MetricError when the cases are all of one class.
 */
export function rocAuc(scores: ArrayLike<number>, truth: readonly BinaryLabel[] | ArrayLike<number>): number {
  return trapezoid(rocCurve(scores, truth));
}

/**
 * AUC as the Mann–Whitney U statistic divided by n₊·n₋: over every (positive, negative)
 * pair, 1 when the positive scores higher, ½ when tied, 0 otherwise. Computed from
 * mid-ranks: U = R₊ − n₊(n₊+1)/2, with R₊ the sum of the positives' ranks.
 */
export function mannWhitneyAuc(scores: ArrayLike<number>, truth: readonly BinaryLabel[] | ArrayLike<number>): number {
  const y = toBinary(truth);
  checkScores(scores, y.length);
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  const neg = y.length - pos;
  requireBothClasses(pos, neg, 'the AUC');
  const order = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && scores[order[j]] === scores[order[i]]) j++;
    const midRank = (i + 1 + j) / 2; // ranks i+1 … j share their mean
    for (let m = i; m < j; m++) if (y[order[m]]) rankSumPos += midRank;
    i = j;
  }
  const u = rankSumPos - (pos * (pos + 1)) / 2;
  return u / (pos * neg);
}

export interface PartialAuc {
  maxFpr: number;
  /** Area under the ROC curve for FPR from 0 to maxFpr (at most maxFpr). */
  partialAuc: number;
  /**
   * McClish (Med Decis Making 1989;9:190–5) standardization, as pROC and scikit-learn's
   * `max_fpr`: 0.5·(1 + (pAUC − min)/(max − min)), min = maxFpr²/2 (the chance
   * diagonal), max = maxFpr (a perfect test). 0.5 is chance, 1 perfect; at maxFpr = 1
   * it equals the full AUC.
   */
  standardized: number;
}

/** Partial AUC over FPR ∈ [0, maxFpr], the ROC interpolated linearly at maxFpr. */
export function partialRocAuc(scores: ArrayLike<number>, truth: readonly BinaryLabel[] | ArrayLike<number>, maxFpr: number): PartialAuc {
  if (!(maxFpr > 0 && maxFpr <= 1)) throw new MetricError(`maxFpr must be in (0, 1], got ${maxFpr}`);
  const partialAuc = trapezoid(rocCurve(scores, truth), maxFpr);
  const min = (maxFpr * maxFpr) / 2;
  const max = maxFpr;
  return { maxFpr, partialAuc, standardized: 0.5 * (1 + (partialAuc - min) / (max - min)) };
}
