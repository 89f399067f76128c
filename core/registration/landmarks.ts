/**
 * Rigid transform from corresponding landmarks (least squares), for the manual correction
 * of a registration: the user clicks the same anatomical points in two exams.
 *
 * Horn's closed-form solution with unit quaternions (B. K. P. Horn, "Closed-form solution of
 * absolute orientation using unit quaternions", J. Opt. Soc. Am. A 4(4):629–642, 1987): the
 * rotation is the eigenvector of the largest eigenvalue of a symmetric 4×4 matrix built from
 * the cross-covariance of the centred point sets. Points are patient LPS mm.
 */
import type { Vec3 } from '../api/types';

export type Mat3Rows = [Vec3, Vec3, Vec3];

export interface RigidTransform {
  /** Row-major rotation: p' = R·p + t. */
  rotation: Mat3Rows;
  translationMm: Vec3;
}

export interface LandmarkFit extends RigidTransform {
  /** Root-mean-square distance between the mapped moving points and the fixed points. */
  rmsErrorMm: number;
  /** Per landmark: distance after the fit. */
  residualsMm: number[];
}

export class LandmarkError extends Error {}

export function applyRigid(t: RigidTransform, p: Vec3): Vec3 {
  const r = t.rotation;
  return [
    r[0][0] * p[0] + r[0][1] * p[1] + r[0][2] * p[2] + t.translationMm[0],
    r[1][0] * p[0] + r[1][1] * p[1] + r[1][2] * p[2] + t.translationMm[1],
    r[2][0] * p[0] + r[2][1] * p[1] + r[2][2] * p[2] + t.translationMm[2],
  ];
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (small n). */
export function symmetricEigen(a: number[][]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((row) => [...row]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p][q] * m[p][q];
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p][q]) < 1e-300) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k][p];
          const mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p][k];
          const mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
  }
  return { values: m.map((row, i) => row[i]), vectors: v };
}

function centroid(points: Vec3[]): Vec3 {
  const c: Vec3 = [0, 0, 0];
  for (const p of points) for (let i = 0; i < 3; i++) c[i] += p[i] / points.length;
  return c;
}

/**
 * The rigid transform mapping `moving` onto `fixed` (p_fixed ≈ R·p_moving + t) in the least
 * squares sense. Needs three or more corresponding, not collinear, points.
 */
export function solveRigidFromLandmarks(fixed: Vec3[], moving: Vec3[]): LandmarkFit {
  if (fixed.length !== moving.length) throw new LandmarkError(`${fixed.length} fixed and ${moving.length} moving points: every landmark needs its pair`);
  if (fixed.length < 3) throw new LandmarkError(`a rigid transform needs at least 3 landmark pairs, got ${fixed.length}`);
  const cf = centroid(fixed);
  const cm = centroid(moving);
  // Cross-covariance S = Σ (m − cm)(f − cf)ᵀ.
  const S = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let k = 0; k < fixed.length; k++) {
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) S[i][j] += (moving[k][i] - cm[i]) * (fixed[k][j] - cf[j]);
  }
  // Collinear (or coincident) points leave a rotation about their line undetermined.
  const spread = symmetricEigen(
    [0, 1, 2].map((i) => [0, 1, 2].map((j) => moving.reduce((acc, p) => acc + (p[i] - cm[i]) * (p[j] - cm[j]), 0))),
  ).values.sort((a, b) => b - a);
  if (spread[1] < 1e-6 * Math.max(spread[0], 1e-12)) throw new LandmarkError('the landmarks are collinear: choose points that do not lie on one line');

  const [[sxx, sxy, sxz], [syx, syy, syz], [szx, szy, szz]] = S;
  const N = [
    [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
    [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
    [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
    [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
  ];
  const { values, vectors } = symmetricEigen(N);
  let best = 0;
  for (let i = 1; i < 4; i++) if (values[i] > values[best]) best = i;
  const [q0, qx, qy, qz] = vectors.map((row) => row[best]);
  const rotation: Mat3Rows = [
    [q0 * q0 + qx * qx - qy * qy - qz * qz, 2 * (qx * qy - q0 * qz), 2 * (qx * qz + q0 * qy)],
    [2 * (qy * qx + q0 * qz), q0 * q0 - qx * qx + qy * qy - qz * qz, 2 * (qy * qz - q0 * qx)],
    [2 * (qz * qx - q0 * qy), 2 * (qz * qy + q0 * qx), q0 * q0 - qx * qx - qy * qy + qz * qz],
  ];
  const rc = applyRigid({ rotation, translationMm: [0, 0, 0] }, cm);
  const translationMm: Vec3 = [cf[0] - rc[0], cf[1] - rc[1], cf[2] - rc[2]];
  const fit = { rotation, translationMm };
  const residualsMm = moving.map((p, k) => {
    const q = applyRigid(fit, p);
    return Math.hypot(q[0] - fixed[k][0], q[1] - fixed[k][1], q[2] - fixed[k][2]);
  });
  const rmsErrorMm = Math.sqrt(residualsMm.reduce((a, r) => a + r * r, 0) / residualsMm.length);
  return { ...fit, rmsErrorMm, residualsMm };
}
