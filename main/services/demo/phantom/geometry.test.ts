import { describe, expect, it } from 'vitest';
import {
  type Mat3Rows,
  type Vec3,
  applyRigid,
  axialSectionSemiAxesMm,
  axisAngle,
  invertRigid,
  mulMat,
  randomRotation,
  rotationAngleDeg,
  transpose,
} from './geometry';
import { Rng } from './rng';

function expectClose(a: number[], b: number[], tol = 1e-9) {
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(tol));
}

describe('geometry', () => {
  it('axisAngle rotates +x to +y by 90° about +z (right-handed)', () => {
    const r = axisAngle([0, 0, 1], Math.PI / 2);
    expectClose(applyRigid({ rotation: r, translationMm: [0, 0, 0] }, [1, 0, 0]), [0, 1, 0]);
    expect(rotationAngleDeg(r)).toBeCloseTo(90, 9);
  });

  it('random rotations are orthonormal with determinant +1', () => {
    const rng = new Rng('rot');
    for (let n = 0; n < 50; n++) {
      const r = randomRotation(rng);
      const rrT = mulMat(r, transpose(r));
      expectClose(rrT.flat(), [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-12);
      const det =
        r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
        r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
        r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
      expect(det).toBeCloseTo(1, 12);
    }
  });

  it('invertRigid undoes a transform', () => {
    const t = { rotation: axisAngle([1, 2, 3], 0.08), translationMm: [10, -4, 7] as Vec3 };
    const p: Vec3 = [120, -35, 60];
    expectClose(applyRigid(invertRigid(t), applyRigid(t, p)), p, 1e-9);
  });

  it('axial section of an ellipsoid: axis-aligned and tipped cases', () => {
    const identity: Mat3Rows = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    expectClose(axialSectionSemiAxesMm(identity, [10, 5, 3]), [10, 5]);
    // Semi-axis 5 along z, semi-axis 3 along y: the axial cut has semi-axes 10 and 3.
    const tipped = axisAngle([1, 0, 0], Math.PI / 2);
    expectClose(axialSectionSemiAxesMm(tipped, [10, 5, 3]), [10, 3], 1e-9);
    // Rotating about z keeps the section's axes.
    expectClose(axialSectionSemiAxesMm(axisAngle([0, 0, 1], 0.7), [8, 6, 2]), [8, 6], 1e-9);
  });
});
