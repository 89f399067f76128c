import { describe, expect, it } from 'vitest';
import { bootstrapCi, intervalDefined, MIN_CASES_FOR_CI } from './bootstrap';
import { rocAuc } from './classification';
import { poolDetections } from './detection';
import { MetricError } from './errors';
import { mulberry32 } from './prng';
import { summarize } from './summary';

const mean = (xs: readonly number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;

describe('bootstrapCi', () => {
  it('two cases 0 and 1: a resampled mean is 0, ½ or 1 (¼, ½, ¼), so the 95% interval is [0, 1]', () => {
    const ci = bootstrapCi([0, 1], mean, { resamples: 1000, seed: 9 });
    expect(ci).toMatchObject({ estimate: 0.5, lower: 0, upper: 1, used: 1000, skipped: 0, level: 0.95 });
  });

  it('is deterministic for a seed and changes with it', () => {
    const rng = mulberry32(1);
    const dice = Array.from({ length: 40 }, () => 0.6 + 0.3 * rng());
    const a = bootstrapCi(dice, mean, { seed: 42 });
    const b = bootstrapCi(dice, mean, { seed: 42 });
    const c = bootstrapCi(dice, mean, { seed: 43 });
    expect(a).toEqual(b);
    expect(c.lower).not.toBe(a.lower);
    expect(a.resamples).toBe(1000);
  });

  it('mean Dice: the percentile interval is close to mean ± 1.96·SD/√n for 200 cases', () => {
    const rng = mulberry32(2);
    const dice = Array.from({ length: 200 }, () => rng());
    const s = summarize(dice);
    const half = (1.96 * s.sd) / Math.sqrt(dice.length);
    const ci = bootstrapCi(dice, mean, { resamples: 2000, seed: 5 });
    expect(ci.estimate).toBeCloseTo(s.mean, 12);
    // The bootstrap SE is the plug-in SD/√n (n, not n − 1): ~0.25% narrower; allow 10%.
    expect(Math.abs(ci.upper! - ci.lower! - 2 * half) / (2 * half)).toBeLessThan(0.1);
    expect(ci.lower).toBeLessThan(s.mean);
    expect(ci.upper).toBeGreaterThan(s.mean);
  });

  it('AUC: resamples with one class only are skipped and counted', () => {
    // 1 positive, 2 negatives. A resample of 3 has no positive with probability (2/3)³ = 8/27
    // and no negative with (1/3)³ = 1/27: about 1/3 of 1000 are skipped (SD ≈ 15).
    const cases = [
      { score: 0.9, positive: 1 as const },
      { score: 0.4, positive: 0 as const },
      { score: 0.6, positive: 0 as const },
    ];
    const auc = (cs: readonly (typeof cases)[number][]): number => rocAuc(cs.map((c) => c.score), cs.map((c) => c.positive));
    const ci = bootstrapCi(cases, auc, { seed: 3 });
    expect(ci.estimate).toBe(1);
    expect(ci.used + ci.skipped).toBe(1000);
    expect(ci.skipped).toBeGreaterThan(288);
    expect(ci.skipped).toBeLessThan(378);
    expect(Object.keys(ci.skipReasons).some((r) => r.includes('all 3 cases are negative'))).toBe(true);
    expect(Object.values(ci.skipReasons).reduce((s, v) => s + v, 0)).toBe(ci.skipped);
  });

  it('pooled lesion sensitivity over cases', () => {
    const cases = [
      { truePositives: 3, falseNegatives: 1, falsePositives: 0 },
      { truePositives: 0, falseNegatives: 2, falsePositives: 1 },
      { truePositives: 5, falseNegatives: 0, falsePositives: 2 },
      { truePositives: 2, falseNegatives: 2, falsePositives: 0 },
    ];
    const ci = bootstrapCi(cases, (cs) => poolDetections(cs).sensitivity, { seed: 1 });
    expect(ci.estimate).toBeCloseTo(10 / 15, 12);
    // Bounded by the worst and best possible pooled values: case 2 alone (0) and case 3 alone (1).
    expect(ci.lower).toBeGreaterThanOrEqual(0);
    expect(ci.upper).toBeLessThanOrEqual(1);
    expect(ci.lower).toBeLessThan(ci.estimate);
    expect(ci.upper).toBeGreaterThan(ci.estimate);
  });

  it('one case gives no interval (null bounds), not a degenerate one like 0.797–0.797; two cases do', () => {
    expect(MIN_CASES_FOR_CI).toBe(2);
    const one = bootstrapCi([0.797], mean, { seed: 1 });
    expect(one).toMatchObject({ estimate: 0.797, lower: null, upper: null, used: 0, skipped: 0 });
    expect(intervalDefined(one.lower, one.upper)).toBe(false);
    const two = bootstrapCi([0.7, 0.9], mean, { seed: 1 });
    expect(two.lower).toBeCloseTo(0.7, 12);
    expect(two.upper).toBeCloseTo(0.9, 12);
    expect(intervalDefined(two.lower, two.upper)).toBe(true);
  });

  it('intervalDefined: both bounds finite numbers; NaN, null (NaN through JSON) and undefined are no interval', () => {
    expect(intervalDefined(0, 1)).toBe(true);
    expect(intervalDefined(0.797, 0.797)).toBe(true);
    expect(intervalDefined(Number.NaN, 1)).toBe(false);
    expect(intervalDefined(null, null)).toBe(false);
    expect(intervalDefined(0.5, undefined)).toBe(false);
    expect(JSON.parse(JSON.stringify({ low: Number.NaN })).low).toBeNull();
  });

  it('other errors from the statistic are not swallowed', () => {
    expect(() => bootstrapCi([1, 2], () => { throw new TypeError('bug'); })).toThrow(TypeError);
  });

  it('refuses no cases, a bad level, and a statistic undefined on every resample', () => {
    expect(() => bootstrapCi([], mean)).toThrow(MetricError);
    expect(() => bootstrapCi([1], mean, { level: 95 })).toThrow(/level/);
    let first = true;
    const undefinedAfterFirst = (): number => {
      if (first) { first = false; return 1; }
      throw new MetricError('no cases');
    };
    expect(() => bootstrapCi([1, 2], undefinedAfterFirst, { resamples: 10 })).toThrow(/all 10 bootstrap resamples/);
  });
});
