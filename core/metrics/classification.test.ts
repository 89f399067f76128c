import { describe, expect, it } from 'vitest';
import { MetricError } from './errors';
import { binaryMetricsAtThreshold, confusionMatrix, mannWhitneyAuc, partialRocAuc, rocAuc, rocCurve } from './classification';
import { mulberry32 } from './prng';

// The example with ties: positives score 0.9, 0.8, 0.7; negatives 0.8, 0.6, 0.6.
const SCORES = [0.9, 0.8, 0.8, 0.7, 0.6, 0.6];
const LABELS = [1, 1, 0, 1, 0, 0] as const;

describe('confusionMatrix', () => {
  it('counts truth × prediction for k classes', () => {
    // truth     0 0 1 1 2 2 2
    // predicted 0 1 1 1 2 0 2  → rows: [1 1 0] [0 2 0] [1 0 2]; 5 of 7 on the diagonal.
    const m = confusionMatrix([0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 2], 3);
    expect(m.counts).toEqual([[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
    expect(m.accuracy).toBeCloseTo(5 / 7, 12);
    // Class 0: recall 1/2, precision 1/2 (column 0 = 1 + 0 + 1); class 1: 2/2 and 2/3; class 2: 2/3 and 2/2.
    expect(m.perClass.map((c) => [c.recall, c.precision])).toEqual([[0.5, 0.5], [1, 2 / 3], [2 / 3, 1]]);
  });

  it('refuses a class outside 0 … k−1', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/truth of case 1 is 3/);
  });
});

describe('binaryMetricsAtThreshold', () => {
  it('calls score ≥ threshold positive', () => {
    // ≥ 0.7: cases 0–3 called positive → TP 3 (0,1,3), FP 1 (2), TN 2 (4,5), FN 0.
    const m = binaryMetricsAtThreshold(SCORES, LABELS, 0.7);
    expect([m.truePositives, m.falsePositives, m.trueNegatives, m.falseNegatives]).toEqual([3, 1, 2, 0]);
    expect(m.sensitivity).toBe(1);
    expect(m.specificity).toBeCloseTo(2 / 3, 12);
    expect(m.ppv).toBeCloseTo(3 / 4, 12);
    expect(m.npv).toBe(1);
  });

  it('gives NaN with a reason when nothing is called positive', () => {
    const m = binaryMetricsAtThreshold(SCORES, LABELS, 2);
    expect(m.ppv).toBeNaN();
    expect(m.notes).toEqual(['PPV is undefined: no case scored ≥ 2']);
    expect(m.sensitivity).toBe(0);
  });
});

describe('rocCurve and AUC', () => {
  it('one point per distinct score; a tie between a positive and a negative is a diagonal segment', () => {
    // P = N = 3. ≥0.9: TP1 FP0; ≥0.8: TP2 FP1 (the tie enters at once); ≥0.7: TP3 FP1; ≥0.6: TP3 FP3.
    const roc = rocCurve(SCORES, LABELS);
    expect(roc.map((p) => p.threshold)).toEqual([Number.POSITIVE_INFINITY, 0.9, 0.8, 0.7, 0.6]);
    expect(roc.map((p) => [p.fpr, p.tpr])).toEqual([[0, 0], [0, 1 / 3], [1 / 3, 2 / 3], [1 / 3, 1], [1, 1]]);
  });

  it('trapezoid AUC = Mann–Whitney with ties ½ = 5/6 on the tied example', () => {
    // Trapezoids: (0,⅓)→(⅓,⅔): ⅓·(⅓+⅔)/2 = 1/6; (⅓,1)→(1,1): ⅔·1 = 2/3; total 5/6.
    // Pairs (pos, neg): 0.9 beats all 3; 0.8 ties 0.8 (½) and beats 0.6, 0.6 → 2.5; 0.7 beats 0.6, 0.6 → 2.
    // U = 7.5 of 9 pairs = 5/6.
    expect(rocAuc(SCORES, LABELS)).toBeCloseTo(5 / 6, 12);
    expect(mannWhitneyAuc(SCORES, LABELS)).toBeCloseTo(5 / 6, 12);
  });

  it('does not depend on the order of tied cases', () => {
    const order = [2, 0, 5, 1, 4, 3];
    const s = order.map((i) => SCORES[i]);
    const y = order.map((i) => LABELS[i]);
    expect(rocCurve(s, y).map((p) => [p.fpr, p.tpr])).toEqual(rocCurve(SCORES, LABELS).map((p) => [p.fpr, p.tpr]));
    expect(rocAuc(s, y)).toBeCloseTo(5 / 6, 12);
  });

  it('without ties: AUC 3/4; all scores tied: AUC ½ (the chance diagonal)', () => {
    // Pairs: 0.9>0.8, 0.9>0.6, 0.7<0.8, 0.7>0.6 → 3 of 4.
    expect(rocAuc([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])).toBeCloseTo(0.75, 12);
    expect(rocCurve([0.5, 0.5, 0.5, 0.5], [true, false, true, false]).map((p) => [p.fpr, p.tpr])).toEqual([[0, 0], [1, 1]]);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.5);
  });

  it('trapezoid and Mann–Whitney agree on random scores with many ties', () => {
    const rng = mulberry32(3);
    const scores = Array.from({ length: 300 }, () => Math.round(rng() * 10) / 10);
    const labels = scores.map((s) => (rng() < 0.3 + 0.4 * s ? 1 : 0));
    expect(rocAuc(scores, labels)).toBeCloseTo(mannWhitneyAuc(scores, labels), 12);
  });

  it('all one class: a clear error, not a number', () => {
    expect(() => rocAuc([0.1, 0.2, 0.3], [1, 1, 1])).toThrow(MetricError);
    expect(() => rocAuc([0.1, 0.2, 0.3], [1, 1, 1])).toThrow('all 3 cases are positive');
    expect(() => mannWhitneyAuc([0.1, 0.2], [0, 0])).toThrow('all 2 cases are negative');
    expect(() => rocAuc([0.1, Number.NaN], [1, 0])).toThrow(/score 1 is NaN/);
    expect(() => rocAuc([0.1, 0.2], [1, 2 as 1])).toThrow(/truth\[1\] is 2/);
  });
});

describe('partialRocAuc', () => {
  it('FPR ≤ 0.5 on the tied example: pAUC 1/3, McClish 7/9', () => {
    // 0 → ⅓: 1/6 (as above); ⅓ → ½ on the segment (⅓,1)→(1,1), TPR 1: ⅙·1 = 1/6. pAUC = 1/3.
    // min = 0.5²/2 = 1/8, max = 1/2: 0.5·(1 + (1/3 − 1/8)/(3/8)) = 0.5·(1 + 5/9) = 7/9.
    const p = partialRocAuc(SCORES, LABELS, 0.5);
    expect(p.partialAuc).toBeCloseTo(1 / 3, 12);
    expect(p.standardized).toBeCloseTo(7 / 9, 12);
  });

  it('interpolates inside the tie segment: FPR ≤ 0.25 → 11/96, McClish 29/42', () => {
    // Segment (0,⅓)→(⅓,⅔) has slope 1: TPR(0.25) = ⅓ + 0.25 = 7/12.
    // Area 0.25·(⅓ + 7/12)/2 = 0.25·(11/12)/2 = 11/96.
    // min = 1/32, max = 1/4: (11/96 − 3/96)/(7/32) = (1/12)/(7/32) = 8/21 → 0.5·(1 + 8/21) = 29/42.
    const p = partialRocAuc(SCORES, LABELS, 0.25);
    expect(p.partialAuc).toBeCloseTo(11 / 96, 12);
    expect(p.standardized).toBeCloseTo(29 / 42, 12);
  });

  it('maxFpr = 1 gives the full AUC both ways; a perfect test gives 1, chance gives ½', () => {
    const full = partialRocAuc(SCORES, LABELS, 1);
    expect(full.partialAuc).toBeCloseTo(5 / 6, 12);
    expect(full.standardized).toBeCloseTo(5 / 6, 12);
    const perfect = partialRocAuc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], 0.2);
    expect(perfect.partialAuc).toBeCloseTo(0.2, 12);
    expect(perfect.standardized).toBeCloseTo(1, 12);
    // All tied: the diagonal, pAUC = 0.2²/2 = min → ½.
    expect(partialRocAuc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0], 0.2).standardized).toBeCloseTo(0.5, 12);
  });

  it('refuses maxFpr outside (0, 1]', () => {
    expect(() => partialRocAuc(SCORES, LABELS, 0)).toThrow(/maxFpr/);
  });
});
