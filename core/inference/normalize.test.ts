import { describe, expect, it } from 'vitest';
import { ctClipZScore, meanStd, scaleToRange, zScore } from './normalize';

const close = (actual: Float32Array, expected: number[], digits = 5): void => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
};

describe('ctClipZScore', () => {
  it('clips to the HU range then z-scores with the model statistics', () => {
    // clip to [-1000, 1000] HU, mean 100, std 50: -2000 → -1000 → -22; 3000 → 1000 → 18.
    const out = ctClipZScore(Int16Array.from([-2000, -100, 0, 50, 3000]), {
      clipMinHu: -1000,
      clipMaxHu: 1000,
      mean: 100,
      std: 50,
    });
    close(out, [-22, -4, -2, -1, 18]);
  });
  it('does not divide by zero when std is 0 (nnU-Net floor 1e-8)', () => {
    const out = ctClipZScore([40, 40], { clipMinHu: -100, clipMaxHu: 100, mean: 40, std: 0 });
    close(out, [0, 0]);
  });
  it('refuses an inverted clip range', () => {
    expect(() => ctClipZScore([0], { clipMinHu: 10, clipMaxHu: -10, mean: 0, std: 1 })).toThrow(/inverted/);
  });
});

describe('zScore', () => {
  it('uses the volume mean and population std', () => {
    // mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
    expect(meanStd([1, 2, 3, 4]).std).toBeCloseTo(Math.sqrt(1.25), 12);
    const s = Math.sqrt(1.25);
    close(zScore(Float32Array.from([1, 2, 3, 4])), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
  });
  it('maps a flat volume to zeros', () => {
    close(zScore([7, 7, 7]), [0, 0, 0]);
  });
});

describe('scaleToRange', () => {
  it('rescales the data range to [0, 1] by default', () => {
    close(scaleToRange([10, 20, 30]), [0, 0.5, 1]);
  });
  it('maps a soft-tissue window (W400 L40 → -160..240 HU) to 0..255 with clamping', () => {
    close(scaleToRange([-1000, -160, 40, 240, 500], { inMin: -160, inMax: 240, outMin: 0, outMax: 255 }), [0, 0, 127.5, 255, 255]);
  });
  it('maps a flat input to outMin', () => {
    close(scaleToRange([3, 3], { outMin: -1, outMax: 1 }), [-1, -1]);
  });
});
