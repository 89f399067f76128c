/**
 * Cohort splits by patient: every case of a patient lands in the same part, so a
 * model is never tested on a patient it was trained on (another exam of the same
 * liver is not an independent test case).
 *
 * Reproducible: the distinct patient ids are sorted, then shuffled with a seeded
 * PRNG, so the split depends on the seed and the set of patients, not on the order
 * of the cases.
 */
import { MetricError } from './errors';
import { mulberry32, shuffleInPlace } from './prng';

export interface SplitPart {
  /** Patient ids in this part, sorted. */
  patients: string[];
  /** Indices of the input cases whose patient is in this part, ascending. */
  cases: number[];
}

function shuffledPatients(patientIds: readonly string[], seed: number): string[] {
  if (patientIds.length === 0) throw new MetricError('no cases to split');
  const distinct = [...new Set(patientIds)].sort();
  return shuffleInPlace(distinct, mulberry32(seed));
}

function partOf(patients: readonly string[], patientIds: readonly string[]): SplitPart {
  const set = new Set(patients);
  const cases: number[] = [];
  patientIds.forEach((p, i) => {
    if (set.has(p)) cases.push(i);
  });
  return { patients: [...patients].sort(), cases };
}

/**
 * Patient counts per part by largest remainder: floor(fraction × n) each, then the
 * leftover patients one each to the parts with the largest fractional remainders
 * (ties: the part listed first). Every count is within 1 of fraction × n.
 */
export function apportion(fractions: readonly number[], n: number): number[] {
  const exact = fractions.map((f) => f * n);
  const counts = exact.map(Math.floor);
  let left = n - counts.reduce((s, c) => s + c, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i]++;
    left--;
  }
  return counts;
}

/**
 * Split cases into named parts by patient, e.g.
 * `splitByPatient(ids, { train: 0.8, validation: 0.1, test: 0.1 }, 42)`.
 * `patientIds` has one entry per case (a patient may have several cases). Fractions
 * are of patients, must be ≥ 0 and sum to 1.
 */
export function splitByPatient<K extends string>(patientIds: readonly string[], fractions: Record<K, number>, seed: number): Record<K, SplitPart> {
  const names = Object.keys(fractions) as K[];
  if (names.length === 0) throw new MetricError('a split needs at least one part');
  const f = names.map((k) => fractions[k]);
  if (f.some((x) => !(x >= 0))) throw new MetricError(`split fractions must be ≥ 0, got ${names.map((k, i) => `${k} ${f[i]}`).join(', ')}`);
  const total = f.reduce((s, x) => s + x, 0);
  if (Math.abs(total - 1) > 1e-9) throw new MetricError(`split fractions must sum to 1, they sum to ${total}`);
  const patients = shuffledPatients(patientIds, seed);
  const counts = apportion(f, patients.length);
  const out = {} as Record<K, SplitPart>;
  let start = 0;
  names.forEach((k, i) => {
    out[k] = partOf(patients.slice(start, start + counts[i]), patientIds);
    start += counts[i];
  });
  return out;
}

export interface Fold {
  /** Held-out part of this fold. */
  test: SplitPart;
  /** Everything else. */
  train: SplitPart;
}

/**
 * k-fold cross-validation by patient: each patient is in the test part of exactly one
 * fold; test parts differ in size by at most one patient.
 */
export function kFolds(patientIds: readonly string[], k: number, seed: number): Fold[] {
  if (!Number.isInteger(k) || k < 2) throw new MetricError(`k-fold cross-validation needs an integer k ≥ 2, got ${k}`);
  const patients = shuffledPatients(patientIds, seed);
  if (k > patients.length) throw new MetricError(`${k} folds need at least ${k} patients, there are ${patients.length}`);
  const base = Math.floor(patients.length / k);
  const extra = patients.length % k;
  const groups: string[][] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = base + (f < extra ? 1 : 0);
    groups.push(patients.slice(start, start + size));
    start += size;
  }
  return groups.map((g, f) => ({
    test: partOf(g, patientIds),
    train: partOf(groups.filter((_, o) => o !== f).flat(), patientIds),
  }));
}
