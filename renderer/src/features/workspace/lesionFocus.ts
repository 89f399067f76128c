/**
 * Where a viewport group goes when a lesion is chosen: the lesion's latest measurement on
 * the group's series (every exam has its own), at the centre of the views — or, in an exam
 * where the lesion has none, the place a registration says corresponds to it.
 */
import type { Measurement, Vec3 } from '../../../../core/api/types';
import { correspondingPoint, type ExamTransform } from '../viewer';

/** The lesion's most recently changed measurement on `seriesId`, or null. */
export function latestMeasurementOn(measurements: Measurement[], seriesId: number): Measurement | null {
  let best: Measurement | null = null;
  for (const m of measurements) {
    if (m.seriesId !== seriesId) continue;
    if (!best || m.updatedAt > best.updatedAt || (m.updatedAt === best.updatedAt && m.id > best.id)) best = m;
  }
  return best;
}

/** The point to centre on: the middle of the measurement's points (all on its slice). */
export function measurementCentreLps(m: Measurement): Vec3 {
  const n = m.pointsLps.length;
  const c: Vec3 = [0, 0, 0];
  for (const p of m.pointsLps) for (let i = 0; i < 3; i++) c[i] += p[i] / n;
  return c;
}

/**
 * Where each group centres: on the lesion's own measurement in its exam; where it has none,
 * on the other group's carried through the registration (an exam where the lesion is not
 * measured yet — a follow-up still to be read, a baseline a new lesion was not on). Null:
 * the group stays (no measurement, or table position only).
 */
export function focusTargets(own: Record<'a' | 'b', Vec3 | null>, transform: ExamTransform): Record<'a' | 'b', Vec3 | null> {
  return {
    a: own.a ?? (own.b ? correspondingPoint(transform, 'bToA', own.b) : null),
    b: own.b ?? (own.a ? correspondingPoint(transform, 'aToB', own.a) : null),
  };
}
