import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../../../core/api/types';
import { allowedKinds, completePairs, nextSide, placePoint, removePair, type LandmarkSession } from './landmarkPairs';

const BASELINE = 10;
const FOLLOW_UP = 20;
const start: LandmarkSession = { fixedSeriesId: BASELINE, movingSeriesId: FOLLOW_UP, pairs: [] };

function click(s: LandmarkSession, seriesId: number, p: Vec3): LandmarkSession {
  const r = placePoint(s, seriesId, p);
  if (!r) throw new Error('click ignored');
  return r.session;
}

describe('picking corresponding points', () => {
  it('pairs clicks made alternately in the baseline and the follow-up; three pairs allow a rigid fit, four an affine', () => {
    let s = start;
    expect(nextSide(s)).toBe('fixed');
    const points: [Vec3, Vec3][] = [
      [[0, 0, 0], [12, 0, 20]],
      [[50, 0, 0], [62, 0, 20]],
      [[0, 60, 10], [12, 60, 30]],
      [[20, -30, 40], [32, -30, 60]],
    ];
    for (const [k, [b, f]] of points.entries()) {
      s = click(s, BASELINE, b);
      expect(nextSide(s)).toBe('moving');
      s = click(s, FOLLOW_UP, f);
      expect(completePairs(s)).toHaveLength(k + 1);
      expect(allowedKinds(k + 1)).toEqual(k + 1 < 3 ? [] : k + 1 < 4 ? ['rigid'] : ['rigid', 'affine']);
    }
    expect(completePairs(s)[2]).toEqual({ fixedMm: [0, 60, 10], movingMm: [12, 60, 30] });
  });

  it('a second click in the same exam moves that point; the follow-up may come first; other series are ignored', () => {
    let s = click(start, FOLLOW_UP, [5, 5, 5]);
    expect(nextSide(s)).toBe('fixed');
    s = click(s, FOLLOW_UP, [6, 6, 6]);
    expect(s.pairs).toEqual([{ fixedMm: null, movingMm: [6, 6, 6] }]);
    expect(placePoint(s, 99, [0, 0, 0])).toBeNull();
    s = click(s, BASELINE, [1, 1, 1]);
    expect(completePairs(s)).toEqual([{ fixedMm: [1, 1, 1], movingMm: [6, 6, 6] }]);
    // A pair removed is gone from the fit.
    s = click(s, BASELINE, [2, 2, 2]);
    expect(removePair(s, 0).pairs).toEqual([{ fixedMm: [2, 2, 2], movingMm: null }]);
  });
});
