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

export interface AffineLandmarkFit {
  /** Row-major 3×4 as a 4×4: p_to ≈ M · [p_from; 1]. */
  matrix: [[number, number, number, number], [number, number, number, number], [number, number, number, number], [number, number, number, number]];
  rmsErrorMm: number;
  residualsMm: number[];
}

/**
 * The affine transform mapping `from` onto `to` (p_to ≈ A·p_from + t) in the least-squares sense:
 * 12 unknowns, so at least 4 pairs that do not lie in one plane. Solved on centred points
 * (normal equations of a 3×3 system, well conditioned once the centroid is removed); the
 * translation then makes the centroids coincide.
 */
export function solveAffineFromLandmarks(from: Vec3[], to: Vec3[]): AffineLandmarkFit {
  if (from.length !== to.length) throw new LandmarkError(`${from.length} and ${to.length} points: every landmark needs its pair`);
  if (from.length < 4) throw new LandmarkError(`an affine transform needs at least 4 landmark pairs, got ${from.length}`);
  const cf = centroid(from);
  const ct = centroid(to);
  // C = Σ (f − cf)(f − cf)ᵀ, D = Σ (t − ct)(f − cf)ᵀ; A = D·C⁻¹.
  const C = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const D = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let k = 0; k < from.length; k++) {
    const f = [0, 1, 2].map((i) => from[k][i] - cf[i]);
    const t = [0, 1, 2].map((i) => to[k][i] - ct[i]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      C[i][j] += f[i] * f[j];
      D[i][j] += t[i] * f[j];
    }
  }
  const spread = symmetricEigen(C).values.sort((a, b) => b - a);
  if (spread[2] < 1e-6 * Math.max(spread[0], 1e-12)) throw new LandmarkError('the landmarks lie in one plane (or on a line): an affine fit needs points spread in all three directions; use a rigid fit or add a point out of the plane');
  const det =
    C[0][0] * (C[1][1] * C[2][2] - C[1][2] * C[2][1]) - C[0][1] * (C[1][0] * C[2][2] - C[1][2] * C[2][0]) + C[0][2] * (C[1][0] * C[2][1] - C[1][1] * C[2][0]);
  const Ci = [
    [(C[1][1] * C[2][2] - C[1][2] * C[2][1]) / det, (C[0][2] * C[2][1] - C[0][1] * C[2][2]) / det, (C[0][1] * C[1][2] - C[0][2] * C[1][1]) / det],
    [(C[1][2] * C[2][0] - C[1][0] * C[2][2]) / det, (C[0][0] * C[2][2] - C[0][2] * C[2][0]) / det, (C[0][2] * C[1][0] - C[0][0] * C[1][2]) / det],
    [(C[1][0] * C[2][1] - C[1][1] * C[2][0]) / det, (C[0][1] * C[2][0] - C[0][0] * C[2][1]) / det, (C[0][0] * C[1][1] - C[0][1] * C[1][0]) / det],
  ];
  const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => D[i][0] * Ci[0][j] + D[i][1] * Ci[1][j] + D[i][2] * Ci[2][j]));
  const t = [0, 1, 2].map((i) => ct[i] - (A[i][0] * cf[0] + A[i][1] * cf[1] + A[i][2] * cf[2]));
  const matrix: AffineLandmarkFit['matrix'] = [
    [A[0][0], A[0][1], A[0][2], t[0]],
    [A[1][0], A[1][1], A[1][2], t[1]],
    [A[2][0], A[2][1], A[2][2], t[2]],
    [0, 0, 0, 1],
  ];
  const residualsMm = from.map((p, k) => {
    const q = [0, 1, 2].map((i) => A[i][0] * p[0] + A[i][1] * p[1] + A[i][2] * p[2] + t[i]);
    return Math.hypot(q[0] - to[k][0], q[1] - to[k][1], q[2] - to[k][2]);
  });
  const rmsErrorMm = Math.sqrt(residualsMm.reduce((a, r) => a + r * r, 0) / residualsMm.length);
  return { matrix, rmsErrorMm, residualsMm };
}
