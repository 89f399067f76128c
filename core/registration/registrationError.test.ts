import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../api/types';
import { applyMat4, decomposeRigid, identityMat4, mat4FromLinear, rotationAboutAxis } from './affine';
import { LandmarkError, solveAffineFromLandmarks } from './landmarks';
import { fitLandmarkTransform, registrationError, type LandmarkPair } from './registrationError';

describe('registration error at corresponding points', () => {
  it('is the distance left after mapping: a 3-4-5 miss is 5 mm at every point', () => {
    const pairs: LandmarkPair[] = [
      { fixedMm: [0, 0, 0], movingMm: [3, 4, 0], label: 'A' },
      { fixedMm: [50, 0, 0], movingMm: [53, 4, 0] },
      { fixedMm: [0, 80, 10], movingMm: [3, 84, 10] },
    ];
    const r = registrationError(identityMat4(), pairs);
    expect(r.perPointMm).toEqual([5, 5, 5]);
    expect(r).toMatchObject({ count: 3, medianMm: 5, meanMm: 5, maxMm: 5, labels: ['A', null, null] });
    const fixedShift = mat4FromLinear([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [3, 4, 0]);
    expect(registrationError(fixedShift, pairs).maxMm).toBe(0);
  });

  it('reports the median of an even count as the mean of the middle two, and the worst point', () => {
    const pairs: LandmarkPair[] = [1, 2, 4, 10].map((d) => ({ fixedMm: [0, 0, 0], movingMm: [d, 0, 0] }));
    expect(registrationError(identityMat4(), pairs)).toMatchObject({ medianMm: 3, maxMm: 10, meanMm: 4.25 });
    expect(() => registrationError(identityMat4(), [])).toThrow(LandmarkError);
  });
});

describe('landmark transforms (manual correction), fixed → moving', () => {
  const truth = mat4FromLinear(rotationAboutAxis([0.2, 0.3, 1], 5), [12, -8, 4]);
  const fixed: Vec3[] = [[-100, 20, 0], [-60, -40, 30], [-80, 10, 60], [-40, 50, -20], [-120, -10, 40]];
  const pairs: LandmarkPair[] = fixed.map((p) => ({ fixedMm: p, movingMm: applyMat4(truth, p) }));

  it('rigid from 3 pairs recovers a 5° / 15 mm motion in the registration direction (baseline → follow-up)', () => {
    const fit = fitLandmarkTransform(pairs.slice(0, 3), 'rigid');
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(fit.matrix[i][j]).toBeCloseTo(truth[i][j], 9);
    expect(decomposeRigid(fit.matrix).rotationDeg).toBeCloseTo(5, 9);
    expect(fit.rmsErrorMm).toBeLessThan(1e-9);
  });

  it('affine from 5 pairs recovers a stretched and sheared transform exactly', () => {
    const affine = mat4FromLinear([[1.05, 0.02, 0], [0, 0.97, 0.03], [0.01, 0, 1.1]], [5, 6, -7]);
    const p = fixed.map((f) => ({ fixedMm: f, movingMm: applyMat4(affine, f) }));
    const fit = fitLandmarkTransform(p, 'affine');
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(fit.matrix[i][j]).toBeCloseTo(affine[i][j], 9);
    expect(fit.residualsMm.every((r) => r < 1e-9)).toBe(true);
  });

  it('affine least squares: 1 mm click noise that averages out leaves the translation exact', () => {
    const from: Vec3[] = [[0, 0, 0], [100, 0, 0], [0, 100, 0], [0, 0, 100], [100, 100, 100], [-100, -100, -100]];
    const noise: Vec3[] = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]];
    const to = from.map((p, k) => [p[0] + 10 + noise[k][0], p[1] + noise[k][1], p[2] + noise[k][2]] as Vec3);
    const fit = solveAffineFromLandmarks(from, to);
    expect(fit.matrix[0][3]).toBeCloseTo(10, 1);
    expect(fit.rmsErrorMm).toBeGreaterThan(0.1);
    expect(fit.rmsErrorMm).toBeLessThan(1);
  });

  it('names what is missing: 4 pairs for affine, not all in one plane', () => {
    expect(() => fitLandmarkTransform(pairs.slice(0, 3), 'affine')).toThrow(/at least 4 landmark pairs/);
    const flat: LandmarkPair[] = [[0, 0, 0], [10, 0, 0], [0, 10, 0], [10, 10, 0], [5, 3, 0]].map((p) => ({ fixedMm: p as Vec3, movingMm: p as Vec3 }));
    expect(() => fitLandmarkTransform(flat, 'affine')).toThrow(/lie in one plane/);
    expect(() => fitLandmarkTransform(flat, 'rigid')).not.toThrow();
  });
});
