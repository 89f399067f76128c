/**
 * Label masks for the 3D view (lesion masks drawn as coloured surfaces): plain data that
 * the features owning the masks hand to the viewer, and the pure steps from a mask on the
 * series grid to the field its surface is drawn from. Masks are on the series grid (x
 * fastest, then y, then slice); a lesion is small, so only its bounding box is kept.
 */
import type { Vec3 } from '../../../../../core/api/types';
import type { Rgb } from './lesionColours';

/** The voxels of one mask inside their bounding box on the series grid. */
export interface LabelCrop {
  /** Voxel index (on the series grid) of the crop's first voxel. */
  originIjk: Vec3;
  dims: Vec3;
  /** 1 inside, 0 outside, x fastest. */
  voxels: Uint8Array;
  voxelCount: number;
}

/** One mask the 3D view draws. */
export interface VolumeLabel {
  /** Stable identity ("lesion-12"): the view keeps a label's surface while its version holds. */
  key: string;
  /** What the legend says ("L1"). */
  name: string;
  /** 0–255, the colour the mask has in every view (lesionColour). */
  rgb: Rgb;
  /** Changes whenever the voxels do. */
  version: string;
  crop: LabelCrop;
}

/** Index bounds (inclusive) of a set of voxels; null while empty. */
interface Bounds {
  min: Vec3;
  max: Vec3;
}

function growBounds(b: Bounds | null, i: number, j: number, k: number): Bounds {
  if (!b) return { min: [i, j, k], max: [i, j, k] };
  if (i < b.min[0]) b.min[0] = i;
  if (j < b.min[1]) b.min[1] = j;
  if (k < b.min[2]) b.min[2] = k;
  if (i > b.max[0]) b.max[0] = i;
  if (j > b.max[1]) b.max[1] = j;
  if (k > b.max[2]) b.max[2] = k;
  return b;
}

function emptyCrop(b: Bounds): LabelCrop {
  const dims: Vec3 = [b.max[0] - b.min[0] + 1, b.max[1] - b.min[1] + 1, b.max[2] - b.min[2] + 1];
  return { originIjk: [...b.min], dims, voxels: new Uint8Array(dims[0] * dims[1] * dims[2]), voxelCount: 0 };
}

/**
 * The crop of a mask given as its non-zero runs (voxels [starts[r], ends[r]) are inside;
 * sorted, disjoint), on a grid of `gridDims`. Null when the mask is empty.
 */
export function cropFromRuns(starts: Int32Array, ends: Int32Array, gridDims: Vec3): LabelCrop | null {
  const [nx, ny] = gridDims;
  let bounds: Bounds | null = null;
  for (let r = 0; r < starts.length; r++) {
    if (ends[r] <= starts[r]) continue;
    // Row by row (a row is one j, k): a run inside a row widens x by its ends, a longer one covers whole rows.
    const firstRow = Math.floor(starts[r] / nx);
    const lastRow = Math.floor((ends[r] - 1) / nx);
    for (let row = firstRow; row <= lastRow; row++) {
      const j = row % ny;
      const k = Math.floor(row / ny);
      const i0 = row === firstRow ? starts[r] - row * nx : 0;
      const i1 = row === lastRow ? ends[r] - 1 - row * nx : nx - 1;
      bounds = growBounds(bounds, i0, j, k);
      bounds = growBounds(bounds, i1, j, k);
    }
  }
  if (!bounds) return null;
  const crop = emptyCrop(bounds);
  const [cx, cy] = crop.dims;
  const [ox, oy, oz] = crop.originIjk;
  for (let r = 0; r < starts.length; r++) {
    for (let p = starts[r]; p < ends[r]; p++) {
      const i = p % nx;
      const row = (p - i) / nx;
      const j = row % ny;
      const k = (row - j) / ny;
      crop.voxels[i - ox + cx * (j - oy + cy * (k - oz))] = 1;
      crop.voxelCount++;
    }
  }
  return crop;
}

/** The crop of a dense mask (non-zero inside) on a grid of `gridDims`. Null when it is empty. */
export function cropFromDense(mask: Uint8Array, gridDims: Vec3): LabelCrop | null {
  const [nx, ny, nz] = gridDims;
  let bounds: Bounds | null = null;
  for (let k = 0, p = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, p++) if (mask[p] !== 0) bounds = growBounds(bounds, i, j, k);
  if (!bounds) return null;
  const crop = emptyCrop(bounds);
  const [cx, cy, cz] = crop.dims;
  const [ox, oy, oz] = crop.originIjk;
  for (let k = 0; k < cz; k++)
    for (let j = 0; j < cy; j++)
      for (let i = 0; i < cx; i++) {
        if (mask[i + ox + nx * (j + oy + ny * (k + oz))] === 0) continue;
        crop.voxels[i + cx * (j + cy * k)] = 1;
        crop.voxelCount++;
      }
  return crop;
}

/** The field a label's surface is contoured from, at SURFACE_LEVEL. */
export interface SurfaceField {
  /**
   * Voxel index (series grid, fractional when `stepVoxels` > 1) of the field's first sample:
   * one sample before the crop on every axis.
   */
  originIjk: Vec3;
  /** Voxels of the series grid per field sample, on every axis. */
  stepVoxels: number;
  dims: Vec3;
  values: Float32Array;
}

/** The iso-level of the surface in a SurfaceField: halfway between outside (0) and inside (1). */
export const SURFACE_LEVEL = 0.5;

/** Field samples above which a surface is made from blocks of voxels (marching cubes costs ~0.1 s per million samples). */
export const SURFACE_MAX_SAMPLES = 4_000_000;

/** Voxels per field sample for a crop: 1, or the smallest block that keeps it within SURFACE_MAX_SAMPLES. */
export function surfaceStep(crop: LabelCrop): number {
  const [cx, cy, cz] = crop.dims;
  let step = 1;
  while (Math.ceil(cx / step) * Math.ceil(cy / step) * Math.ceil(cz / step) > SURFACE_MAX_SAMPLES) step++;
  return step;
}

/** How far from the level a sample stays on its own side after smoothing. */
const SIDE_MARGIN = 0.05;

/**
 * The crop with one empty sample around it (so every surface closes), smoothed once with the
 * binomial kernel [1 2 1]/4 along each axis, each sample then kept on its side of the level:
 * the surface at 0.5 passes between every inside and outside sample — a lesion one voxel thick
 * stays, no voxel is added or lost — and where between follows the smoothed border, not the
 * voxel staircase (a large flat border stays halfway, where it is). With `stepVoxels` > 1 (a
 * very large mask) each sample is the fraction of its block of voxels inside, and inside when
 * that is half or more.
 */
export function surfaceField(crop: LabelCrop, stepVoxels = 1): SurfaceField {
  const [cx, cy, cz] = crop.dims;
  const step = Math.max(1, Math.floor(stepVoxels));
  const [bx, by, bz] = [Math.ceil(cx / step), Math.ceil(cy / step), Math.ceil(cz / step)];
  const dims: Vec3 = [bx + 2, by + 2, bz + 2];
  const [dx, dy, dz] = dims;
  let a = new Float32Array(dx * dy * dz);
  const share = 1 / step ** 3;
  for (let k = 0; k < cz; k++)
    for (let j = 0; j < cy; j++)
      for (let i = 0; i < cx; i++) {
        if (crop.voxels[i + cx * (j + cy * k)] === 0) continue;
        a[Math.floor(i / step) + 1 + dx * (Math.floor(j / step) + 1 + dy * (Math.floor(k / step) + 1))] += share;
      }
  const inside = a.map((v) => (v >= SURFACE_LEVEL ? 1 : 0));
  let b = new Float32Array(a.length);
  const strides = [1, dx, dx * dy];
  for (let axis = 0; axis < 3; axis++) {
    const stride = strides[axis];
    const n = dims[axis];
    for (let k = 0, p = 0; k < dz; k++)
      for (let j = 0; j < dy; j++)
        for (let i = 0; i < dx; i++, p++) {
          const at = axis === 0 ? i : axis === 1 ? j : k;
          const before = at > 0 ? a[p - stride] : 0;
          const after = at < n - 1 ? a[p + stride] : 0;
          b[p] = 0.25 * before + 0.5 * a[p] + 0.25 * after;
        }
    [a, b] = [b, a];
  }
  for (let p = 0; p < a.length; p++) {
    a[p] = inside[p] ? Math.max(a[p], SURFACE_LEVEL + SIDE_MARGIN) : Math.min(a[p], SURFACE_LEVEL - SIDE_MARGIN);
  }
  // Sample f (f ≥ 1) is the block of voxels from (f − 1)·step: its centre is (step − 1) / 2 further.
  const offset = -step + (step - 1) / 2;
  const [ox, oy, oz] = crop.originIjk;
  return { originIjk: [ox + offset, oy + offset, oz + offset], stepVoxels: step, dims, values: a };
}
