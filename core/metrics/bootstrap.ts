/**
 * Percentile bootstrap confidence intervals over cases (Efron & Tibshirani, An
 * Introduction to the Bootstrap, 1993, ch. 13): draw as many cases as there are, with
 * replacement, recompute the statistic on the draw, repeat; the interval is the
 * (1 − level)/2 and (1 + level)/2 quantiles of the recomputed values.
 *
 * Resampling whole cases (patients' exams), not voxels or lesions, keeps the
 * correlation inside a case: lesions of one liver are not independent samples.
 *
 * One case says nothing about the spread: every resample is that case, and the "interval"
 * would be the estimate twice (0.797–0.797). Below MIN_CASES_FOR_CI cases there is no
 * interval: both bounds are null, and every place that prints one says "n/a".
 */
import { MetricError } from './errors';
import { mulberry32, randomIndex } from './prng';
import { quantileSorted } from './summary';

export interface BootstrapOptions {
  /** Number of resamples; default 1000. */
  resamples?: number;
  /** PRNG seed (integer); default 1. The same seed gives the same interval. */
  seed?: number;
  /** Confidence level; default 0.95. */
  level?: number;
}

/** Fewer cases than this give no confidence interval (null bounds), not a degenerate one. */
export const MIN_CASES_FOR_CI = 2;

/** Whether an interval has both bounds; a CI over fewer than two cases has none (printed "n/a"). NaN and null (NaN through JSON) count as missing. */
export function intervalDefined(lower: number | null | undefined, upper: number | null | undefined): boolean {
  return typeof lower === 'number' && typeof upper === 'number' && Number.isFinite(lower) && Number.isFinite(upper);
}

export interface BootstrapCi {
  /** The statistic on all cases. */
  estimate: number;
  /** Null with fewer than MIN_CASES_FOR_CI cases (no interval). */
  lower: number | null;
  upper: number | null;
  level: number;
  resamples: number;
  /** Resamples whose statistic was computed and used. */
  used: number;
  /** Resamples whose statistic was undefined (threw MetricError or gave NaN): skipped, not retried. */
  skipped: number;
  /** Reason → number of resamples skipped for it. */
  skipReasons: Record<string, number>;
  seed: number;
}

/**
 * Percentile bootstrap CI of `statistic` over `cases`. The statistic sees a resampled
 * array of cases: e.g. `(cs) => mean(cs.map((c) => c.dice))`, pooled lesion
 * sensitivity `(cs) => poolDetections(cs).sensitivity`, or
 * `(cs) => rocAuc(cs.map((c) => c.score), cs.map((c) => c.positive))`, whose
 * resamples with only one class throw MetricError and are skipped and counted.
 * Quantiles interpolate linearly between order statistics (type 7).
 */
export function bootstrapCi<T>(cases: readonly T[], statistic: (sample: readonly T[]) => number, options: BootstrapOptions = {}): BootstrapCi {
  const { resamples = 1000, seed = 1, level = 0.95 } = options;
  if (cases.length === 0) throw new MetricError('a bootstrap needs at least one case');
  if (!Number.isInteger(resamples) || resamples < 1) throw new MetricError(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new MetricError(`the confidence level must be in (0, 1), got ${level}`);
  const estimate = statistic(cases);
  if (Number.isNaN(estimate)) throw new MetricError('the statistic is NaN on all cases: there is nothing to bootstrap');
  if (cases.length < MIN_CASES_FOR_CI) return { estimate, lower: null, upper: null, level, resamples, used: 0, skipped: 0, skipReasons: {}, seed };

  const rng = mulberry32(seed);
  const n = cases.length;
  const values: number[] = [];
  const skipReasons: Record<string, number> = {};
  for (let b = 0; b < resamples; b++) {
    // A fresh array each time: a statistic may keep what it was given.
    const sample = new Array<T>(n);
    for (let i = 0; i < n; i++) sample[i] = cases[randomIndex(rng, n)];
    let v: number;
    try {
      v = statistic(sample);
    } catch (e) {
      if (!(e instanceof MetricError)) throw e;
      skipReasons[e.message] = (skipReasons[e.message] ?? 0) + 1;
      continue;
    }
    if (Number.isNaN(v)) {
      skipReasons['the statistic is NaN'] = (skipReasons['the statistic is NaN'] ?? 0) + 1;
      continue;
    }
    values.push(v);
  }
  const skipped = resamples - values.length;
  if (values.length === 0) throw new MetricError(`all ${resamples} bootstrap resamples were undefined (${Object.keys(skipReasons).join('; ')})`);
  values.sort((a, b) => a - b);
  const alpha = 1 - level;
  return {
    estimate,
    lower: quantileSorted(values, alpha / 2),
    upper: quantileSorted(values, 1 - alpha / 2),
    level,
    resamples,
    used: values.length,
    skipped,
    skipReasons,
    seed,
  };
}
