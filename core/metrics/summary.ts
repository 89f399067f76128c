/** Descriptive statistics of per-case values (Dice per case, volumes, …). */

export interface Summary {
  /** Finite values summarized. */
  n: number;
  /** Values left out because they were NaN or infinite (e.g. an undefined per-case ratio). */
  excluded: number;
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); NaN for n < 2. */
  sd: number;
  median: number;
  min: number;
  max: number;
}

/** Quantile by linear interpolation between order statistics (Hyndman–Fan type 7, numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Mean, SD, median, min and max of the finite values; NaN fields when there are none. */
export function summarize(values: ArrayLike<number>): Summary {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]);
  const n = finite.length;
  const excluded = values.length - n;
  if (n === 0) return { n, excluded, mean: Number.NaN, sd: Number.NaN, median: Number.NaN, min: Number.NaN, max: Number.NaN };
  finite.sort((a, b) => a - b);
  const mean = finite.reduce((s, v) => s + v, 0) / n;
  // Two-pass: the deviations from the mean, not Σx² − n·mean², which cancels badly.
  const ss = finite.reduce((s, v) => s + (v - mean) * (v - mean), 0);
  return { n, excluded, mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : Number.NaN, median: quantileSorted(finite, 0.5), min: finite[0], max: finite[n - 1] };
}
