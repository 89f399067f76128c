import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../api/types';
import { generatePatient } from '../../tools/phantom/index';
import { mat4FromLinear, type Mat4 } from '../registration/affine';
import { equivalentRadiusMm, matchLesions, sphereIntersectionMm3, type MatchLesion } from './lesionMatching';

const I4: Mat4 = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];
const lesion = (key: string, c: Vec3, volumeMl: number, type = 'metastasis'): MatchLesion<string> => ({ key, centroidMm: c, volumeMl, diameterMm: null, type });

describe('sphere overlap (known answers)', () => {
  it('is the smaller sphere when one contains the other, zero when apart, the lens in between', () => {
    expect(sphereIntersectionMm3(5, 2, 1)).toBeCloseTo((4 / 3) * Math.PI * 8, 9);
    expect(sphereIntersectionMm3(3, 3, 6)).toBe(0);
    // Two unit spheres 1 apart: lens volume 5π/12.
    expect(sphereIntersectionMm3(1, 1, 1)).toBeCloseTo((5 * Math.PI) / 12, 12);
    expect(equivalentRadiusMm({ volumeMl: (4 / 3) * Math.PI * 0.001 * 27, diameterMm: null })).toBeCloseTo(3, 9);
  });
});

describe('matchLesions (known answers)', () => {
  it('undoes the registration, matches one-to-one, and calls the rest new / disappeared', () => {
    // Follow-up = baseline shifted by +30 mm in x; lesions far apart.
    const T = mat4FromLinear([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [30, 0, 0]);
    const r = matchLesions(
      [lesion('A', [0, 0, 0], 2), lesion('B', [60, 0, 0], 1), lesion('C', [0, 60, 0], 1)],
      [lesion('a', [31, 0, 0], 2.4), lesion('b', [89, 1, 0], 0.8), lesion('n', [30, -60, 0], 0.5)],
      T,
    );
    expect(r.links.map((l) => [l.baseline, l.followUp, l.kind])).toEqual([
      ['A', 'a', 'match'],
      ['B', 'b', 'match'],
    ]);
    expect(r.links[0].distanceMm).toBeCloseTo(1, 9);
    expect(r.links.every((l) => !l.needsReview && l.confidence > 0.6)).toBe(true);
    expect(r.newLesions).toEqual(['n']);
    expect(r.disappeared).toEqual(['C']);
  });

  it('sends an ambiguous link to review: two candidates almost equally close', () => {
    const r = matchLesions([lesion('A', [0, 0, 0], 1), lesion('B', [9, 0, 0], 1)], [lesion('x', [4.4, 0, 0], 1)], I4);
    expect(r.links).toHaveLength(2); // one match, the other lesion merged into it
    expect(r.links.find((l) => l.kind === 'match')!.needsReview).toBe(true);
  });
});

/** Expected lineage edges baseline → last exam from the phantom's truth. */
function truthEdges(truth: ReturnType<typeof generatePatient>['truth'], last: number): Set<string> {
  const t0 = new Set(truth.timepoints[0].lesions.map((l) => l.id));
  const tl = new Set(truth.timepoints[last].lesions.map((l) => l.id));
  const edges = new Set<string>();
  for (const id of t0) if (tl.has(id)) edges.add(`${id}>${id}`);
  for (const l of truth.lesions) {
    if (l.splitFrom && t0.has(l.splitFrom) && tl.has(l.id) && !t0.has(l.id)) edges.add(`${l.splitFrom}>${l.id}`);
    if (l.mergedInto && t0.has(l.id) && tl.has(l.mergedInto) && !tl.has(l.id)) edges.add(`${l.id}>${l.mergedInto}`);
  }
  return edges;
}

describe('matchLesions on phantom patients (known motion, grow/shrink/appear/disappear/split/merge)', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`patient ${seed}: every lineage edge baseline → last exam is right`, () => {
      const { truth } = generatePatient({ seed: `match-${seed}`, size: 64, slices: 40, sliceMm: 4, timepoints: 3, extraLesions: 2 });
      const last = truth.timepoints.length - 1;
      const asLesions = (t: number) =>
        truth.timepoints[t].lesions.map((l) => ({ key: l.id, centroidMm: l.centreMm as Vec3, volumeMl: l.analyticVolumeMl, diameterMm: l.longestDiameterMm, type: l.type }));
      const T = truth.timepoints[last].baselineToExam.matrix4x4 as Mat4;
      const r = matchLesions(asLesions(0), asLesions(last), T);
      const got = new Set(r.links.map((l) => `${l.baseline}>${l.followUp}`));
      expect([...got].sort()).toEqual([...truthEdges(truth, last)].sort());
      const appeared = truth.events.filter((e) => e.kind === 'appear' && e.timepoint <= last).flatMap((e) => e.to);
      for (const id of appeared) if (truth.timepoints[last].lesions.some((l) => l.id === id)) expect(r.newLesions).toContain(id);
    });
  }
});
