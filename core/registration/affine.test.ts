import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../api/types';
import {
  applyMat4,
  composeMat4,
  decomposeRigid,
  identityMat4,
  invertMat4,
  isMat4,
  mat4FromLinear,
  maxCornerDistanceMm,
  rotationAboutAxis,
  TransformError,
  type Mat4,
} from './affine';

const close = (a: Vec3, b: Vec3, digits = 9) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));

describe('4×4 affine transforms in LPS mm', () => {
  it('applies a 90° turn about +z and a shift: patient left (+x) goes posterior (+y)', () => {
    const m = mat4FromLinear(rotationAboutAxis([0, 0, 1], 90), [10, 0, -5]);
    close(applyMat4(m, [1, 0, 0]), [10, 1, -5]);
    close(applyMat4(m, [0, 0, 0]), [10, 0, -5]);
  });

  it('composes right to left: composeMat4(a, b) applies b first', () => {
    const shift = mat4FromLinear([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [5, 0, 0]);
    const turn = mat4FromLinear(rotationAboutAxis([0, 0, 1], 90), [0, 0, 0]);
    close(applyMat4(composeMat4(turn, shift), [0, 0, 0]), [0, 5, 0]); // shifted to +x, then turned to +y
    close(applyMat4(composeMat4(shift, turn), [0, 0, 0]), [5, 0, 0]);
    expect(composeMat4()).toEqual(identityMat4());
  });

  it('inverts: M⁻¹·M is the identity and undoes a 5° / 15 mm motion exactly', () => {
    const m = mat4FromLinear(rotationAboutAxis([1, 2, 2], 5), [12, -9, 0]);
    const back = composeMat4(invertMat4(m), m);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(back[i][j]).toBeCloseTo(i === j ? 1 : 0, 12);
    const p: Vec3 = [-90, 30, 120];
    close(applyMat4(invertMat4(m), applyMat4(m, p)), p);
  });

  it('refuses to invert a matrix that flattens space, or one that is not affine', () => {
    expect(() => invertMat4(mat4FromLinear([[1, 0, 0], [0, 1, 0], [0, 0, 0]], [0, 0, 0]))).toThrow(/singular/);
    const projective = identityMat4();
    projective[3][0] = 0.1;
    expect(() => invertMat4(projective)).toThrow(TransformError);
  });

  it('decomposes a rigid matrix into its angle (5°), axis and translation (15 mm)', () => {
    const m = mat4FromLinear(rotationAboutAxis([1, 2, 2], 5), [9, 12, 0]);
    const d = decomposeRigid(m);
    expect(d.rotationDeg).toBeCloseTo(5, 9);
    close(d.axis, [1 / 3, 2 / 3, 2 / 3]);
    close(d.translationMm, [9, 12, 0]);
    expect(Math.hypot(...d.translationMm)).toBeCloseTo(15, 9);
    close(d.scales, [1, 1, 1]);
    expect(d.determinant).toBeCloseTo(1, 12);
  });

  it('finds the rotation inside an affine matrix (10 % stretch, 10 % shrink) and reports the stretches', () => {
    const r = rotationAboutAxis([0, 1, 0], 30);
    const s = [[1.1, 0, 0], [0, 1, 0], [0, 0, 0.9]];
    const a = [0, 1, 2].map((i) => [0, 1, 2].map((j) => r[i][0] * s[0][j] + r[i][1] * s[1][j] + r[i][2] * s[2][j]));
    const d = decomposeRigid(mat4FromLinear(a, [0, 0, 0]));
    expect(d.rotationDeg).toBeCloseTo(30, 9);
    close(d.axis, [0, 1, 0]);
    close(d.scales, [1.1, 1, 0.9]);
  });

  it('handles 0° and 180° turns', () => {
    expect(decomposeRigid(identityMat4())).toMatchObject({ rotationDeg: 0, axis: [0, 0, 0] });
    const d = decomposeRigid(mat4FromLinear(rotationAboutAxis([0, 0, 1], 180), [0, 0, 0]));
    expect(d.rotationDeg).toBeCloseTo(180, 9);
    expect(Math.abs(d.axis[2])).toBeCloseTo(1, 9);
  });

  it('validates matrices from outside and measures how far apart two transforms move a box', () => {
    expect(isMat4(identityMat4())).toBe(true);
    expect(isMat4([[1, 0, 0], [0, 1, 0], [0, 0, 1]])).toBe(false);
    expect(isMat4([[1, 0, 0, NaN], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).toBe(false);
    const shifted: Mat4 = mat4FromLinear([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [3, 4, 0]);
    expect(maxCornerDistanceMm(identityMat4(), shifted, [-100, -100, -100], [100, 100, 100])).toBeCloseTo(5, 12);
  });
});
