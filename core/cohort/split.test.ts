import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../metrics/prng';
import { CohortSplitError, parseSplitFractions, seedNumber, splitPatients, type CohortSplitSpec } from './split';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `P${String(i + 1).padStart(3, '0')}`);
const SEVENTY: CohortSplitSpec = { kind: 'fractions', parts: parseSplitFractions('70/15/15') };

describe('parseSplitFractions', () => {
  it('reads percentages, fractions and names', () => {
    expect(parseSplitFractions('70/15/15')).toEqual([
      { name: 'train', fraction: 0.7 },
      { name: 'validation', fraction: 0.15 },
      { name: 'test', fraction: 0.15 },
    ]);
    expect(parseSplitFractions([80, 20])).toEqual([
      { name: 'train', fraction: 0.8 },
      { name: 'test', fraction: 0.2 },
    ]);
    expect(parseSplitFractions('0.5/0.25/0.125/0.125').map((p) => p.name)).toEqual(['part-1', 'part-2', 'part-3', 'part-4']);
    expect(parseSplitFractions('dev=60,holdout=40')).toEqual([
      { name: 'dev', fraction: 0.6 },
      { name: 'holdout', fraction: 0.4 },
    ]);
  });
  it('refuses what does not add up', () => {
    expect(() => parseSplitFractions('70/20/20')).toThrow(/add up to 100 \(percent\) or 1, they add up to 110/);
    expect(() => parseSplitFractions('100')).toThrow(/at least two parts/);
    expect(() => parseSplitFractions('a/b')).toThrow(CohortSplitError);
    expect(() => parseSplitFractions('x=50,x=50')).toThrow(/distinct/);
  });
});

describe('splitPatients', () => {
  it('is the same for the same seed and patients, whatever their order; another seed differs', () => {
    const a = splitPatients(ids(40).map((id) => ({ id })), SEVENTY, 'study-2025');
    const b = splitPatients([...ids(40)].reverse().map((id) => ({ id })), SEVENTY, 'study-2025');
    expect(b.assignment).toEqual(a.assignment);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = splitPatients(ids(40).map((id) => ({ id })), SEVENTY, 'study-2026');
    expect(c.assignment).not.toEqual(a.assignment);
    expect(c.counts).toEqual(a.counts);
    expect(seedNumber('study-2025')).not.toBe(seedNumber('study-2026'));
  });

  it('fractions are met within one patient; every patient once', () => {
    for (const n of [1, 2, 3, 7, 10, 19, 20, 33, 101]) {
      const s = splitPatients(ids(n).map((id) => ({ id })), SEVENTY, 'x');
      expect(Object.keys(s.assignment).sort()).toEqual(ids(n));
      const total = Object.values(s.counts).reduce((a, b) => a + b, 0);
      expect(total).toBe(n);
      expect(Math.abs(s.counts.train - 0.7 * n)).toBeLessThan(1);
      expect(Math.abs(s.counts.validation - 0.15 * n)).toBeLessThan(1);
      expect(Math.abs(s.counts.test - 0.15 * n)).toBeLessThan(1);
      for (const part of s.parts) expect(Object.values(s.assignment).filter((p) => p === part)).toHaveLength(s.counts[part]);
    }
    expect(splitPatients(ids(20).map((id) => ({ id })), SEVENTY, 'x').counts).toEqual({ train: 14, validation: 3, test: 3 });
  });

  it('k folds partition the patients, sizes within one', () => {
    const s = splitPatients(ids(23).map((id) => ({ id })), { kind: 'folds', k: 5 }, '7');
    expect(s.parts).toEqual(['fold-1', 'fold-2', 'fold-3', 'fold-4', 'fold-5']);
    expect(Object.keys(s.assignment)).toHaveLength(23);
    expect(Object.values(s.counts).sort()).toEqual([4, 4, 5, 5, 5]);
    const union = s.parts.flatMap((f) => Object.keys(s.assignment).filter((id) => s.assignment[id] === f));
    expect(union.sort()).toEqual(ids(23));
    expect(() => splitPatients(ids(3).map((id) => ({ id })), { kind: 'folds', k: 5 }, '7')).toThrow(/5 folds need at least 5 patients, the cohort has 3/);
    expect(() => splitPatients(ids(3).map((id) => ({ id })), { kind: 'folds', k: 1 }, '7')).toThrow(/k ≥ 2/);
  });

  it('stratified: each stratum within one patient of its share, totals exact, on many random cohorts', () => {
    const rng = mulberry32(2024);
    const specs: CohortSplitSpec[] = [SEVENTY, { kind: 'folds', k: 5 }, { kind: 'fractions', parts: parseSplitFractions('80/20') }, { kind: 'fractions', parts: parseSplitFractions('50/25/25') }];
    for (let trial = 0; trial < 400; trial++) {
      const spec = specs[trial % specs.length];
      const n = 5 + Math.floor(rng() * 80);
      const nStrata = 1 + Math.floor(rng() * 6);
      const patients = ids(n).map((id) => ({ id, stratum: `s${Math.floor(rng() * rng() * nStrata)}` }));
      const s = splitPatients(patients, spec, `trial-${trial}`);
      const fractions = spec.kind === 'folds' ? s.parts.map(() => 1 / spec.k) : spec.parts.map((p) => p.fraction);
      s.parts.forEach((part, i) => expect(Math.abs(s.counts[part] - fractions[i] * n)).toBeLessThan(1));
      for (const [stratum, counts] of Object.entries(s.countsByStratum!)) {
        const size = patients.filter((p) => p.stratum === stratum).length;
        expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(size);
        s.parts.forEach((part, i) => expect(Math.abs(counts[part] - fractions[i] * size)).toBeLessThanOrEqual(1));
        // The counts are what the assignment says.
        for (const part of s.parts) expect(patients.filter((p) => p.stratum === stratum && s.assignment[p.id] === part)).toHaveLength(counts[part]);
      }
    }
  });

  it('a stratified split keeps each response group balanced', () => {
    const patients = ids(60).map((id, i) => ({ id, stratum: ['PR', 'SD', 'PD'][i % 3] }));
    const s = splitPatients(patients, SEVENTY, 'resp');
    expect(s.countsByStratum).toEqual({
      PD: { train: 14, validation: 3, test: 3 },
      PR: { train: 14, validation: 3, test: 3 },
      SD: { train: 14, validation: 3, test: 3 },
    });
    expect(s.strata!['P001']).toBe('PR');
  });

  it('refuses duplicates and bad fractions', () => {
    expect(() => splitPatients([{ id: 'a' }, { id: 'a' }], SEVENTY, 's')).toThrow(/listed twice/);
    expect(() => splitPatients([{ id: 'a' }], { kind: 'fractions', parts: [{ name: 'a', fraction: 0.5 }] }, 's')).toThrow(/add up to 1/);
    expect(() => splitPatients([{ id: 'a' }], SEVENTY, '')).toThrow(/seed/);
  });
});
