/**
 * Small 3-D helpers for the phantom: vectors in patient LPS millimetres
 * (DICOM PS3.3 C.7.6.2.1.1: +x patient Left, +y Posterior, +z Superior) and
 * 3×3 matrices stored row-major as nested tuples, so JSON readers cannot
 * mistake rows for columns.
 */
import type { Vec3 } from '../../../../core/api/types';
import type { Rng } from './rng';

export type { Vec3 };
/** Row-major 3×3: `m[row][column]`. */
export type Mat3Rows = [Vec3, Vec3, Vec3];

export const IDENTITY: Mat3Rows = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function scale(a: Vec3, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}

export function norm(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

export function mulVec(m: Mat3Rows, v: Vec3): Vec3 {
  return [
    m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
    m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
    m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
  ];
}

export function mulMat(a: Mat3Rows, b: Mat3Rows): Mat3Rows {
  const r = (i: number): Vec3 => [
    a[i][0] * b[0][0] + a[i][1] * b[1][0] + a[i][2] * b[2][0],
    a[i][0] * b[0][1] + a[i][1] * b[1][1] + a[i][2] * b[2][1],
    a[i][0] * b[0][2] + a[i][1] * b[1][2] + a[i][2] * b[2][2],
  ];
  return [r(0), r(1), r(2)];
}

export function transpose(m: Mat3Rows): Mat3Rows {
  return [
    [m[0][0], m[1][0], m[2][0]],
    [m[0][1], m[1][1], m[2][1]],
    [m[0][2], m[1][2], m[2][2]],
  ];
}

export function column(m: Mat3Rows, j: number): Vec3 {
  return [m[0][j], m[1][j], m[2][j]];
}

/** Rotation by `angleRad` about the unit vector `axis` (Rodrigues). */
export function axisAngle(axis: Vec3, angleRad: number): Mat3Rows {
  const n = norm(axis);
  const [x, y, z] = [axis[0] / n, axis[1] / n, axis[2] / n];
  const c = Math.cos(angleRad);
  const s = Math.sin(angleRad);
  const t = 1 - c;
  return [
    [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
    [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
    [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
  ];
}

/** Angle of a rotation matrix in degrees (from its trace). */
export function rotationAngleDeg(m: Mat3Rows): number {
  const cos = Math.min(1, Math.max(-1, (m[0][0] + m[1][1] + m[2][2] - 1) / 2));
  return (Math.acos(cos) * 180) / Math.PI;
}

/** A uniformly distributed random rotation (Shoemake's quaternion method). */
export function randomRotation(rng: Rng): Mat3Rows {
  const u1 = rng.next();
  const u2 = rng.next() * 2 * Math.PI;
  const u3 = rng.next() * 2 * Math.PI;
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const [w, x, y, z] = [a * Math.sin(u2), a * Math.cos(u2), b * Math.sin(u3), b * Math.cos(u3)];
  return [
    [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
  ];
}

/** A random unit vector, uniform on the sphere. */
export function randomUnitVector(rng: Rng): Vec3 {
  const z = rng.uniform(-1, 1);
  const phi = rng.uniform(0, 2 * Math.PI);
  const r = Math.sqrt(1 - z * z);
  return [r * Math.cos(phi), r * Math.sin(phi), z];
}

/**
 * A rigid transform p' = rotation · p + translationMm, both in LPS mm.
 * The phantom uses it to map baseline LPS to a follow-up exam's LPS.
 */
export interface RigidTransform {
  rotation: Mat3Rows;
  translationMm: Vec3;
}

export function applyRigid(t: RigidTransform, p: Vec3): Vec3 {
  return add(mulVec(t.rotation, p), t.translationMm);
}

export function invertRigid(t: RigidTransform): RigidTransform {
  const rT = transpose(t.rotation);
  return { rotation: rT, translationMm: scale(mulVec(rT, t.translationMm), -1) };
}

/** 4×4 homogeneous matrix, row-major, for consumers that want one. */
export function rigidToMatrix4(t: RigidTransform): number[][] {
  const r = t.rotation;
  return [
    [r[0][0], r[0][1], r[0][2], t.translationMm[0]],
    [r[1][0], r[1][1], r[1][2], t.translationMm[1]],
    [r[2][0], r[2][1], r[2][2], t.translationMm[2]],
    [0, 0, 0, 1],
  ];
}

/**
 * Semi-axes of the ellipse cut from an ellipsoid by the axial plane through
 * its centre — the largest axial section, which is what RECIST 1.1 measures
 * on (longest in-plane diameter). Returns [long, short] semi-axes in mm.
 */
export function axialSectionSemiAxesMm(axes: Mat3Rows, semiAxesMm: Vec3): [number, number] {
  // Ellipsoid: pᵀ Q p = 1 with Q = O diag(1/a²) Oᵀ; the z = 0 section is the
  // 2×2 upper-left block of Q.
  let qxx = 0;
  let qxy = 0;
  let qyy = 0;
  for (let j = 0; j < 3; j++) {
    const inv = 1 / (semiAxesMm[j] * semiAxesMm[j]);
    const ux = axes[0][j];
    const uy = axes[1][j];
    qxx += ux * ux * inv;
    qxy += ux * uy * inv;
    qyy += uy * uy * inv;
  }
  const mean = (qxx + qyy) / 2;
  const diff = Math.sqrt(((qxx - qyy) / 2) ** 2 + qxy * qxy);
  const small = mean - diff;
  const large = mean + diff;
  return [1 / Math.sqrt(small), 1 / Math.sqrt(large)];
}

/** Round for JSON output so truth files stay readable and diffable. */
export function round(v: number, digits = 4): number {
  const f = 10 ** digits;
  const r = Math.round(v * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

export function roundVec(v: Vec3, digits = 4): Vec3 {
  return [round(v[0], digits), round(v[1], digits), round(v[2], digits)];
}

export function roundMat(m: Mat3Rows, digits = 6): Mat3Rows {
  return [roundVec(m[0], digits), roundVec(m[1], digits), roundVec(m[2], digits)];
}
