/**
 * Masks on a series' own grid: a Uint8Array with the volume's dims and layout
 * (x fastest, then y, then slice). Non-zero is inside unless a function takes a
 * `label`, in which case only voxels equal to it count (label maps).
 */
import type { HuStats, Vec3, VolumeGeometry } from '../api/types';
import { huStats } from '../volume/stats';

/** Inclusive voxel-index box: min and max of i, j, k. */
export interface VoxelBox {
  min: Vec3;
  max: Vec3;
}

export class MaskError extends Error {
  override name = 'MaskError';
}

export function voxelCountOf(geometry: VolumeGeometry): number {
  const [nx, ny, nz] = geometry.dims;
  return nx * ny * nz;
}

/** Throws when an array does not cover the geometry's grid voxel for voxel. */
export function assertOnGrid(what: string, array: ArrayLike<number>, geometry: VolumeGeometry): void {
  const expected = voxelCountOf(geometry);
  if (array.length !== expected) {
    throw new MaskError(`${what} has ${array.length} voxels but the series grid ${geometry.dims.join('×')} has ${expected}`);
  }
}

/**
 * Volume of one voxel in mm³: |det(direction · diag(spacing))|. For a gantry-tilted
 * (sheared) grid the k axis is not orthogonal to the slices, and the determinant is
 * what keeps the volume right; sx·sy·sz would overstate it.
 */
export function voxelVolumeMm3(geometry: VolumeGeometry): number {
  const d = geometry.direction;
  const [sx, sy, sz] = geometry.spacingMm;
  const det =
    d[0] * (d[4] * d[8] - d[5] * d[7]) - d[3] * (d[1] * d[8] - d[2] * d[7]) + d[6] * (d[1] * d[5] - d[2] * d[4]);
  return Math.abs(det * sx * sy * sz);
}

/** Number of inside voxels (non-zero, or equal to `label`). */
export function maskVoxelCount(mask: Uint8Array, label?: number): number {
  let n = 0;
  if (label === undefined) {
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  } else {
    for (let i = 0; i < mask.length; i++) if (mask[i] === label) n++;
  }
  return n;
}

/** Volume in millilitres: inside voxel count × voxel volume (mm³ / 1000). */
export function maskVolumeMl(mask: Uint8Array, geometry: VolumeGeometry, label?: number): number {
  assertOnGrid('the mask', mask, geometry);
  return (maskVoxelCount(mask, label) * voxelVolumeMm3(geometry)) / 1000;
}

/** HU statistics of the volume inside the mask (sample SD, n−1). */
export function maskHuStats(volume: Int16Array, mask: Uint8Array): HuStats {
  if (volume.length !== mask.length) {
    throw new MaskError(`the mask has ${mask.length} voxels but the volume has ${volume.length}`);
  }
  return huStats(volume, mask);
}

/**
 * Bounding box of the inside voxels, or null for an empty mask. One pass, no
 * allocation: every other operation then works inside this box.
 */
export function maskBoundingBox(mask: Uint8Array, geometry: VolumeGeometry, label?: number): VoxelBox | null {
  assertOnGrid('the mask', mask, geometry);
  const [nx, ny, nz] = geometry.dims;
  let i0 = nx, j0 = ny, k0 = nz, i1 = -1, j1 = -1, k1 = -1;
  let p = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      let rowMin = -1;
      let rowMax = -1;
      for (let i = 0; i < nx; i++, p++) {
        const v = mask[p];
        if (label === undefined ? v === 0 : v !== label) continue;
        if (rowMin < 0) rowMin = i;
        rowMax = i;
      }
      if (rowMin < 0) continue;
      if (rowMin < i0) i0 = rowMin;
      if (rowMax > i1) i1 = rowMax;
      if (j < j0) j0 = j;
      if (j > j1) j1 = j;
      if (k < k0) k0 = k;
      k1 = k;
    }
  }
  if (i1 < 0) return null;
  return { min: [i0, j0, k0], max: [i1, j1, k1] };
}
