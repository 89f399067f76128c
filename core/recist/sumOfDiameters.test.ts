import { describe, expect, it } from 'vitest';
import { sumOfDiameters } from './sumOfDiameters';
import type { RecistLesion } from './types';

const L1: RecistLesion = { id: 'L1', organ: 'liver', role: 'target', lymphNode: false };
const L2: RecistLesion = { id: 'L2', organ: 'liver', role: 'target', lymphNode: false };
const N1: RecistLesion = { id: 'N1', organ: 'para-aortic', role: 'target', lymphNode: true };

describe('sumOfDiameters (RECIST 1.1 §4.2, §4.3.2)', () => {
  it('adds the long axis of non-nodal lesions and the short axis of nodes', () => {
    const s = sumOfDiameters([L1, L2, N1], { L1: { longAxisMm: 32, shortAxisMm: 20 }, L2: { longAxisMm: 18 }, N1: { longAxisMm: 25, shortAxisMm: 17 } }, 5);
    expect(s.sumMm).toBe(67); // 32 + 18 + 17
    expect(s.terms).toBe('L1 32 mm + L2 18 mm + N1 17 mm (short axis)');
  });

  it('keeps the actual short axis of a node that shrank below 10 mm', () => {
    expect(sumOfDiameters([L1, N1], { L1: { longAxisMm: 20 }, N1: { shortAxisMm: 7 } }, 5).sumMm).toBe(27);
  });

  it('counts a target too small to measure as 5 mm (configurable) and a disappeared one as 0 mm', () => {
    const entries = { L1: { status: 'too-small' as const }, L2: { status: 'disappeared' as const }, N1: { status: 'too-small' as const } };
    expect(sumOfDiameters([L1, L2, N1], entries, 5)).toMatchObject({ sumMm: 10, contributions: [{ diameterMm: 5, kind: 'too-small' }, { diameterMm: 0, kind: 'disappeared' }, { diameterMm: 5, axis: 'short' }] });
    expect(sumOfDiameters([L1, L2, N1], entries, 4).sumMm).toBe(8);
  });

  it('sums the fragments of a split lesion into its entry (long axes; short axes for a node)', () => {
    const s = sumOfDiameters(
      [L1, N1],
      { L1: { fragments: [{ longAxisMm: 12, shortAxisMm: 8 }, { longAxisMm: 9 }] }, N1: { fragments: [{ longAxisMm: 14, shortAxisMm: 9 }, { longAxisMm: 12, shortAxisMm: 6 }] } },
      5,
    );
    expect(s.sumMm).toBe(36); // (12 + 9) + (9 + 6)
    expect(s.contributions.map((c) => c.kind)).toEqual(['fragments', 'fragments']);
    expect(s.terms).toBe('L1 21 mm (split: 12 + 9) + N1 15 mm (split: 9 + 6, short axis)');
  });

  it('gives a coalesced lesion its diameter once: the absorbed lesion counts 0 mm', () => {
    const s = sumOfDiameters([L1, L2], { L1: { longAxisMm: 41 }, L2: { mergedInto: 'L1' } }, 5);
    expect(s.sumMm).toBe(41);
    expect(s.contributions[1]).toEqual({ lesionId: 'L2', diameterMm: 0, axis: 'long', kind: 'merged' });
  });

  it('has no sum when a target is not evaluated or missing, but keeps the partial sum', () => {
    const s = sumOfDiameters([L1, L2, N1], { L1: { longAxisMm: 30 }, N1: { status: 'not-evaluated' } }, 5);
    expect(s).toMatchObject({ sumMm: null, partialSumMm: 30, notEvaluatedIds: ['L2', 'N1'] });
    expect(s.terms).toBe('L1 30 mm + L2 not evaluated (no entry) + N1 not evaluated');
  });

  it('rounds away binary float noise', () => {
    expect(sumOfDiameters([L1, L2], { L1: { longAxisMm: 12.3 }, L2: { longAxisMm: 4.1 } }, 5).sumMm).toBe(16.4);
  });
});
