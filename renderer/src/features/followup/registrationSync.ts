/**
 * Synchronized navigation through a registration: which transform links the two exams
 * shown side by side, and when the follower exam should be re-centred. Pure functions
 * (plain data in, plain data out), tested beside this file.
 *
 * A stored registration maps FIXED (baseline) LPS mm to MOVING (follow-up) LPS mm. The
 * compare view's groups are "a" (the exam opened from the library) and "b" (the exam it is
 * compared with) — either may be the baseline, so the direction is chosen here.
 */
import type { RegistrationInfo, Vec3, VolumeGeometry } from '../../../../core/api/types';
import { transformPath, type TransformPathKind } from '../../../../core/registration/transformPath';
import { type ExamTransform, sliceCamera, SLICE_VIEWS, worldToCanvas, type SliceViewKind, type ViewTransform } from '../viewer';
import { lpsToIndex } from '../../../../core/dicom/geometry';

/** How group a's exam is linked to group b's, and the registrations that make the link. */
export interface GroupLink {
  transform: ExamTransform;
  /** The registrations used (empty: table position, or one frame of reference). */
  registrations: RegistrationInfo[];
  /**
   * How the link was found: one registration either way, both exams through a common
   * baseline, or none needed (the two series share a frame of reference).
   */
  how: 'tablePosition' | Exclude<TransformPathKind, 'sameSeries'>;
}

const TABLE: GroupLink = { transform: { kind: 'tablePosition' }, registrations: [], how: 'tablePosition' };

/**
 * The transform from group a's series (LPS) to group b's, as the server's mapPoint finds it
 * (core/registration/transformPath): one frame of reference (identity), direct (a is the
 * baseline), inverted (a is the follow-up), or a → common baseline → b. None, or the same
 * series in both groups: table position.
 */
export function groupLinkFor(
  regs: readonly RegistrationInfo[],
  seriesA: number | null,
  seriesB: number | null,
  frameOfReferenceUid: { a?: string | null; b?: string | null } = {},
): GroupLink {
  if (seriesA === null || seriesB === null || seriesA === seriesB) return TABLE;
  const path = transformPath(regs, { seriesId: seriesA, frameOfReferenceUid: frameOfReferenceUid.a }, { seriesId: seriesB, frameOfReferenceUid: frameOfReferenceUid.b });
  if (!path || path.how === 'sameSeries') return TABLE;
  return { transform: { kind: 'affine', matrixAtoB: path.matrix }, registrations: path.registrations, how: path.how };
}

/** Same link? (Avoids replacing the store's transform with an equal one.) */
export function sameTransform(a: ExamTransform, b: ExamTransform): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'tablePosition' || b.kind === 'tablePosition') return true;
  return a.matrixAtoB.every((row, i) => row.every((v, j) => Math.abs(v - b.matrixAtoB[i][j]) < 1e-9));
}

/**
 * What a crosshair move in the leading exam was: a scroll moves it along one voxel axis
 * only (one slice); choosing a point (a click, a crosshair drag) moves it in the view's
 * plane, i.e. along two axes. Measured in voxel indices of the leading exam.
 */
export function cursorMoveKind(geometry: VolumeGeometry, before: Vec3 | null, after: Vec3): 'none' | 'scroll' | 'point' {
  if (!before) return 'point';
  const a = lpsToIndex(geometry, before);
  const b = lpsToIndex(geometry, after);
  const changed = [0, 1, 2].filter((k) => Math.abs(a[k] - b[k]) > 1e-3).length;
  return changed === 0 ? 'none' : changed === 1 ? 'scroll' : 'point';
}

/**
 * Whether `lps` is on screen, away from the edges (`marginFraction` of the size), in every
 * slice view of a group that has been laid out.
 */
export function visibleInViews(
  geometry: VolumeGeometry,
  viewTransforms: Record<SliceViewKind, ViewTransform>,
  viewportsPx: Record<SliceViewKind, [number, number]>,
  lps: Vec3,
  marginFraction = 0.1,
): boolean {
  for (const kind of SLICE_VIEWS) {
    const px = viewportsPx[kind];
    if (px[0] < 1 || px[1] < 1) continue;
    const camera = sliceCamera(geometry, kind, viewTransforms[kind], lps, px);
    const [x, y] = worldToCanvas(camera, lps);
    const mx = px[0] * marginFraction;
    const my = px[1] * marginFraction;
    if (x < mx || x > px[0] - mx || y < my || y > px[1] - my) return false;
  }
  return true;
}
