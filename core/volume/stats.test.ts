import { describe, expect, it } from 'vitest';
import { huStats } from './stats';

describe('huStats', () => {
  it('computes min, max, mean and the sample SD (n−1)', () => {
    const s = huStats(Int16Array.from([2, 4, 4, 4, 5, 5, 7, 9]));
    expect(s).toMatchObject({ minHu: 2, maxHu: 9, meanHu: 5, voxelCount: 8 });
    expect(s.sdHu).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });
  it('restricts to a mask', () => {
    const s = huStats(Int16Array.from([-1000, 40, 60, 3000]), Uint8Array.from([0, 1, 1, 0]));
    expect(s).toMatchObject({ minHu: 40, maxHu: 60, meanHu: 50, voxelCount: 2 });
  });
});
