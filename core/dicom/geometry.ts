/**
 * Series geometry from per-slice DICOM attributes, in patient LPS millimetres.
 *
 * DICOM PS3.3 C.7.6.2.1.1: ImageOrientationPatient holds the row direction
 * (direction of increasing column index) then the column direction; ImagePositionPatient
 * is the centre of the first transmitted voxel. PixelSpacing is [row spacing, column spacing],
 * i.e. [distance between rows (along the column direction), distance between columns].
 * The slice interval comes from the positions projected on the slice normal, never from
 * SliceThickness, which describes the reconstruction kernel and is often different.
 */
import type { Mat3, Vec3, VolumeGeometry } from '../api/types';

export interface SlicePlane {
  /** ImagePositionPatient */
  positionMm: Vec3;
  /** ImageOrientationPatient: row direction (x) then column direction (y). */
  orientation: [number, number, number, number, number, number];
  /** PixelSpacing as stored: [row spacing, column spacing]. */
  pixelSpacingMm: [number, number];
  rows: number;
  columns: number;
}

export interface StackResult<T> {
  geometry: VolumeGeometry;
  /** Input items in slice order (k = 0 … n−1), after dropping excluded items. */
  ordered: T[];
  /** Items that could not be part of the volume, with the reason. */
  excluded: { item: T; reason: string }[];
  warnings: string[];
  gantryTiltDeg: number;
}

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
export function scale(a: Vec3, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}
export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
export function norm(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}
export function normalize(a: Vec3): Vec3 {
  const n = norm(a);
  if (n === 0) throw new Error('cannot normalize a zero vector');
  return [a[0] / n, a[1] / n, a[2] / n];
}
/** Unit vector of `a`, or [0, 0, 0] for the zero vector (interactive geometry: a drag may start on its own end point). */
export function normalizeOrZero(a: Vec3): Vec3 {
  const n = norm(a);
  return n > 0 ? [a[0] / n, a[1] / n, a[2] / n] : [0, 0, 0];
}

/** Column `axis` of a column-major direction matrix: the LPS direction of voxel axis i, j or k. */
export function directionColumn(direction: Mat3, axis: 0 | 1 | 2): Vec3 {
  return [direction[3 * axis], direction[3 * axis + 1], direction[3 * axis + 2]];
}

export function rowDirection(o: SlicePlane['orientation']): Vec3 {
  return normalize([o[0], o[1], o[2]]);
}
export function columnDirection(o: SlicePlane['orientation']): Vec3 {
  return normalize([o[3], o[4], o[5]]);
}
export function sliceNormal(o: SlicePlane['orientation']): Vec3 {
  return normalize(cross(rowDirection(o), columnDirection(o)));
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(mm: number): string {
  return `${Math.round(mm * 1000) / 1000} mm`;
}

/** Key that groups planes that can share one volume grid. */
function gridKey(p: SlicePlane): string {
  const o = p.orientation.map((v) => Math.round(v * 1000) / 1000).join(',');
  const s = p.pixelSpacingMm.map((v) => Math.round(v * 10000) / 10000).join(',');
  return `${p.rows}x${p.columns}|${o}|${s}`;
}

/**
 * Sort planes along their normal and derive the volume geometry. Planes whose grid
 * (size, orientation, pixel spacing) differs from the majority are excluded with a reason;
 * duplicate positions keep the first plane. Missing slices, uneven spacing and gantry
 * tilt are reported as warnings; the geometry follows the true positions (for a tilted
 * stack the k axis follows the stack, so voxels stay where the scanner put them).
 */
export function stackSlices<T>(items: T[], planeOf: (item: T) => SlicePlane): StackResult<T> {
  if (items.length === 0) throw new Error('no slices to stack');
  const warnings: string[] = [];
  const excluded: { item: T; reason: string }[] = [];

  // Majority grid.
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = gridKey(planeOf(item));
    const g = groups.get(key);
    if (g) g.push(item);
    else groups.set(key, [item]);
  }
  let main: T[] = [];
  for (const g of groups.values()) if (g.length > main.length) main = g;
  if (groups.size > 1) {
    for (const g of groups.values()) {
      if (g === main) continue;
      for (const item of g) excluded.push({ item, reason: 'image size, orientation or pixel spacing differs from the rest of the series' });
    }
    warnings.push(`${items.length - main.length} of ${items.length} images excluded: their size, orientation or pixel spacing differs from the rest of the series`);
  }

  const first = planeOf(main[0]);
  const normal = sliceNormal(first.orientation);
  const withPos = main.map((item) => ({ item, d: dot(planeOf(item).positionMm, normal) }));
  withPos.sort((a, b) => a.d - b.d);

  // Duplicate positions (e.g. two acquisitions in one series): keep the first.
  const ordered: { item: T; d: number }[] = [];
  let duplicates = 0;
  for (const e of withPos) {
    const prev = ordered[ordered.length - 1];
    if (prev && Math.abs(e.d - prev.d) < 1e-3) {
      duplicates++;
      excluded.push({ item: e.item, reason: `duplicate slice position (${fmt(e.d)} along the normal)` });
      continue;
    }
    ordered.push(e);
  }
  if (duplicates > 0) warnings.push(`${duplicates} images share a slice position with another and were excluded`);

  const rowDir = rowDirection(first.orientation);
  const colDir = columnDirection(first.orientation);
  const spacingX = first.pixelSpacingMm[1];
  const spacingY = first.pixelSpacingMm[0];

  let spacingZ = 1;
  let kDir: Vec3 = normal;
  let gantryTiltDeg = 0;
  if (ordered.length === 1) {
    warnings.push('single image: the slice interval is unknown and set to 1 mm');
  } else {
    const intervals: number[] = [];
    for (let i = 1; i < ordered.length; i++) intervals.push(ordered[i].d - ordered[i - 1].d);
    const typical = median(intervals);
    // Missing slices: an interval close to a whole multiple (≥ 2) of the typical one.
    let missing = 0;
    const gaps: string[] = [];
    let uneven = false;
    for (let i = 0; i < intervals.length; i++) {
      const ratio = intervals[i] / typical;
      const whole = Math.round(ratio);
      if (whole >= 2 && Math.abs(ratio - whole) < 0.1) {
        missing += whole - 1;
        gaps.push(`${whole - 1} between ${fmt(ordered[i].d)} and ${fmt(ordered[i + 1].d)}`);
      } else if (Math.abs(intervals[i] - typical) > Math.max(0.01 * typical, 0.01)) {
        uneven = true;
      }
    }
    if (missing > 0) warnings.push(`${missing} missing slice${missing > 1 ? 's' : ''} (${gaps.slice(0, 3).join('; ')}${gaps.length > 3 ? '; …' : ''})`);
    if (uneven) {
      warnings.push(`uneven slice spacing: intervals from ${fmt(Math.min(...intervals))} to ${fmt(Math.max(...intervals))} (typical ${fmt(typical)})`);
    }
    spacingZ = typical;

    // Gantry tilt: the stack direction (first → last position) is not the slice normal.
    const firstPos = planeOf(ordered[0].item).positionMm;
    const lastPos = planeOf(ordered[ordered.length - 1].item).positionMm;
    const stack = sub(lastPos, firstPos);
    const stackLen = norm(stack);
    const cosAngle = Math.min(1, Math.abs(dot(stack, normal)) / stackLen);
    const angle = (Math.acos(cosAngle) * 180) / Math.PI;
    if (angle > 0.01) {
      gantryTiltDeg = Math.round(angle * 100) / 100;
      warnings.push(`gantry tilt of ${gantryTiltDeg}°: slices are not perpendicular to the stack; geometry follows the true slice positions`);
      kDir = normalize(stack);
      // Distance between slice origins along the stack.
      spacingZ = (typical * stackLen) / Math.abs(dot(stack, normal));
    }
  }

  const originMm = planeOf(ordered[0].item).positionMm;
  const direction: Mat3 = [rowDir[0], rowDir[1], rowDir[2], colDir[0], colDir[1], colDir[2], kDir[0], kDir[1], kDir[2]];
  return {
    geometry: {
      dims: [first.columns, first.rows, ordered.length],
      spacingMm: [spacingX, spacingY, spacingZ],
      originMm: [originMm[0], originMm[1], originMm[2]],
      direction,
    },
    ordered: ordered.map((e) => e.item),
    excluded,
    warnings,
    gantryTiltDeg,
  };
}

/** LPS position of the centre of voxel (i, j, k). */
export function indexToLps(g: VolumeGeometry, ijk: Vec3): Vec3 {
  const [sx, sy, sz] = g.spacingMm;
  const d = g.direction;
  const a = ijk[0] * sx;
  const b = ijk[1] * sy;
  const c = ijk[2] * sz;
  return [
    g.originMm[0] + d[0] * a + d[3] * b + d[6] * c,
    g.originMm[1] + d[1] * a + d[4] * b + d[7] * c,
    g.originMm[2] + d[2] * a + d[5] * b + d[8] * c,
  ];
}

/** Continuous voxel index of an LPS point (inverse of indexToLps; direction may be non-orthogonal). */
export function lpsToIndex(g: VolumeGeometry, p: Vec3): Vec3 {
  // Invert the direction alone, then divide by the spacing: exact for the usual axis-aligned
  // grids (identity or a permutation), where scaling the matrix first would add round-off.
  const m = g.direction;
  // Column-major: element (row r, column c) = m[3c + r].
  const a = m[0], b = m[3], c = m[6];
  const d = m[1], e = m[4], f = m[7];
  const gg = m[2], h = m[5], i = m[8];
  const A = e * i - f * h;
  const B = -(d * i - f * gg);
  const C = d * h - e * gg;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12 || !g.spacingMm.every((mm) => mm > 0)) throw new Error('degenerate volume geometry');
  const s = 1 / det;
  // Rows of the inverse (adjugate / det).
  const inv = [
    [A * s, -(b * i - c * h) * s, (b * f - c * e) * s],
    [B * s, (a * i - c * gg) * s, -(a * f - c * d) * s],
    [C * s, -(a * h - b * gg) * s, (a * e - b * d) * s],
  ];
  const r = sub(p, g.originMm);
  return [0, 1, 2].map((k) => (inv[k][0] * r[0] + inv[k][1] * r[1] + inv[k][2] * r[2]) / g.spacingMm[k]) as Vec3;
}

/**
 * Patient-orientation label of a direction in LPS (DICOM PS3.3 C.7.6.1.1.1):
 * +x → L, −x → R, +y → P, −y → A, +z → H (S), −z → F (I); strongest first ("LP", "S").
 * A letter appears when the UNIT direction's component along its axis is at least
 * `minComponent` (0.25: tilted ≥ 14.5° towards that axis). The threshold is absolute, not a
 * fraction of the largest component, so an oblique series gets the same letters for the same
 * tilt whatever its in-plane rotation (a relative threshold labels a 12° tilt "LPS" on a 45°
 * in-plane oblique but "L" on a straight one). The zero vector has no label.
 */
export function orientationLabel(v: Vec3, minComponent = 0.25): string {
  const unit = normalizeOrZero(v);
  const letters: [string, string][] = [['L', 'R'], ['P', 'A'], ['S', 'I']];
  return [0, 1, 2]
    .filter((a) => Math.abs(unit[a]) >= minComponent)
    .sort((a, b) => Math.abs(unit[b]) - Math.abs(unit[a]))
    .map((a) => (unit[a] > 0 ? letters[a][0] : letters[a][1]))
    .join('');
}
