/**
 * The 3D view's own copy of a large volume at half the in-plane resolution. Under
 * software GL vtk.js converts a volume to Float32 for its 3D texture: 4 bytes a voxel, on
 * top of the Int16 volume the slice views share. Keeping every second voxel in x and y
 * quarters that (a 512×512×300 CT: 300 MB → 75 MB) and still shows a body, its organs and
 * bones at 1.5 mm or so, which is what a 3D overview is for; reading stays on the
 * full-resolution slices.
 */
import type { VolumeGeometry } from '../../../../../core/api/types';

/** Above this many voxels the 3D view gets a half-resolution copy (512×512×122 and up). */
export const DOWNSAMPLE_ABOVE_VOXELS = 32_000_000;

export function voxelCount(geometry: VolumeGeometry): number {
  return geometry.dims[0] * geometry.dims[1] * geometry.dims[2];
}

export function shouldDownsampleFor3d(geometry: VolumeGeometry, limitVoxels = DOWNSAMPLE_ABOVE_VOXELS): boolean {
  return voxelCount(geometry) > limitVoxels;
}

/**
 * Every second voxel in x (i) and y (j), all slices. Voxel (0, 0, k) is kept, so the
 * origin (the centre of the first voxel) is unchanged; the in-plane spacing doubles and
 * the direction stays. Kept voxel (i', j', k) is source voxel (2i', 2j', k), so every kept
 * voxel lies exactly where it lay in the source.
 */
export function downsampleXY(voxels: Int16Array, geometry: VolumeGeometry): { voxels: Int16Array; geometry: VolumeGeometry } {
  const [nx, ny, nz] = geometry.dims;
  if (voxels.length !== nx * ny * nz) throw new Error(`the volume has ${voxels.length} voxels, its geometry ${nx}×${ny}×${nz}`);
  const mx = Math.ceil(nx / 2);
  const my = Math.ceil(ny / 2);
  const out = new Int16Array(mx * my * nz);
  let q = 0;
  for (let k = 0; k < nz; k++) {
    const slice = k * nx * ny;
    for (let j = 0; j < ny; j += 2) {
      const row = slice + j * nx;
      for (let i = 0; i < nx; i += 2) out[q++] = voxels[row + i];
    }
  }
  const [sx, sy, sz] = geometry.spacingMm;
  return {
    voxels: out,
    geometry: {
      dims: [mx, my, nz],
      spacingMm: [2 * sx, 2 * sy, sz],
      originMm: [...geometry.originMm],
      direction: [...geometry.direction],
    },
  };
}
