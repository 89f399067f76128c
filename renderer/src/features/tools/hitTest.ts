/**
 * What is under the mouse among the measurements drawn on a view, in canvas pixels: a
 * handle (to drag one point), or the outline or label (to select, move or delete).
 */
export type Px = [number, number];

export interface DrawnMeasurement {
  id: number;
  /** Draggable points, canvas px. */
  handlesPx: Px[];
  /** Lines and outlines, canvas px; closed ones join their last point to the first. */
  paths: { points: Px[]; closed: boolean }[];
  /** The readout's box, canvas px. */
  labelBox?: { x: number; y: number; width: number; height: number };
}

export type Hit = { id: number; part: 'handle'; index: number } | { id: number; part: 'body' };

export const HANDLE_RADIUS_PX = 7;
export const LINE_TOLERANCE_PX = 5;

/** Distance from p to the segment a–b (px). */
export function distanceToSegment(p: Px, a: Px, b: Px): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length2 = dx * dx + dy * dy;
  const t = length2 > 0 ? Math.min(1, Math.max(0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2)) : 0;
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

export function distanceToPath(p: Px, points: Px[], closed: boolean): number {
  let best = Infinity;
  const n = points.length;
  if (n === 1) return Math.hypot(p[0] - points[0][0], p[1] - points[0][1]);
  for (let i = 0; i + 1 < n; i++) best = Math.min(best, distanceToSegment(p, points[i], points[i + 1]));
  if (closed && n > 2) best = Math.min(best, distanceToSegment(p, points[n - 1], points[0]));
  return best;
}

/**
 * The nearest handle within `handleRadiusPx` wins (the selected measurement's first, so
 * its handles stay reachable where measurements overlap); otherwise the nearest outline
 * within `lineTolerancePx`, or a label under the mouse.
 */
export function hitTest(
  items: DrawnMeasurement[],
  p: Px,
  selectedId: number | null = null,
  handleRadiusPx = HANDLE_RADIUS_PX,
  lineTolerancePx = LINE_TOLERANCE_PX,
): Hit | null {
  const ordered = [...items].sort((a, b) => Number(b.id === selectedId) - Number(a.id === selectedId));
  const handle: { hit: Hit | null; distance: number } = { hit: null, distance: Infinity };
  for (const item of ordered) {
    for (let index = 0; index < item.handlesPx.length; index++) {
      const h = item.handlesPx[index];
      const d = Math.hypot(p[0] - h[0], p[1] - h[1]);
      if (d <= handleRadiusPx && d < handle.distance) {
        handle.hit = { id: item.id, part: 'handle', index };
        handle.distance = d;
      }
    }
    if (handle.hit && item.id === selectedId) return handle.hit;
  }
  if (handle.hit) return handle.hit;
  const body: { id: number | null; distance: number } = { id: null, distance: Infinity };
  for (const item of ordered) {
    for (const path of item.paths) {
      const d = distanceToPath(p, path.points, path.closed);
      if (d <= lineTolerancePx && d < body.distance) {
        body.id = item.id;
        body.distance = d;
      }
    }
    const box = item.labelBox;
    if (box && body.id === null && p[0] >= box.x && p[0] <= box.x + box.width && p[1] >= box.y && p[1] <= box.y + box.height) {
      body.id = item.id;
      body.distance = lineTolerancePx;
    }
  }
  return body.id !== null ? { id: body.id, part: 'body' } : null;
}
