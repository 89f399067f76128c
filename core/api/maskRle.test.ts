import { describe, expect, it } from 'vitest';
import { decodeMaskRle, encodeMaskRle } from './maskRle';

describe('mask run-length wire form', () => {
  it('round-trips binary and label masks, and is small for sparse masks', () => {
    const mask = new Uint8Array(512 * 512 * 10);
    for (let k = 3; k < 6; k++) for (let j = 100; j < 120; j++) mask.fill(1, k * 262144 + j * 512 + 200, k * 262144 + j * 512 + 230);
    const rle = encodeMaskRle(mask);
    expect(rle.values).toBeUndefined();
    expect(rle.runs.length).toBe(2 * 60 + 1);
    expect(decodeMaskRle(rle)).toEqual(mask);
    const labels = Uint8Array.from([0, 2, 2, 0, 1, 3, 3]);
    expect(encodeMaskRle(labels)).toEqual({ length: 7, runs: [1, 2, 1, 1, 0, 2], values: [2, 1, 3] });
    expect(decodeMaskRle(encodeMaskRle(labels))).toEqual(labels);
  });
  it('refuses runs past the end', () => {
    expect(() => decodeMaskRle({ length: 3, runs: [1, 5] })).toThrow(/runs past the mask length 3/);
  });
});
