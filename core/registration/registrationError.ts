/**
 * Corresponding points between two exams and how well a transform maps one onto the other:
 * the target registration error (TRE) at points that were not used to compute it
 * (Fitzpatrick & West, IEEE TMI 20(9):917–927, 2001) — for the phantom, lesion centres whose
 * true positions are known in both exams; in clinical use, landmarks a reader clicked.
 */
import type { Vec3 } from '../api/types';
import { applyMat4, mat4FromRigid, type Mat4 } from './affine';
import { LandmarkError, solveAffineFromLandmarks, solveRigidFromLandmarks } from './landmarks';

/** The same anatomical point in the fixed (baseline) and the moving (follow-up) exam, LPS mm. */
export interface LandmarkPair {
  fixedMm: Vec3;
  movingMm: Vec3;
  /** What the point is ("L3 centre", "portal vein bifurcation"), for reports. */
  label?: string;
}

export interface RegistrationErrorReport {
  /** |T(fixed) − moving| per pair, mm, in the order given. */
  perPointMm: number[];
  labels: (string | null)[];
  count: number;
  medianMm: number;
  meanMm: number;
  maxMm: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Distances between where `fixedToMoving` sends each fixed point and its moving partner. */
export function registrationError(fixedToMoving: Mat4, pairs: readonly LandmarkPair[]): RegistrationErrorReport {
  if (pairs.length === 0) throw new LandmarkError('no point pairs to measure the registration error on');
  const perPointMm = pairs.map((p) => {
    const q = applyMat4(fixedToMoving, p.fixedMm);
    return Math.hypot(q[0] - p.movingMm[0], q[1] - p.movingMm[1], q[2] - p.movingMm[2]);
  });
  return {
    perPointMm,
    labels: pairs.map((p) => p.label ?? null),
    count: perPointMm.length,
    medianMm: median(perPointMm),
    meanMm: perPointMm.reduce((a, b) => a + b, 0) / perPointMm.length,
    maxMm: Math.max(...perPointMm),
  };
}

export type LandmarkTransformKind = 'rigid' | 'affine';

export interface LandmarkTransformFit {
  kind: LandmarkTransformKind;
  /** Fixed (baseline) LPS → moving (follow-up) LPS, like an elastix result. */
  matrix: Mat4;
  rmsErrorMm: number;
  residualsMm: number[];
}

/**
 * A fixed → moving transform from clicked pairs (manual correction of a registration): rigid
 * (Horn, ≥ 3 pairs) or affine (least squares, ≥ 4 pairs not in one plane).
 */
export function fitLandmarkTransform(pairs: readonly LandmarkPair[], kind: LandmarkTransformKind): LandmarkTransformFit {
  const fixed = pairs.map((p) => p.fixedMm);
  const moving = pairs.map((p) => p.movingMm);
  if (kind === 'rigid') {
    // solveRigidFromLandmarks(a, b) fits p_a ≈ R·p_b + t: ask for moving ≈ R·fixed + t.
    const fit = solveRigidFromLandmarks(moving, fixed);
    return { kind, matrix: mat4FromRigid(fit), rmsErrorMm: fit.rmsErrorMm, residualsMm: fit.residualsMm };
  }
  const fit = solveAffineFromLandmarks(fixed, moving);
  return { kind, matrix: fit.matrix, rmsErrorMm: fit.rmsErrorMm, residualsMm: fit.residualsMm };
}
