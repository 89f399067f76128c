/**
 * Where a measurement is drawn on a view, in canvas pixels: its lines or outline, its
 * handles and its readout. The same layout serves drawing and hit-testing, so what the
 * reader sees is what the mouse finds.
 */
import type { MeasurementKind, Vec3 } from '../../../../core/api/types';
import { worldToCanvas, type SliceCamera } from '../viewer';
import type { DrawnMeasurement, Px } from './hitTest';
import { ellipseOutline } from './measureGeometry';

export const LABEL_FONT_PX = 12;
export const LABEL_LINE_PX = 15;
/** Average advance of the readout font (tabular digits), for its box before it is drawn. */
const CHAR_PX = 6.8;
const LABEL_GAP_PX = 10;

export interface LaidOutMeasurement extends DrawnMeasurement {
  kind: MeasurementKind;
  lines: string[];
  /** Baseline of the first readout line. */
  labelPx: Px;
  labelBox: { x: number; y: number; width: number; height: number };
  /** A line from the readout to its measurement, when the readout had to move away from it. */
  leaderPx?: [Px, Px];
}

/** Width of a readout line in pixels; by default estimated from its length. */
export type TextWidth = (text: string) => number;
const estimateWidth: TextWidth = (text) => text.length * CHAR_PX;

export function layoutMeasurement(
  camera: SliceCamera,
  id: number,
  kind: MeasurementKind,
  pointsLps: Vec3[],
  lines: string[],
  textWidth: TextWidth = estimateWidth,
): LaidOutMeasurement {
  const px = pointsLps.map((p) => worldToCanvas(camera, p));
  let handlesPx: Px[] = [];
  let paths: DrawnMeasurement['paths'] = [];
  switch (kind) {
    case 'length':
      handlesPx = px.slice(0, 2);
      paths = [{ points: px.slice(0, 2), closed: false }];
      break;
    case 'bidirectional':
      handlesPx = px.slice(0, 4);
      paths = [
        { points: px.slice(0, 2), closed: false },
        { points: px.slice(2, 4), closed: false },
      ];
      break;
    case 'ellipse':
      handlesPx = px.slice(0, 4);
      paths = [{ points: ellipseOutline(pointsLps).map((p) => worldToCanvas(camera, p)), closed: true }];
      break;
    case 'freehand':
      paths = [{ points: px, closed: true }];
      break;
  }
  const all = paths.flatMap((p) => p.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [w, h] = camera.viewportPx;
  const width = Math.max(...lines.map(textWidth), CHAR_PX) + 6;
  const height = lines.length * LABEL_LINE_PX + 4;
  // To the right of the measurement, level with its top; to the left where the view ends.
  let x = Math.max(...xs) + LABEL_GAP_PX;
  if (x + width > w - 4) x = Math.min(...xs) - LABEL_GAP_PX - width;
  x = Math.min(Math.max(x, 4), Math.max(4, w - width - 4));
  let y = Math.min(...ys);
  y = Math.min(Math.max(y, 4), Math.max(4, h - height - 4));
  return {
    id,
    kind,
    lines,
    handlesPx,
    paths,
    labelPx: [x + 3, y + LABEL_FONT_PX + 1],
    labelBox: { x, y, width, height },
  };
}

const overlaps = (a: LaidOutMeasurement['labelBox'], b: LaidOutMeasurement['labelBox'], gap: number): boolean =>
  a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;

function nearestPoint(p: Px, points: Px[]): Px {
  let best = points[0];
  let d = Infinity;
  for (const q of points) {
    const e = Math.hypot(q[0] - p[0], q[1] - p[1]);
    if (e < d) {
      d = e;
      best = q;
    }
  }
  return best;
}

/**
 * Readouts that would overlap are stacked: each moves below the ones already placed that
 * it touches (above them when the view ends), and gets a leader line back to its
 * measurement once it has moved away from it. Returns new items, in the same order.
 */
export function separateLabels(items: LaidOutMeasurement[], viewportPx: [number, number], gap = 3): LaidOutMeasurement[] {
  const [, h] = viewportPx;
  const order = items.map((item, i) => ({ item, i })).sort((a, b) => a.item.labelBox.y - b.item.labelBox.y || a.item.labelBox.x - b.item.labelBox.x);
  const placed: LaidOutMeasurement['labelBox'][] = [];
  const out: LaidOutMeasurement[] = new Array(items.length);
  for (const { item, i } of order) {
    const box = { ...item.labelBox };
    for (let tries = 0; tries < items.length + 1; tries++) {
      const hit = placed.find((p) => overlaps(box, p, gap));
      if (!hit) break;
      box.y = hit.y + hit.height + gap;
    }
    if (box.y + box.height > h - 4) {
      // Out of room below: above everything it would touch instead.
      box.y = item.labelBox.y;
      for (let tries = 0; tries < items.length + 1; tries++) {
        const hit = placed.find((p) => overlaps(box, p, gap));
        if (!hit) break;
        box.y = hit.y - box.height - gap;
      }
    }
    placed.push(box);
    const dy = box.y - item.labelBox.y;
    if (dy === 0) {
      out[i] = item;
      continue;
    }
    const anchor: Px = [box.x, box.y + box.height / 2];
    const points = item.paths.flatMap((p) => p.points);
    out[i] = {
      ...item,
      labelBox: box,
      labelPx: [item.labelPx[0], item.labelPx[1] + dy],
      leaderPx: Math.abs(dy) > LABEL_LINE_PX / 2 && points.length ? [anchor, nearestPoint(anchor, points)] : undefined,
    };
  }
  return out;
}
