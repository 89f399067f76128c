/**
 * Pure geometry of the measurement tools, in patient LPS mm on the plane of the slice
 * they are drawn on (`normal` is that plane's unit normal). Points follow the
 * Measurement schema: bidirectional = long-axis ends then short-axis ends; ellipse = two
 * axis end pairs.
 */
import type { Vec3, VolumeGeometry } from '../../../../core/api/types';
import { sliceSpacingAlongNormal, SLICE_VIEWS, viewFrame, type SliceViewKind } from '../viewer';
import { add, cross, dot, norm, normalizeOrZero, scale, sub } from '../../../../core/dicom/geometry';

/** Initial short axis as a fraction of the long axis (RECIST short axes are usually 0.5–0.8 of it). */
export const INITIAL_SHORT_FRACTION = 0.5;
/** Shortest axis a drag can leave (mm): an axis of length 0 has no direction. */
const MIN_AXIS_MM = 0.5;

const lerp = (a: Vec3, b: Vec3, t: number): Vec3 => add(a, scale(sub(b, a), t));

/** Unit in-plane direction perpendicular to the segment p0→p1. */
export function perpendicularIn(normal: Vec3, p0: Vec3, p1: Vec3): Vec3 {
  return normalizeOrZero(cross(normal, sub(p1, p0)));
}

/**
 * A bidirectional measurement by its long axis and where the short axis crosses it:
 * `t` the crossing as a fraction of the long axis from its first end, `offsets` the signed
 * distances (mm along the perpendicular) of the two short-axis ends from the crossing.
 */
export interface BidirectionalFrame {
  long: [Vec3, Vec3];
  t: number;
  offsets: [number, number];
}

export function bidirectionalPoints(f: BidirectionalFrame, normal: Vec3): [Vec3, Vec3, Vec3, Vec3] {
  const [p0, p1] = f.long;
  const v = perpendicularIn(normal, p0, p1);
  const x = lerp(p0, p1, f.t);
  return [p0, p1, add(x, scale(v, f.offsets[0])), add(x, scale(v, f.offsets[1]))];
}

export function bidirectionalFrame(points: Vec3[], normal: Vec3): BidirectionalFrame {
  const [p0, p1, s0, s1] = points;
  const axis = sub(p1, p0);
  const length = norm(axis);
  const u = length > 0 ? scale(axis, 1 / length) : ([1, 0, 0] as Vec3);
  const v = perpendicularIn(normal, p0, p1);
  const mid = lerp(s0, s1, 0.5);
  const t = length > 0 ? dot(sub(mid, p0), u) / length : 0.5;
  const x = add(p0, scale(u, t * length));
  return { long: [p0, p1], t, offsets: [dot(sub(s0, x), v), dot(sub(s1, x), v)] };
}

/** After the long axis is drawn: the short axis perpendicular at its midpoint, half its length. */
export function placeShortAxis(p0: Vec3, p1: Vec3, normal: Vec3, fraction = INITIAL_SHORT_FRACTION): [Vec3, Vec3, Vec3, Vec3] {
  const half = (norm(sub(p1, p0)) * fraction) / 2;
  return bidirectionalPoints({ long: [p0, p1], t: 0.5, offsets: [half, -half] }, normal);
}

/** Keep the short axis no longer than the long one (RECIST: the long axis is the longest diameter). */
function clampOffsets(offsets: [number, number], longMm: number): [number, number] {
  const span = Math.abs(offsets[0] - offsets[1]);
  if (span <= longMm || span === 0) return offsets;
  const k = longMm / span;
  return [offsets[0] * k, offsets[1] * k];
}

/**
 * Drag handle `index` (0, 1: long-axis ends; 2, 3: short-axis ends) of a bidirectional
 * measurement to `target` (on the slice plane). The short axis stays perpendicular to the
 * long axis and no longer than it:
 * - a long-axis end moves freely; the short axis keeps where it crosses (as a fraction)
 *   and its end offsets, and turns with the long axis;
 * - a short-axis end slides the crossing along the long axis and sets its own distance,
 *   staying on its side; the other short end keeps its distance.
 */
export function dragBidirectional(points: Vec3[], normal: Vec3, index: number, target: Vec3): [Vec3, Vec3, Vec3, Vec3] {
  const f = bidirectionalFrame(points, normal);
  if (index === 0 || index === 1) {
    const long: [Vec3, Vec3] = index === 0 ? [target, f.long[1]] : [f.long[0], target];
    const longMm = norm(sub(long[1], long[0]));
    if (longMm < MIN_AXIS_MM) return points.slice(0, 4) as [Vec3, Vec3, Vec3, Vec3];
    return bidirectionalPoints({ long, t: f.t, offsets: clampOffsets(f.offsets, longMm) }, normal);
  }
  const [p0, p1] = f.long;
  const longMm = norm(sub(p1, p0));
  const u = normalizeOrZero(sub(p1, p0));
  const v = perpendicularIn(normal, p0, p1);
  const t = Math.min(1, Math.max(0, dot(sub(target, p0), u) / longMm));
  const mine = index - 2;
  const other = 1 - mine;
  const otherOffset = f.offsets[other];
  let offset = dot(sub(target, add(p0, scale(u, t * longMm))), v);
  // Stay on the far side of the crossing from the other end (or cross over only when that end sits on it).
  const side = otherOffset !== 0 ? -Math.sign(otherOffset) : Math.sign(f.offsets[mine]) || 1;
  if (Math.sign(offset) !== side) offset = 0;
  const offsets: [number, number] = [0, 0];
  offsets[mine] = offset;
  offsets[other] = otherOffset;
  // The dragged end gives way when the short axis would outgrow the long one.
  if (Math.abs(offsets[0] - offsets[1]) > longMm) offsets[mine] = otherOffset + side * longMm;
  return bidirectionalPoints({ long: [p0, p1], t, offsets }, normal);
}

/** Ellipse inscribed in the screen-aligned box with corners c0, c1 (LPS mm, on the slice plane). */
export function ellipseFromCorners(c0: Vec3, c1: Vec3, right: Vec3, up: Vec3): [Vec3, Vec3, Vec3, Vec3] {
  const centre = lerp(c0, c1, 0.5);
  const d = sub(c1, c0);
  const a = Math.max(Math.abs(dot(d, right)) / 2, MIN_AXIS_MM / 2);
  const b = Math.max(Math.abs(dot(d, up)) / 2, MIN_AXIS_MM / 2);
  return [sub(centre, scale(right, a)), add(centre, scale(right, a)), add(centre, scale(up, b)), sub(centre, scale(up, b))];
}

/**
 * Drag handle `index` of an ellipse: the opposite end of that axis stays, the dragged end
 * follows the pointer along the axis, the centre moves to the new middle and the other
 * axis moves with it (its length and direction kept).
 */
export function dragEllipse(points: Vec3[], index: number, target: Vec3): [Vec3, Vec3, Vec3, Vec3] {
  const pair = index < 2 ? 0 : 2;
  const fixed = points[pair + (index % 2 === 0 ? 1 : 0)];
  const moving = points[index];
  const axis = normalizeOrZero(sub(moving, fixed));
  const length = Math.max(MIN_AXIS_MM, dot(sub(target, fixed), axis));
  const moved = add(fixed, scale(axis, length));
  const out = points.slice(0, 4) as [Vec3, Vec3, Vec3, Vec3];
  out[index] = moved;
  const centreBefore = lerp(points[pair], points[pair + 1], 0.5);
  const centreAfter = lerp(out[pair], out[pair + 1], 0.5);
  const shift = sub(centreAfter, centreBefore);
  const otherPair = 2 - pair;
  out[otherPair] = add(points[otherPair], shift);
  out[otherPair + 1] = add(points[otherPair + 1], shift);
  return out;
}

/** An ellipse's outline as a polygon (LPS mm), for drawing and hit-testing. */
export function ellipseOutline(points: Vec3[], segments = 64): Vec3[] {
  const [p0, p1, q0, q1] = points;
  const centre = lerp(p0, p1, 0.5);
  const ea = scale(sub(p1, p0), 0.5);
  const eb = scale(sub(q0, q1), 0.5);
  return Array.from({ length: segments }, (_, i) => {
    const angle = (2 * Math.PI * i) / segments;
    return add(centre, add(scale(ea, Math.cos(angle)), scale(eb, Math.sin(angle))));
  });
}

export function translatePoints(points: Vec3[], delta: Vec3): Vec3[] {
  return points.map((p) => add(p, delta));
}

/** Distance of a point from the plane through `planePoint` with unit `normal` (mm). */
export function distanceFromPlane(p: Vec3, planePoint: Vec3, normal: Vec3): number {
  return Math.abs(dot(sub(p, planePoint), normal));
}

/**
 * Whether a measurement belongs on the slice on screen: every point within half a slice
 * of its centre plane (drawn on this image, seen in this orientation).
 */
export function isOnSlice(points: Vec3[], planePoint: Vec3, normal: Vec3, sliceSpacingMm: number): boolean {
  const tolerance = sliceSpacingMm / 2 + 1e-3;
  return points.length > 0 && points.every((p) => distanceFromPlane(p, planePoint, normal) <= tolerance);
}

/**
 * The orientation a measurement was drawn in: the first of axial, coronal, sagittal whose
 * plane holds all its points (within half a slice). A caliper along x at one y and z lies
 * in an axial and a coronal plane alike; it was drawn on the axial image, as readers
 * measure. A measurement is shown in views of its own orientation only, as on the image
 * it was drawn on.
 */
export function drawnOrientation(points: Vec3[], geometry: VolumeGeometry): SliceViewKind | null {
  for (const kind of SLICE_VIEWS) {
    const frame = viewFrame(kind, geometry);
    const along = points.map((p) => dot(p, frame.dop));
    if (Math.max(...along) - Math.min(...along) <= sliceSpacingAlongNormal(geometry, frame) / 2 + 1e-3) return kind;
  }
  return null;
}
