/**
 * Editing operations behind the UI's brush, eraser and region-grow tools. Each one
 * touches only the voxels it can change (the disk's box, the grown region), never
 * the whole volume.
 */
import type { Vec3, VolumeGeometry } from '../api/types';
import { lpsToIndex } from '../dicom/geometry';
import { assertOnGrid, MaskError, voxelCountOf, type VoxelBox } from './mask';

/** Voxel index axis normal to the painted slice: 0 = i (sagittal for an axial scan), 1 = j (coronal), 2 = k (axial). */
export type SliceAxis = 0 | 1 | 2;

/** Inclusive HU window. */
export interface HuRange {
  minHu: number;
  maxHu: number;
}

function inPlaneAxes(sliceAxis: SliceAxis): [number, number] {
  if (sliceAxis === 0) return [1, 2];
  if (sliceAxis === 1) return [0, 2];
  return [0, 1];
}

/** Cosine of the angle between two index axes of the grid (0 for an orthogonal grid). */
function axisCos(geometry: VolumeGeometry, a: number, b: number): number {
  const d = geometry.direction;
  return d[3 * a] * d[3 * b] + d[3 * a + 1] * d[3 * b + 1] + d[3 * a + 2] * d[3 * b + 2];
}

/**
 * Paint a disk of `radiusMm` around `centreLps` on the slice (normal to `sliceAxis`)
 * nearest to the centre: every voxel whose centre is within the radius gets `value`.
 * The voxel nearest the centre is always included, so a click paints something even
 * with a brush smaller than a voxel. With `huRange`, only voxels whose HU lies in it
 * change (the "paint only contrast-filled tissue" brush); `volume` is then required.
 * Returns the number of voxels that changed.
 */
export function paintDisk(
  mask: Uint8Array,
  geometry: VolumeGeometry,
  centreLps: Vec3,
  radiusMm: number,
  sliceAxis: SliceAxis,
  value: number,
  huRange?: HuRange,
  volume?: Int16Array,
): number {
  assertOnGrid('the mask', mask, geometry);
  if (!(radiusMm >= 0) || !Number.isFinite(radiusMm)) throw new RangeError(`brush radius must be a finite number ≥ 0 mm, got ${radiusMm}`);
  if (!Number.isInteger(value) || value < 0 || value > 255) throw new RangeError(`mask value must be an integer 0…255, got ${value}`);
  if (huRange) {
    if (!volume) throw new MaskError('an HU-limited brush needs the volume');
    assertOnGrid('the volume', volume, geometry);
  }
  const dims = geometry.dims;
  const centre = lpsToIndex(geometry, centreLps);
  const slice = Math.round(centre[sliceAxis]);
  if (slice < 0 || slice >= dims[sliceAxis]) return 0;

  const [a, b] = inPlaneAxes(sliceAxis);
  const sa = geometry.spacingMm[a];
  const sb = geometry.spacingMm[b];
  const cos = axisCos(geometry, a, b);
  const sin = Math.sqrt(Math.max(1e-12, 1 - cos * cos));
  // Index extent of the disk along each in-plane axis (exact for sheared grids too).
  const reachA = radiusMm / (sa * sin);
  const reachB = radiusMm / (sb * sin);
  const a0 = Math.max(0, Math.ceil(centre[a] - reachA));
  const a1 = Math.min(dims[a] - 1, Math.floor(centre[a] + reachA));
  const b0 = Math.max(0, Math.ceil(centre[b] - reachB));
  const b1 = Math.min(dims[b] - 1, Math.floor(centre[b] + reachB));
  const nearestA = Math.round(centre[a]);
  const nearestB = Math.round(centre[b]);

  const stride = [1, dims[0], dims[0] * dims[1]];
  const r2 = radiusMm * radiusMm;
  let changed = 0;
  const paintAt = (ia: number, ib: number) => {
    const p = slice * stride[sliceAxis] + ia * stride[a] + ib * stride[b];
    if (mask[p] === value) return;
    if (huRange && volume) {
      const hu = volume[p];
      if (hu < huRange.minHu || hu > huRange.maxHu) return;
    }
    mask[p] = value;
    changed++;
  };
  for (let ib = b0; ib <= b1; ib++) {
    const db = (ib - centre[b]) * sb;
    for (let ia = a0; ia <= a1; ia++) {
      const da = (ia - centre[a]) * sa;
      if (da * da + db * db + 2 * da * db * cos <= r2) paintAt(ia, ib);
    }
  }
  if (nearestA >= 0 && nearestA < dims[a] && nearestB >= 0 && nearestB < dims[b]) paintAt(nearestA, nearestB);
  return changed;
}

/** The eraser: paintDisk with value 0. */
export function erase(
  mask: Uint8Array,
  geometry: VolumeGeometry,
  centreLps: Vec3,
  radiusMm: number,
  sliceAxis: SliceAxis,
  huRange?: HuRange,
  volume?: Int16Array,
): number {
  return paintDisk(mask, geometry, centreLps, radiusMm, sliceAxis, 0, huRange, volume);
}

export type RegionGrowCriterion = HuRange | { toleranceHu: number };

export interface RegionGrowResult {
  /** Full-size mask, 1 inside the grown region. */
  mask: Uint8Array;
  voxelCount: number;
  /** True when the region reached `maxVoxels` with voxels still left to add. */
  truncated: boolean;
  /** Inclusive voxel box of the region, null when empty. */
  box: VoxelBox | null;
  /** The HU window actually used (a tolerance is resolved around the seed's neighbourhood mean). */
  huRange: HuRange;
}

/**
 * 6-connected region growing from `seedIjk` over voxels whose HU lies in the window,
 * optionally only where `restrictMask` is non-zero (e.g. inside the liver). Breadth
 * first, so a region cut off at `maxVoxels` is the part nearest the seed, not a
 * tendril. `{ toleranceHu }` centres the window on the mean of the seed's 3×3×3
 * neighbourhood rather than the seed voxel alone, which would carry the image noise
 * (about 10–20 HU on contrast CT). A seed outside the window or the restriction gives
 * an empty region.
 */
export function regionGrow(
  volume: Int16Array,
  geometry: VolumeGeometry,
  seedIjk: Vec3,
  criterion: RegionGrowCriterion,
  maxVoxels: number,
  restrictMask?: Uint8Array,
): RegionGrowResult {
  assertOnGrid('the volume', volume, geometry);
  if (restrictMask) assertOnGrid('the restriction mask', restrictMask, geometry);
  if (!Number.isInteger(maxVoxels) || maxVoxels < 1) throw new RangeError(`maxVoxels must be a positive integer, got ${maxVoxels}`);
  const [nx, ny, nz] = geometry.dims;
  const [si, sj, sk] = seedIjk.map(Math.round);
  if (si < 0 || sj < 0 || sk < 0 || si >= nx || sj >= ny || sk >= nz) {
    throw new RangeError(`seed [${seedIjk.join(', ')}] is outside the volume ${geometry.dims.join('×')}`);
  }
  const plane = nx * ny;
  const seed = sk * plane + sj * nx + si;

  let huRange: HuRange;
  if ('toleranceHu' in criterion) {
    let sum = 0;
    let n = 0;
    for (let k = Math.max(0, sk - 1); k <= Math.min(nz - 1, sk + 1); k++)
      for (let j = Math.max(0, sj - 1); j <= Math.min(ny - 1, sj + 1); j++)
        for (let i = Math.max(0, si - 1); i <= Math.min(nx - 1, si + 1); i++) {
          sum += volume[k * plane + j * nx + i];
          n++;
        }
    const centreHu = sum / n;
    huRange = { minHu: centreHu - criterion.toleranceHu, maxHu: centreHu + criterion.toleranceHu };
  } else {
    huRange = { minHu: criterion.minHu, maxHu: criterion.maxHu };
  }

  const mask = new Uint8Array(voxelCountOf(geometry));
  const accepts = (p: number) => {
    const hu = volume[p];
    return hu >= huRange.minHu && hu <= huRange.maxHu && (!restrictMask || restrictMask[p] !== 0);
  };
  if (!accepts(seed)) return { mask, voxelCount: 0, truncated: false, box: null, huRange };

  // Every voxel enters the queue once, so maxVoxels bounds the queue too.
  const queue = new Int32Array(Math.min(maxVoxels, mask.length));
  let head = 0;
  let tail = 0;
  queue[tail++] = seed;
  mask[seed] = 1;
  let truncated = false;
  const lo: Vec3 = [si, sj, sk];
  const hi: Vec3 = [si, sj, sk];
  const visit = (q: number) => {
    if (mask[q] !== 0 || !accepts(q)) return;
    if (tail >= maxVoxels) {
      truncated = true;
      return;
    }
    mask[q] = 1;
    queue[tail++] = q;
  };
  while (head < tail) {
    const p = queue[head++];
    const k = (p / plane) | 0;
    const r = p - k * plane;
    const j = (r / nx) | 0;
    const i = r - j * nx;
    if (i < lo[0]) lo[0] = i; if (i > hi[0]) hi[0] = i;
    if (j < lo[1]) lo[1] = j; if (j > hi[1]) hi[1] = j;
    if (k < lo[2]) lo[2] = k; if (k > hi[2]) hi[2] = k;
    if (i > 0) visit(p - 1);
    if (i < nx - 1) visit(p + 1);
    if (j > 0) visit(p - nx);
    if (j < ny - 1) visit(p + nx);
    if (k > 0) visit(p - plane);
    if (k < nz - 1) visit(p + plane);
  }
  return { mask, voxelCount: tail, truncated, box: { min: lo, max: hi }, huRange };
}
