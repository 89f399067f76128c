/**
 * Corresponding points for a manual registration: the reader clicks a point in the baseline,
 * then the same anatomical point in the follow-up (or the other way round), pair after pair.
 * Plain data in patient LPS millimetres; pure functions, tested beside this file.
 */
import type { Vec3 } from '../../../../core/api/types';

export interface LandmarkPair {
  /** Baseline (fixed) LPS mm. */
  fixedMm: Vec3 | null;
  /** Follow-up (moving) LPS mm. */
  movingMm: Vec3 | null;
}

export interface LandmarkSession {
  fixedSeriesId: number;
  movingSeriesId: number;
  pairs: LandmarkPair[];
}

export type LandmarkSide = 'fixed' | 'moving';

/** The fewest pairs a rigid fit takes (the server refuses fewer). */
export const MIN_PAIRS = 3;
/** An affine fit has 12 unknowns: 4 pairs determine it, more make it a least-squares fit. */
export const MIN_AFFINE_PAIRS = 4;

export function sideOf(session: LandmarkSession, seriesId: number): LandmarkSide | null {
  return seriesId === session.fixedSeriesId ? 'fixed' : seriesId === session.movingSeriesId ? 'moving' : null;
}

const complete = (p: LandmarkPair): boolean => p.fixedMm !== null && p.movingMm !== null;

/** Which exam the next click is expected in: the missing half of the open pair, else the baseline. */
export function nextSide(session: LandmarkSession): LandmarkSide {
  const last = session.pairs.at(-1);
  if (last && !complete(last)) return last.fixedMm === null ? 'fixed' : 'moving';
  return 'fixed';
}

/**
 * A click at `lps` in series `seriesId`: fills the open pair's half for that exam (a second
 * click in the same exam moves the point: the reader corrects it), or starts a new pair.
 * Clicks in other series are ignored.
 */
export function placePoint(session: LandmarkSession, seriesId: number, lps: Vec3): { session: LandmarkSession; pairIndex: number } | null {
  const side = sideOf(session, seriesId);
  if (!side) return null;
  const pairs = session.pairs.map((p) => ({ ...p }));
  const last = pairs.at(-1);
  const key = side === 'fixed' ? 'fixedMm' : 'movingMm';
  if (last && !complete(last)) {
    last[key] = [...lps] as Vec3;
    return { session: { ...session, pairs }, pairIndex: pairs.length - 1 };
  }
  pairs.push({ fixedMm: null, movingMm: null, [key]: [...lps] as Vec3 });
  return { session: { ...session, pairs }, pairIndex: pairs.length - 1 };
}

export function removePair(session: LandmarkSession, index: number): LandmarkSession {
  return { ...session, pairs: session.pairs.filter((_, i) => i !== index) };
}

/** The pairs with both points, as the API takes them. */
export function completePairs(session: LandmarkSession): { fixedMm: Vec3; movingMm: Vec3 }[] {
  return session.pairs.filter(complete).map((p) => ({ fixedMm: p.fixedMm!, movingMm: p.movingMm! }));
}

/** Which fits the pairs allow: rigid from 3, affine from 4. */
export function allowedKinds(pairCount: number): ('rigid' | 'affine')[] {
  if (pairCount < MIN_PAIRS) return [];
  return pairCount >= MIN_AFFINE_PAIRS ? ['rigid', 'affine'] : ['rigid'];
}
