import { describe, expect, it } from 'vitest';
import type { Vec3, VolumeGeometry } from '../../../../core/api/types';
import { measurementNumbers } from '../../../../core/measure/measure';
import {
  bidirectionalFrame,
  drawnOrientation,
  dragBidirectional,
  dragEllipse,
  ellipseFromCorners,
  isOnSlice,
  placeShortAxis,
} from './measureGeometry';

const AXIAL_NORMAL: Vec3 = [0, 0, 1];
const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const dotDir = (a0: Vec3, a1: Vec3, b0: Vec3, b1: Vec3) => {
  const u = [a1[0] - a0[0], a1[1] - a0[1], a1[2] - a0[2]];
  const v = [b1[0] - b0[0], b1[1] - b0[1], b1[2] - b0[2]];
  return (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (Math.hypot(...u) * Math.hypot(...v));
};

describe('bidirectional placement', () => {
  // A 40 mm long axis drawn obliquely on an axial slice at z = 120 mm.
  const p0: Vec3 = [10, 20, 120];
  const p1: Vec3 = [10 + 24, 20 + 32, 120];

  it('puts the short axis perpendicular at the midpoint, half the long axis, on the slice', () => {
    const [, , s0, s1] = placeShortAxis(p0, p1, AXIAL_NORMAL);
    expect(dist(s0, s1)).toBeCloseTo(20, 9);
    expect(dotDir(p0, p1, s0, s1)).toBeCloseTo(0, 9);
    const mid: Vec3 = [(s0[0] + s1[0]) / 2, (s0[1] + s1[1]) / 2, (s0[2] + s1[2]) / 2];
    expect(dist(mid, [22, 36, 120])).toBeCloseTo(0, 9);
    expect(s0[2]).toBe(120);
    // The registry's numbers for these points: 40.0 × 20.0 mm.
    const n = measurementNumbers('bidirectional', [p0, p1, s0, s1]);
    expect(n.longAxisMm).toBeCloseTo(40, 9);
    expect(n.shortAxisMm).toBeCloseTo(20, 9);
  });

  it('keeps the short axis perpendicular, crossing at the same place, when a long-axis end moves', () => {
    const start = placeShortAxis(p0, p1, AXIAL_NORMAL);
    const moved = dragBidirectional(start, AXIAL_NORMAL, 1, [60, 20, 120]);
    expect(moved[1]).toEqual([60, 20, 120]);
    expect(dotDir(moved[0], moved[1], moved[2], moved[3])).toBeCloseTo(0, 9);
    expect(dist(moved[2], moved[3])).toBeCloseTo(20, 9);
    expect(bidirectionalFrame(moved, AXIAL_NORMAL).t).toBeCloseTo(0.5, 9);
  });

  it('slides the crossing along the long axis and sets one end when a short-axis end moves', () => {
    // Long axis along x from 0 to 40; short axis ends at ±10 mm in y.
    const start = placeShortAxis([0, 0, 0], [40, 0, 0], AXIAL_NORMAL);
    const side = Math.sign(start[2][1]);
    const moved = dragBidirectional(start, AXIAL_NORMAL, 2, [10, side * 14, 0]);
    expect(moved[2][0]).toBeCloseTo(10, 9);
    expect(moved[2][1]).toBeCloseTo(side * 14, 9);
    expect(moved[3][0]).toBeCloseTo(10, 9); // the other end follows the crossing …
    expect(moved[3][1]).toBeCloseTo(-side * 10, 9); // … and keeps its distance
    expect(dotDir(moved[0], moved[1], moved[2], moved[3])).toBeCloseTo(0, 9);
  });

  it('never lets the short axis outgrow the long one, nor cross to the other end’s side', () => {
    const start = placeShortAxis([0, 0, 0], [40, 0, 0], AXIAL_NORMAL);
    const side = Math.sign(start[2][1]);
    const far = dragBidirectional(start, AXIAL_NORMAL, 2, [20, side * 100, 0]);
    expect(dist(far[2], far[3])).toBeCloseTo(40, 9);
    const crossed = dragBidirectional(start, AXIAL_NORMAL, 2, [20, -side * 5, 0]);
    expect(crossed[2][1]).toBeCloseTo(0, 9);
    const shortLong = dragBidirectional(start, AXIAL_NORMAL, 1, [12, 0, 0]);
    expect(dist(shortLong[2], shortLong[3])).toBeLessThanOrEqual(12 + 1e-9);
  });
});

describe('ellipse', () => {
  const right: Vec3 = [1, 0, 0];
  const up: Vec3 = [0, -1, 0]; // axial: anterior (−y) at the top

  it('is inscribed in the dragged box, axes along the screen', () => {
    const pts = ellipseFromCorners([0, 0, 50], [30, -20, 50], right, up);
    const n = measurementNumbers('ellipse', pts);
    expect(n.longAxisMm).toBeCloseTo(30, 9);
    expect(n.shortAxisMm).toBeCloseTo(20, 9);
    expect(n.areaMm2).toBeCloseTo(Math.PI * 15 * 10, 6);
  });

  it('moves one end of an axis, keeping the opposite end, and re-centres the other axis', () => {
    const pts = ellipseFromCorners([0, 0, 50], [30, -20, 50], right, up);
    const out = dragEllipse(pts, 1, [40, -3, 50]);
    expect(out[0]).toEqual(pts[0]);
    expect(out[1][0]).toBeCloseTo(40, 9);
    expect(out[1][1]).toBeCloseTo(-10, 9); // stays on its axis
    expect((out[2][0] + out[3][0]) / 2).toBeCloseTo(20, 9);
    expect(dist(out[2], out[3])).toBeCloseTo(20, 9);
  });
});

describe('isOnSlice', () => {
  it('shows a measurement within half a slice of the plane only', () => {
    const pts: Vec3[] = [[0, 0, 100], [10, 0, 100]];
    expect(isOnSlice(pts, [5, 5, 101.2], AXIAL_NORMAL, 2.5)).toBe(true);
    expect(isOnSlice(pts, [5, 5, 101.3], AXIAL_NORMAL, 2.5)).toBe(false);
    expect(isOnSlice(pts, [5, 5, 97.5], AXIAL_NORMAL, 2.5)).toBe(false);
  });
});

describe('drawnOrientation', () => {
  const g: VolumeGeometry = { dims: [100, 100, 40], spacingMm: [0.8, 0.8, 2.5], originMm: [-40, -40, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  it('says which image a measurement was drawn on', () => {
    // Along x at one y and z: in an axial and a coronal plane alike — read as axial.
    expect(drawnOrientation([[0, 5, 50], [20, 5, 50]], g)).toBe('axial');
    expect(drawnOrientation([[0, 5, 50], [0, 5, 70], [10, 5, 60]], g)).toBe('coronal');
    expect(drawnOrientation([[3, 0, 50], [3, 20, 70], [3, 10, 40]], g)).toBe('sagittal');
    expect(drawnOrientation([[0, 0, 50], [10, 10, 60], [20, 0, 70]], g)).toBeNull();
  });
});
