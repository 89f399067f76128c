import { describe, expect, it } from 'vitest';
import { MetricError } from './errors';
import { mulberry32, shuffleInPlace } from './prng';

describe('mulberry32', () => {
  it('reproduces the reference sequence (values from an independent Python transcription of the algorithm)', () => {
    const r0 = mulberry32(0);
    expect([r0(), r0(), r0()]).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
    const r42 = mulberry32(42);
    expect([r42(), r42(), r42()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('stays in [0, 1) with a mean near ½', () => {
    const r = mulberry32(123);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = r();
      if (!(v >= 0 && v < 1)) outside++;
      sum += v;
    }
    expect(outside).toBe(0);
    // SD of the mean of 1e5 uniforms is 0.29/316 ≈ 0.0009: ±0.005 is > 5 SD.
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005);
  });

  it('refuses a non-integer seed', () => {
    expect(() => mulberry32(0.5)).toThrow(MetricError);
  });

  it('shuffles to a permutation, the same one for the same seed', () => {
    const a = shuffleInPlace([1, 2, 3, 4, 5, 6, 7, 8], mulberry32(5));
    const b = shuffleInPlace([1, 2, 3, 4, 5, 6, 7, 8], mulberry32(5));
    expect(a).toEqual(b);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(a).not.toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
