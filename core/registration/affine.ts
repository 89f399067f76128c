/**
 * 4×4 homogeneous affine transforms between patient LPS millimetre spaces.
 *
 * A `Mat4` is row-major, `p' = M · [p; 1]`: the upper-left 3×3 is the linear part, the last
 * column the translation (mm), the last row [0, 0, 0, 1]. Which spaces it maps between is part
 * of the name where it is stored (a registration's matrix maps FIXED/baseline LPS to
 * MOVING/follow-up LPS, as elastix does — see elastixTransform.ts).
 */
import type { Vec3 } from '../api/types';
import type { Mat3Rows, RigidTransform } from './landmarks';
import { symmetricEigen } from './landmarks';

export type Row4 = [number, number, number, number];
/** Row-major homogeneous 4×4 matrix. */
export type Mat4 = [Row4, Row4, Row4, Row4];

export class TransformError extends Error {}

export function identityMat4(): Mat4 {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

/** The matrix of p' = A·p + t. */
export function mat4FromLinear(linear: Mat3Rows | number[][], translationMm: Vec3): Mat4 {
  return [
    [linear[0][0], linear[0][1], linear[0][2], translationMm[0]],
    [linear[1][0], linear[1][1], linear[1][2], translationMm[1]],
    [linear[2][0], linear[2][1], linear[2][2], translationMm[2]],
    [0, 0, 0, 1],
  ];
}

/**
 * A row-major 4×4 as the API and the registry carry it (`number[][]`, e.g.
 * RegistrationInfo.matrix4x4) as a Mat4: a copy of its first four rows and columns.
 */
export function mat4FromRows(rows: readonly (readonly number[])[]): Mat4 {
  return rows.slice(0, 4).map((r) => [r[0], r[1], r[2], r[3]]) as Mat4;
}

export function mat4FromRigid(t: RigidTransform): Mat4 {
  return mat4FromLinear(t.rotation, t.translationMm);
}

export function linearPart(m: Mat4): Mat3Rows {
  return [
    [m[0][0], m[0][1], m[0][2]],
    [m[1][0], m[1][1], m[1][2]],
    [m[2][0], m[2][1], m[2][2]],
  ];
}

export function translationPart(m: Mat4): Vec3 {
  return [m[0][3], m[1][3], m[2][3]];
}

/** M · [p; 1]. */
export function applyMat4(m: Mat4, p: Vec3): Vec3 {
  return [
    m[0][0] * p[0] + m[0][1] * p[1] + m[0][2] * p[2] + m[0][3],
    m[1][0] * p[0] + m[1][1] * p[1] + m[1][2] * p[2] + m[1][3],
    m[2][0] * p[0] + m[2][1] * p[1] + m[2][2] * p[2] + m[2][3],
  ];
}

/** Apply the linear part only (a direction or a displacement, not a point). */
export function applyLinear(m: Mat4, v: Vec3): Vec3 {
  return [
    m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
    m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
    m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
  ];
}

/**
 * Matrix product, in the order transforms are written: `composeMat4(a, b)` = a·b, which applies
 * `b` first. `composeMat4(a, b, c)` applies c, then b, then a.
 */
export function composeMat4(...ms: Mat4[]): Mat4 {
  if (ms.length === 0) return identityMat4();
  let out = ms[0].map((r) => [...r]) as Mat4;
  for (let k = 1; k < ms.length; k++) {
    const b = ms[k];
    const next = identityMat4();
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) next[i][j] = out[i][0] * b[0][j] + out[i][1] * b[1][j] + out[i][2] * b[2][j] + out[i][3] * b[3][j];
    out = next;
  }
  return out;
}

export function det3(a: number[][]): number {
  return (
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
  );
}

export function invert3(a: number[][]): Mat3Rows {
  const d = det3(a);
  // Relative to the matrix scale, so millimetre and metre conventions behave alike.
  const scale = Math.max(...a.flat().map(Math.abs), 1e-300);
  if (!(Math.abs(d) > 1e-12 * scale ** 3)) throw new TransformError('the transform is singular (it flattens space): it has no inverse');
  return [
    [(a[1][1] * a[2][2] - a[1][2] * a[2][1]) / d, (a[0][2] * a[2][1] - a[0][1] * a[2][2]) / d, (a[0][1] * a[1][2] - a[0][2] * a[1][1]) / d],
    [(a[1][2] * a[2][0] - a[1][0] * a[2][2]) / d, (a[0][0] * a[2][2] - a[0][2] * a[2][0]) / d, (a[0][2] * a[1][0] - a[0][0] * a[1][2]) / d],
    [(a[1][0] * a[2][1] - a[1][1] * a[2][0]) / d, (a[0][1] * a[2][0] - a[0][0] * a[2][1]) / d, (a[0][0] * a[1][1] - a[0][1] * a[1][0]) / d],
  ];
}

/** Inverse of an affine matrix: [A t]⁻¹ = [A⁻¹  −A⁻¹t]. */
export function invertMat4(m: Mat4): Mat4 {
  if (Math.abs(m[3][0]) + Math.abs(m[3][1]) + Math.abs(m[3][2]) > 1e-12 || Math.abs(m[3][3] - 1) > 1e-12) {
    throw new TransformError('not an affine matrix: its last row must be [0, 0, 0, 1]');
  }
  const inv = invert3(linearPart(m));
  const t = translationPart(m);
  const ti: Vec3 = [0, 1, 2].map((i) => -(inv[i][0] * t[0] + inv[i][1] * t[1] + inv[i][2] * t[2])) as Vec3;
  return mat4FromLinear(inv, ti);
}

/** Check the shape and values of a Mat4 that came from outside (JSON, a file). */
export function isMat4(value: unknown): value is Mat4 {
  return (
    Array.isArray(value) &&
    value.length === 4 &&
    value.every((r) => Array.isArray(r) && r.length === 4 && r.every((v) => typeof v === 'number' && Number.isFinite(v))) &&
    value[3][0] === 0 &&
    value[3][1] === 0 &&
    value[3][2] === 0 &&
    value[3][3] === 1
  );
}

export interface RigidDecomposition {
  /** The rotation nearest to the linear part (polar decomposition); exactly it for a rigid matrix. */
  rotation: Mat3Rows;
  /** Angle of that rotation about its axis, degrees in [0, 180]. */
  rotationDeg: number;
  /** Unit rotation axis (right-handed), [0, 0, 0] when the angle is 0. */
  axis: Vec3;
  /** The matrix's translation column, mm: where the LPS origin goes. */
  translationMm: Vec3;
  /** Principal stretches of the linear part (1, 1, 1 for a rigid transform), largest first. */
  scales: Vec3;
  /** det of the linear part: negative for a reflection (a left–right flip), never from a real registration. */
  determinant: number;
}

/**
 * Rotation, translation and stretch of an affine matrix. The rotation is the orthogonal factor of
 * the polar decomposition A = R·S (S symmetric positive), the closest rotation to A in the
 * Frobenius norm, from the eigen-decomposition of AᵀA.
 */
export function decomposeRigid(m: Mat4): RigidDecomposition {
  const a = linearPart(m);
  const determinant = det3(a);
  const ata = [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[0][i] * a[0][j] + a[1][i] * a[1][j] + a[2][i] * a[2][j]));
  const { values, vectors } = symmetricEigen(ata);
  const scales = values.map((v) => Math.sqrt(Math.max(v, 0)));
  if (Math.min(...scales) < 1e-9 * Math.max(...scales, 1e-300)) throw new TransformError('the transform is singular (it flattens space): it has no rotation');
  // S⁻¹ = V diag(1/σ) Vᵀ, R = A·S⁻¹.
  const sInv = [0, 1, 2].map((i) => [0, 1, 2].map((j) => vectors[i][0] * vectors[j][0] / scales[0] + vectors[i][1] * vectors[j][1] / scales[1] + vectors[i][2] * vectors[j][2] / scales[2]));
  const rotation = [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i][0] * sInv[0][j] + a[i][1] * sInv[1][j] + a[i][2] * sInv[2][j])) as Mat3Rows;
  const cos = Math.min(1, Math.max(-1, (rotation[0][0] + rotation[1][1] + rotation[2][2] - 1) / 2));
  const angle = Math.acos(cos);
  let axis: Vec3 = [rotation[2][1] - rotation[1][2], rotation[0][2] - rotation[2][0], rotation[1][0] - rotation[0][1]];
  const n = Math.hypot(...axis);
  if (n > 1e-12) axis = axis.map((v) => v / n) as Vec3;
  else if (angle > Math.PI / 2) {
    // 180°: the axis is the column of R + I with the largest norm.
    const cols = [0, 1, 2].map((j) => [0, 1, 2].map((i) => rotation[i][j] + (i === j ? 1 : 0)) as Vec3);
    const best = cols.reduce((b, c) => (Math.hypot(...c) > Math.hypot(...b) ? c : b));
    axis = best.map((v) => v / Math.hypot(...best)) as Vec3;
  } else axis = [0, 0, 0];
  return {
    rotation,
    rotationDeg: (angle * 180) / Math.PI,
    axis,
    translationMm: translationPart(m),
    scales: [...scales].sort((x, y) => y - x) as Vec3,
    determinant,
  };
}

/** Rotation matrix (row-major) of `angleDeg` about a unit `axis` (Rodrigues), right-handed. */
export function rotationAboutAxis(axis: Vec3, angleDeg: number): Mat3Rows {
  const n = Math.hypot(...axis);
  if (!(n > 0)) throw new TransformError('a rotation axis must not be the zero vector');
  const [x, y, z] = axis.map((v) => v / n);
  const a = (angleDeg * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const C = 1 - c;
  return [
    [c + x * x * C, x * y * C - z * s, x * z * C + y * s],
    [y * x * C + z * s, c + y * y * C, y * z * C - x * s],
    [z * x * C - y * s, z * y * C + x * s, c + z * z * C],
  ];
}

/** Largest distance (mm) between where two transforms send the corners of a box: how far apart they are in practice. */
export function maxCornerDistanceMm(a: Mat4, b: Mat4, boxMinMm: Vec3, boxMaxMm: Vec3): number {
  let worst = 0;
  for (let c = 0; c < 8; c++) {
    const p: Vec3 = [c & 1 ? boxMaxMm[0] : boxMinMm[0], c & 2 ? boxMaxMm[1] : boxMinMm[1], c & 4 ? boxMaxMm[2] : boxMinMm[2]];
    const pa = applyMat4(a, p);
    const pb = applyMat4(b, p);
    worst = Math.max(worst, Math.hypot(pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2]));
  }
  return worst;
}
