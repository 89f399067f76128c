/**
 * Which stored registrations carry one series' patient LPS into another's: the path search
 * behind synchronized navigation (the compare view) and mapPoint. Pure: the caller hands in
 * the registrations (the registry's rows or the API's RegistrationInfo) and the two series.
 *
 * A registration maps its FIXED (baseline) series' LPS mm to its MOVING (follow-up) series'
 * LPS mm. From series A to series B, in this order:
 *  1. the same series, or two series that share a (non-empty) Frame of Reference UID
 *     (DICOM PS3.3 C.7.4.1: the same patient coordinate system): identity, no registration;
 *  2. a current registration A → B, as stored ('direct');
 *  3. a current registration B → A, inverted ('inverse');
 *  4. two follow-ups of one baseline: A → baseline → B ('viaBaseline');
 *  otherwise none (null). Superseded registrations are never used; should two current ones
 *  exist for one pair, the newest (highest id) wins; baselines are tried oldest first.
 */
import { composeMat4, identityMat4, invertMat4, mat4FromRows, type Mat4 } from './affine';

/** What the search needs of a stored registration. */
export interface RegistrationEdge {
  id: number;
  fixedSeriesId: number;
  movingSeriesId: number;
  /** Row-major 4×4: fixed (baseline) LPS mm → moving (follow-up) LPS mm. */
  matrix4x4: readonly (readonly number[])[];
  status: 'current' | 'superseded';
}

/** A series as the search sees it. */
export interface SeriesFrame {
  seriesId: number;
  /** DICOM FrameOfReferenceUID; empty or unknown never matches. */
  frameOfReferenceUid?: string | null;
}

export type TransformPathKind = 'sameSeries' | 'sameFrameOfReference' | 'direct' | 'inverse' | 'viaBaseline';

export interface TransformPath<R extends RegistrationEdge = RegistrationEdge> {
  how: TransformPathKind;
  /** Series `from` LPS mm → series `to` LPS mm, row-major. */
  matrix: Mat4;
  /** The registrations used: none, the one, or [from's registration to the baseline, the baseline's to `to`]. */
  registrations: R[];
}

function newestCurrent<R extends RegistrationEdge>(regs: readonly R[], fixedSeriesId: number, movingSeriesId: number): R | undefined {
  let best: R | undefined;
  for (const r of regs) {
    if (r.status !== 'current' || r.fixedSeriesId !== fixedSeriesId || r.movingSeriesId !== movingSeriesId) continue;
    if (!best || r.id > best.id) best = r;
  }
  return best;
}

/** The transform from series `from` to series `to` through `registrations`, or null when none links them. */
export function transformPath<R extends RegistrationEdge>(registrations: readonly R[], from: SeriesFrame, to: SeriesFrame): TransformPath<R> | null {
  if (from.seriesId === to.seriesId) return { how: 'sameSeries', matrix: identityMat4(), registrations: [] };
  if (from.frameOfReferenceUid && from.frameOfReferenceUid === to.frameOfReferenceUid) {
    return { how: 'sameFrameOfReference', matrix: identityMat4(), registrations: [] };
  }
  const direct = newestCurrent(registrations, from.seriesId, to.seriesId);
  if (direct) return { how: 'direct', matrix: mat4FromRows(direct.matrix4x4), registrations: [direct] };
  const reverse = newestCurrent(registrations, to.seriesId, from.seriesId);
  if (reverse) return { how: 'inverse', matrix: invertMat4(mat4FromRows(reverse.matrix4x4)), registrations: [reverse] };
  // Both registered to the same baseline: from → baseline → to.
  const baselines = [...new Set(registrations.filter((r) => r.status === 'current' && r.movingSeriesId === from.seriesId).sort((x, y) => x.id - y.id).map((r) => r.fixedSeriesId))];
  for (const baseline of baselines) {
    const toB = newestCurrent(registrations, baseline, to.seriesId);
    if (!toB) continue;
    const fromA = newestCurrent(registrations, baseline, from.seriesId)!;
    return { how: 'viaBaseline', matrix: composeMat4(mat4FromRows(toB.matrix4x4), invertMat4(mat4FromRows(fromA.matrix4x4))), registrations: [fromA, toB] };
  }
  return null;
}
