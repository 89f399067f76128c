import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../api/types';
import { applyRigid, LandmarkError, solveRigidFromLandmarks, type Mat3Rows } from './landmarks';

function rotZ(deg: number): Mat3Rows {
  const a = (deg * Math.PI) / 180;
  return [
    [Math.cos(a), -Math.sin(a), 0],
    [Math.sin(a), Math.cos(a), 0],
    [0, 0, 1],
  ];
}

describe('rigid transform from landmarks (Horn 1987)', () => {
  it('recovers a known 5° rotation and 15 mm shift exactly from 3 points', () => {
    const truth = { rotation: rotZ(5), translationMm: [15, -4, 2] as Vec3 };
    const moving: Vec3[] = [[0, 0, 0], [100, 0, 0], [0, 80, 30]];
    const fixed = moving.map((p) => applyRigid(truth, p));
    const fit = solveRigidFromLandmarks(fixed, moving);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(fit.rotation[i][j]).toBeCloseTo(truth.rotation[i][j], 9);
    expect(fit.translationMm[0]).toBeCloseTo(15, 9);
    expect(fit.translationMm[1]).toBeCloseTo(-4, 9);
    expect(fit.rmsErrorMm).toBeLessThan(1e-9);
  });

  it('is the least-squares fit with noisy clicks: symmetric ±1 mm errors leave the centroid shift exact', () => {
    const moving: Vec3[] = [[0, 0, 0], [100, 0, 0], [0, 100, 0], [0, 0, 100]];
    const shift: Vec3 = [10, 0, 0];
    const noise: Vec3[] = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]];
    const fixed = moving.map((p, k) => [p[0] + shift[0] + noise[k][0], p[1] + noise[k][1], p[2] + noise[k][2]] as Vec3);
    const fit = solveRigidFromLandmarks(fixed, moving);
    expect(fit.residualsMm).toHaveLength(4);
    expect(fit.rmsErrorMm).toBeGreaterThan(0.5);
    expect(fit.rmsErrorMm).toBeLessThan(1.01);
  });

  it('names what is missing: pairs, count, collinearity', () => {
    expect(() => solveRigidFromLandmarks([[0, 0, 0]], [[0, 0, 0], [1, 1, 1]])).toThrow(/every landmark needs its pair/);
    expect(() => solveRigidFromLandmarks([[0, 0, 0], [1, 0, 0]], [[0, 0, 0], [1, 0, 0]])).toThrow(/at least 3 landmark pairs/);
    expect(() => solveRigidFromLandmarks([[0, 0, 0], [1, 0, 0], [2, 0, 0]], [[0, 0, 0], [1, 0, 0], [2, 0, 0]])).toThrow(LandmarkError);
  });
});
