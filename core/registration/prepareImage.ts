/**
 * Image preparation for intensity-based registration (elastix runs in main/services/registration):
 * both CT volumes are resampled trilinearly to a coarse isotropic grid (origin and direction kept)
 * and clamped to a soft-tissue HU window, so Mattes mutual information's 32 bins resolve fat,
 * fluid, liver, lesions and vessels instead of spanning −1024…3000 HU (see elastixRegistration.ts
 * for the measurements). A fixed-image mask restricts the metric to its bounding box by cropping.
 * Pure: typed arrays and grids in, typed arrays and grids out.
 */
import type { Mat3, Vec3, VolumeGeometry } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import { resampleLinear, resampleNearest } from '../inference/resample';

/** An Int16 HU volume, x fastest, then y, then z, on its grid. */
export interface RegistrationVolume {
  hu: Int16Array;
  geometry: VolumeGeometry;
}

/** A registration input or option that cannot be used; the message says which and why. */
export class RegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistrationError';
  }
}

/** A registration image: Float32 (clamped HU) on an isotropic grid. */
export interface PreparedImage {
  data: Float32Array;
  geometry: VolumeGeometry;
}

/** elastix's 3-level pyramid needs this many voxels per axis. */
export const MIN_VOXELS_PER_AXIS = 16;

/** Refuse a volume whose voxel count does not match its grid, or whose spacing is not positive. `what` names it in the message. */
export function checkRegistrationVolume(v: RegistrationVolume, what: string): void {
  const [nx, ny, nz] = v.geometry.dims;
  if (v.hu.length !== nx * ny * nz) throw new RegistrationError(`the ${what} volume has ${v.hu.length} voxels but its geometry needs ${nx * ny * nz} (${nx}×${ny}×${nz})`);
  if (!v.geometry.spacingMm.every((s) => s > 0)) throw new RegistrationError(`the ${what} volume has a non-positive voxel spacing (${v.geometry.spacingMm.join(', ')} mm)`);
}

/**
 * Spacing of the registration grid per axis: the requested isotropic spacing, but at least
 * MIN_VOXELS_PER_AXIS voxels per axis (elastix's 3-level pyramid needs them) and never finer
 * than the series.
 */
export function registrationSpacing(geometry: VolumeGeometry, spacingMm: number): Vec3 {
  return [0, 1, 2].map((a) => {
    const extent = geometry.dims[a] * geometry.spacingMm[a];
    return Math.max(geometry.spacingMm[a], Math.min(spacingMm, extent / MIN_VOXELS_PER_AXIS));
  }) as Vec3;
}

/** Downsample (trilinear, same origin and direction) and clamp to the HU window. */
export function prepareRegistrationImage(volume: RegistrationVolume, spacingMm: number, huWindow: [number, number]): PreparedImage {
  const { data, geometry } = resampleLinear(volume.hu, volume.geometry, registrationSpacing(volume.geometry, spacingMm));
  const [lo, hi] = huWindow;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    data[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return { data, geometry };
}

/** The part of `image` inside the bounding box of a mask (on `maskGeometry`) plus a margin. */
export function cropToMask(image: PreparedImage, mask: Uint8Array, maskGeometry: VolumeGeometry, marginMm: number): PreparedImage {
  const g = image.geometry;
  const onGrid = resampleNearest(mask, maskGeometry, g);
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  const [nx, ny, nz] = g.dims;
  for (let k = 0, o = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, o++) {
        if (!onGrid[o]) continue;
        if (i < lo[0]) lo[0] = i;
        if (i > hi[0]) hi[0] = i;
        if (j < lo[1]) lo[1] = j;
        if (j > hi[1]) hi[1] = j;
        if (k < lo[2]) lo[2] = k;
        if (k > hi[2]) hi[2] = k;
      }
  if (hi[0] < 0) throw new RegistrationError('the fixed mask is empty (no voxel inside it): draw or compute the region again, or register without a mask');
  const from = [0, 1, 2].map((a) => Math.max(0, lo[a] - Math.ceil(marginMm / g.spacingMm[a])));
  const to = [0, 1, 2].map((a) => Math.min(g.dims[a] - 1, hi[a] + Math.ceil(marginMm / g.spacingMm[a])));
  // Keep enough voxels for the pyramid even for a small organ.
  for (let a = 0; a < 3; a++) {
    while (to[a] - from[a] + 1 < Math.min(MIN_VOXELS_PER_AXIS, g.dims[a])) {
      if (from[a] > 0) from[a]--;
      if (to[a] < g.dims[a] - 1 && to[a] - from[a] + 1 < MIN_VOXELS_PER_AXIS) to[a]++;
    }
  }
  const dims = [0, 1, 2].map((a) => to[a] - from[a] + 1) as Vec3;
  const data = new Float32Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0, o = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++) {
      const src = ((k + from[2]) * ny + (j + from[1])) * nx + from[0];
      data.set(image.data.subarray(src, src + dims[0]), o);
      o += dims[0];
    }
  return {
    data,
    geometry: { dims, spacingMm: [...g.spacingMm] as Vec3, originMm: indexToLps(g, from as Vec3), direction: [...g.direction] as Mat3 },
  };
}

// ------------------------------------------------------------------ elastix plumbing
