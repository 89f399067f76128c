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
import { composeMat4, invertMat4, type Mat4 } from '../../../../core/registration/affine';
import type { ExamTransform } from '../../viewer/groupSync';
import { lpsToIndex, sliceCamera, SLICE_VIEWS, worldToCanvas, type SliceViewKind, type ViewTransform } from '../../viewer/viewGeometry';

/** How group a's exam is linked to group b's, and the registrations that make the link. */
export interface GroupLink {
  transform: ExamTransform;
  /** The registrations used (empty: table position). */
  registrations: RegistrationInfo[];
  /** How the link was found: one registration either way, or both exams through a common baseline. */
  how: 'tablePosition' | 'direct' | 'inverse' | 'viaBaseline';
}

const TABLE: GroupLink = { transform: { kind: 'tablePosition' }, registrations: [], how: 'tablePosition' };

function flat(m: Mat4): number[] {
  return m.flatMap((row) => row);
}

function asMat4(m: number[][]): Mat4 {
  return m.map((row) => [row[0], row[1], row[2], row[3]]) as Mat4;
}

function current(regs: readonly RegistrationInfo[], fixed: number, moving: number): RegistrationInfo | undefined {
  // The newest current one wins if the store ever holds two (it supersedes, but be safe).
  return regs
    .filter((r) => r.status === 'current' && r.fixedSeriesId === fixed && r.movingSeriesId === moving)
    .sort((x, y) => y.id - x.id)[0];
}

/**
 * The transform from group a's series (LPS) to group b's, through the stored registrations,
 * as the server's mapPoint finds it: direct (a is the baseline), inverted (a is the
 * follow-up), or a → common baseline → b. None: table position.
 */
export function groupLinkFor(regs: readonly RegistrationInfo[], seriesA: number | null, seriesB: number | null): GroupLink {
  if (seriesA === null || seriesB === null || seriesA === seriesB) return TABLE;
  const direct = current(regs, seriesA, seriesB);
  if (direct) return { transform: { kind: 'affine', matrixAtoB: flat(asMat4(direct.matrix4x4)) }, registrations: [direct], how: 'direct' };
  const reverse = current(regs, seriesB, seriesA);
  if (reverse) return { transform: { kind: 'affine', matrixAtoB: flat(invertMat4(asMat4(reverse.matrix4x4))) }, registrations: [reverse], how: 'inverse' };
  // Two follow-ups registered to the same baseline: a → baseline → b.
  for (const fromA of regs.filter((r) => r.status === 'current' && r.movingSeriesId === seriesA).sort((x, y) => y.id - x.id)) {
    const toB = current(regs, fromA.fixedSeriesId, seriesB);
    if (toB) {
      const m = composeMat4(asMat4(toB.matrix4x4), invertMat4(asMat4(fromA.matrix4x4)));
      return { transform: { kind: 'affine', matrixAtoB: flat(m) }, registrations: [fromA, toB], how: 'viaBaseline' };
    }
  }
  return TABLE;
}

/** Same link? (Avoids replacing the store's transform with an equal one.) */
export function sameTransform(a: ExamTransform, b: ExamTransform): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'tablePosition' || b.kind === 'tablePosition') return true;
  return a.matrixAtoB.length === b.matrixAtoB.length && a.matrixAtoB.every((v, i) => Math.abs(v - b.matrixAtoB[i]) < 1e-9);
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
