import { describe, expect, it } from 'vitest';
import { quantileSorted, summarize } from './summary';

describe('summarize', () => {
  it('gives mean, sample SD, median, min and max, leaving out non-finite values', () => {
    // 1, 2, 3, 4: mean 2.5; deviations ±1.5, ±0.5 → SS = 2·2.25 + 2·0.25 = 5; SD = √(5/3) ≈ 1.2910.
    const s = summarize([4, Number.NaN, 1, 3, 2]);
    expect(s).toMatchObject({ n: 4, excluded: 1, mean: 2.5, median: 2.5, min: 1, max: 4 });
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it('odd count: the median is the middle value; one value: SD is NaN', () => {
    expect(summarize([0.9, 0.1, 0.5]).median).toBe(0.5);
    const one = summarize([0.7]);
    expect(one).toMatchObject({ n: 1, mean: 0.7, median: 0.7 });
    expect(one.sd).toBeNaN();
  });

  it('empty input gives NaN, not a throw', () => {
    const s = summarize([]);
    expect(s.n).toBe(0);
    expect(s.mean).toBeNaN();
  });

  it('quantiles interpolate between order statistics (type 7)', () => {
    // h = (5 − 1)·0.1 = 0.4 → 10 + 0.4·(20 − 10) = 14.
    expect(quantileSorted([10, 20, 30, 40, 50], 0.1)).toBeCloseTo(14, 12);
    expect(quantileSorted([10, 20, 30, 40, 50], 1)).toBe(50);
  });
});
