import type { HuStats } from '../api/types';

/** HU statistics of a volume (or of the voxels where `mask` is non-zero). SD is the sample SD (n−1). */
export function huStats(values: ArrayLike<number>, mask?: ArrayLike<number>): HuStats {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    const v = values[i];
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return { minHu: NaN, maxHu: NaN, meanHu: NaN, sdHu: NaN, voxelCount: 0 };
  const mean = sum / n;
  // Second pass for the variance: numerically stable for 10^8 voxels.
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    const d = values[i] - mean;
    ss += d * d;
  }
  return { minHu: min, maxHu: max, meanHu: mean, sdHu: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, voxelCount: n };
}
