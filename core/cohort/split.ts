/**
 * Patient-level splits of a cohort: named fractions (train/validation/test) or k folds,
 * reproducible from a seed, optionally stratified. Patients are split, never exams: every exam of
 * a patient is on the patient's side. Pure.
 *
 * How: per stratum (one stratum when not stratified) the patient ids are sorted, then shuffled
 * with mulberry32 seeded from the seed text, so the split depends on the seed and the set of
 * patients (and their strata), not on the order they came in. The counts per stratum and part
 * are a controlled rounding of fraction × stratum size: every count is ⌊f·nₛ⌋ or ⌊f·nₛ⌋ + 1
 * (each stratum balanced within one patient), and the totals per part are exactly the
 * largest-remainder apportionment of the whole cohort (within one patient of f·n). The
 * leftover patients of the strata are dealt to parts by Ryser's greedy construction (strata in
 * seeded random order; each takes the parts that still need the most).
 */
import { mulberry32, shuffleInPlace } from '../metrics/prng';
import { ApiError } from '../api/errors';

export class CohortSplitError extends ApiError {
  constructor(message: string) {
    super('invalid', message);
  }
}

export interface SplitPartSpec {
  name: string;
  fraction: number;
}

export type CohortSplitSpec = { kind: 'fractions'; parts: SplitPartSpec[] } | { kind: 'folds'; k: number };

export interface CohortSplitResult {
  spec: CohortSplitSpec;
  seed: string;
  /** Part names in order (fold-1 … fold-k for folds). */
  parts: string[];
  /** Patient id → part. */
  assignment: Record<string, string>;
  /** Patients per part. */
  counts: Record<string, number>;
  /** Patient id → stratum, and patients per stratum and part, when stratified. */
  strata: Record<string, string> | null;
  countsByStratum: Record<string, Record<string, number>> | null;
}

const DEFAULT_NAMES: Record<number, string[]> = { 1: ['all'], 2: ['train', 'test'], 3: ['train', 'validation', 'test'] };

/**
 * Fractions from the command line's form: "70/15/15" (percentages, or fractions "0.7/0.15/0.15"),
 * named train/validation/test (two parts: train/test; more: part-1 …), or given names
 * "train=80,test=20".
 */
export function parseSplitFractions(input: string | readonly number[]): SplitPartSpec[] {
  let names: string[] | null = null;
  let values: number[];
  if (typeof input === 'string') {
    const items = input.split(/[/,]/).map((s) => s.trim()).filter(Boolean);
    if (items.length && items.every((s) => s.includes('='))) {
      names = items.map((s) => s.split('=')[0].trim());
      values = items.map((s) => Number(s.split('=')[1]));
    } else values = items.map(Number);
    if (!items.length || values.some((v) => !Number.isFinite(v))) throw new CohortSplitError(`a split is fractions like 70/15/15 or train=80,test=20, got '${input}'`);
  } else values = [...input];
  if (values.length < 2) throw new CohortSplitError(`a split needs at least two parts, got ${values.length}`);
  if (values.some((v) => !(v >= 0))) throw new CohortSplitError(`split fractions must be ≥ 0, got ${values.join('/')}`);
  const total = values.reduce((s, v) => s + v, 0);
  const scale = Math.abs(total - 100) < 1e-6 ? 100 : Math.abs(total - 1) < 1e-9 ? 1 : null;
  if (scale === null) throw new CohortSplitError(`split fractions must add up to 100 (percent) or 1, they add up to ${total}`);
  names ??= DEFAULT_NAMES[values.length] ?? values.map((_, i) => `part-${i + 1}`);
  if (new Set(names).size !== names.length || names.some((n) => !/^[A-Za-z0-9_-]+$/.test(n))) throw new CohortSplitError(`part names must be distinct words (letters, digits, - and _), got ${names.join(', ')}`);
  return values.map((v, i) => ({ name: names![i], fraction: v / scale }));
}

/** A 32-bit seed from any text (FNV-1a over the UTF-16 code units): the same text, the same split. */
export function seedNumber(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// f·n computed in floating point may land a hair below an integer (0.29 × 100 = 28.999…).
const EPS = 1e-9;
const floorEps = (x: number): number => Math.floor(x + EPS);
const fracEps = (x: number): number => Math.max(0, x - floorEps(x));

/** Largest remainder: ⌊f·n⌋ each, the rest one each by largest remainder (ties: the part listed first). */
function apportion(fractions: readonly number[], n: number): number[] {
  const counts = fractions.map((f) => floorEps(f * n));
  let left = n - counts.reduce((s, c) => s + c, 0);
  const order = fractions.map((f, i) => ({ i, r: fracEps(f * n) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i]++;
    left--;
  }
  return counts;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Split patients into parts. `patients` lists each patient once with its stratum when the split
 * is stratified (all or none). Throws CohortSplitError (kind 'invalid') for a bad spec.
 */
export function splitPatients(patients: readonly { id: string; stratum?: string | null }[], spec: CohortSplitSpec, seed: string): CohortSplitResult {
  if (typeof seed !== 'string' || seed === '') throw new CohortSplitError('a split needs a seed');
  const ids = patients.map((p) => p.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) throw new CohortSplitError(`patient ${dup} is listed twice: a split is of patients, each once`);
  let parts: SplitPartSpec[];
  if (spec.kind === 'folds') {
    if (!Number.isInteger(spec.k) || spec.k < 2) throw new CohortSplitError(`k-fold cross-validation needs an integer k ≥ 2, got ${spec.k}`);
    if (spec.k > patients.length) throw new CohortSplitError(`${spec.k} folds need at least ${spec.k} patients, the cohort has ${patients.length}`);
    parts = Array.from({ length: spec.k }, (_, i) => ({ name: `fold-${i + 1}`, fraction: 1 / spec.k }));
  } else {
    parts = spec.parts;
    if (parts.length < 1) throw new CohortSplitError('a split needs at least one part');
    const total = parts.reduce((s, p) => s + p.fraction, 0);
    if (parts.some((p) => !(p.fraction >= 0)) || Math.abs(total - 1) > 1e-9) throw new CohortSplitError(`split fractions must be ≥ 0 and add up to 1, got ${parts.map((p) => p.fraction).join('/')}`);
    if (new Set(parts.map((p) => p.name)).size !== parts.length) throw new CohortSplitError('split part names must be distinct');
  }
  const f = parts.map((p) => p.fraction);
  const names = parts.map((p) => p.name);
  const stratified = patients.some((p) => p.stratum !== undefined && p.stratum !== null);
  const rng = mulberry32(seedNumber(seed));

  const byStratum = new Map<string, string[]>();
  for (const p of patients) {
    const s = stratified ? (p.stratum ?? 'none') : 'all';
    if (!byStratum.has(s)) byStratum.set(s, []);
    byStratum.get(s)!.push(p.id);
  }
  const strata = [...byStratum.keys()].sort(compareText);
  for (const s of strata) shuffleInPlace(byStratum.get(s)!.sort(compareText), rng);

  // Controlled rounding of the table f_p · n_s: floors, then the leftovers dealt so that each
  // stratum keeps its size and each part gets exactly its share of the whole cohort.
  const n = patients.length;
  const quota = apportion(f, n);
  const cells = new Map(strata.map((s) => [s, f.map((fp) => floorEps(fp * byStratum.get(s)!.length))]));
  const need = quota.map((q, p) => q - strata.reduce((sum, s) => sum + cells.get(s)![p], 0));
  const dealOrder = shuffleInPlace([...strata], rng);
  for (const s of dealOrder) {
    const row = cells.get(s)!;
    const ns = byStratum.get(s)!.length;
    let left = ns - row.reduce((a, b) => a + b, 0);
    const ranked = f
      .map((fp, p) => ({ p, frac: fracEps(fp * ns) }))
      .sort((a, b) => Number(need[b.p] > 0) - Number(need[a.p] > 0) || need[b.p] - need[a.p] || b.frac - a.frac || a.p - b.p);
    for (const { p } of ranked) {
      if (left <= 0) break;
      row[p]++;
      need[p]--;
      left--;
    }
  }

  const assignment: Record<string, string> = {};
  const counts: Record<string, number> = Object.fromEntries(names.map((nm) => [nm, 0]));
  const countsByStratum: Record<string, Record<string, number>> = {};
  const strataOf: Record<string, string> = {};
  for (const s of strata) {
    const list = byStratum.get(s)!;
    const row = cells.get(s)!;
    countsByStratum[s] = Object.fromEntries(names.map((nm, p) => [nm, row[p]]));
    let start = 0;
    row.forEach((c, p) => {
      for (const id of list.slice(start, start + c)) {
        assignment[id] = names[p];
        strataOf[id] = s;
      }
      counts[names[p]] += c;
      start += c;
    });
  }
  const sortedAssignment = Object.fromEntries(Object.keys(assignment).sort(compareText).map((id) => [id, assignment[id]]));
  return {
    spec: spec.kind === 'folds' ? spec : { kind: 'fractions', parts },
    seed,
    parts: names,
    assignment: sortedAssignment,
    counts,
    strata: stratified ? Object.fromEntries(Object.keys(strataOf).sort(compareText).map((id) => [id, strataOf[id]])) : null,
    countsByStratum: stratified ? countsByStratum : null,
  };
}
