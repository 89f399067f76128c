import { describe, expect, it } from 'vitest';
import { MetricError } from './errors';
import { apportion, kFolds, splitByPatient, type SplitPart } from './splits';

/** 25 patients P01 … P25, patient n has 1 + (n mod 3) exams. */
function cohort(): string[] {
  const ids: string[] = [];
  for (let n = 1; n <= 25; n++) for (let e = 0; e <= n % 3; e++) ids.push(`P${String(n).padStart(2, '0')}`);
  return ids;
}

function checkPartition(ids: readonly string[], parts: SplitPart[]): void {
  const seen = new Map<string, number>();
  parts.forEach((part, pi) => part.patients.forEach((p) => {
    expect(seen.has(p)).toBe(false); // each patient in exactly one part
    seen.set(p, pi);
  }));
  expect(seen.size).toBe(new Set(ids).size);
  const allCases = parts.flatMap((p) => p.cases).sort((a, b) => a - b);
  expect(allCases).toEqual(ids.map((_, i) => i));
  parts.forEach((part, pi) => part.cases.forEach((c) => expect(seen.get(ids[c])).toBe(pi))); // all of a patient's cases together
}

describe('apportion', () => {
  it('largest remainder, ties to the part listed first', () => {
    expect(apportion([0.8, 0.1, 0.1], 10)).toEqual([8, 1, 1]);
    // 25 → 20, 2.5, 2.5 → floors 20, 2, 2; one left, remainders tie at .5 → validation.
    expect(apportion([0.8, 0.1, 0.1], 25)).toEqual([20, 3, 2]);
    // 7 → 5.6, 0.7, 0.7 → floors 5, 0, 0; two left to the .7s.
    expect(apportion([0.8, 0.1, 0.1], 7)).toEqual([5, 1, 1]);
  });
});

describe('splitByPatient', () => {
  it('80/10/10 by patient: 20, 3 and 2 of 25 patients, every patient once, all cases of a patient together', () => {
    const ids = cohort();
    const s = splitByPatient(ids, { train: 0.8, validation: 0.1, test: 0.1 }, 42);
    expect([s.train.patients.length, s.validation.patients.length, s.test.patients.length]).toEqual([20, 3, 2]);
    checkPartition(ids, [s.train, s.validation, s.test]);
  });

  it('same seed, same split, whatever the order of the cases; another seed, another split', () => {
    const ids = cohort();
    const fr = { train: 0.8, validation: 0.1, test: 0.1 };
    const a = splitByPatient(ids, fr, 42);
    expect(splitByPatient(ids, fr, 42)).toEqual(a);
    const reversed = splitByPatient([...ids].reverse(), fr, 42);
    expect(reversed.test.patients).toEqual(a.test.patients);
    expect(reversed.train.patients).toEqual(a.train.patients);
    expect(splitByPatient(ids, fr, 43).train.patients).not.toEqual(a.train.patients);
  });

  it('refuses fractions that do not sum to 1 or are negative', () => {
    expect(() => splitByPatient(cohort(), { train: 0.8, test: 0.1 }, 1)).toThrow(/sum to 1/);
    expect(() => splitByPatient(cohort(), { train: 1.1, test: -0.1 }, 1)).toThrow(MetricError);
    expect(() => splitByPatient([], { all: 1 }, 1)).toThrow(/no cases/);
  });
});

describe('kFolds', () => {
  it('10 patients in 3 folds: test parts of 4, 3, 3; each patient tested once; train is the rest', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'a', 'c', 'c'];
    const folds = kFolds(ids, 3, 7);
    expect(folds.map((f) => f.test.patients.length)).toEqual([4, 3, 3]);
    checkPartition(ids, folds.map((f) => f.test));
    for (const f of folds) {
      checkPartition(ids, [f.test, f.train]);
    }
    expect(kFolds(ids, 3, 7)).toEqual(folds);
    expect(kFolds(ids, 3, 8).map((f) => f.test.patients)).not.toEqual(folds.map((f) => f.test.patients));
  });

  it('refuses k < 2 or more folds than patients', () => {
    expect(() => kFolds(['a', 'b'], 1, 1)).toThrow(MetricError);
    expect(() => kFolds(['a', 'b', 'b'], 3, 1)).toThrow(/3 folds need at least 3 patients, there are 2/);
  });
});
