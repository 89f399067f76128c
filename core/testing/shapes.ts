/** Test support: grids and digitised shapes with known sizes. Pure, like the rest of core. */
import type { Mat3, Vec3, VolumeGeometry } from '../api/types';
import { indexToLps } from '../dicom/geometry';

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function grid(dims: Vec3, spacingMm: Vec3 = [1, 1, 1], direction: Mat3 = IDENTITY, originMm: Vec3 = [-10, 20, -30]): VolumeGeometry {
  return { dims, spacingMm, originMm, direction };
}

export function emptyMask(g: VolumeGeometry): Uint8Array {
  return new Uint8Array(g.dims[0] * g.dims[1] * g.dims[2]);
}

export function at(g: VolumeGeometry, i: number, j: number, k: number): number {
  return i + j * g.dims[0] + k * g.dims[0] * g.dims[1];
}

/**
 * Set `value` in every voxel whose centre lies inside the ellipsoid with centre
 * `centreLps`, semi-axes `semiAxesMm` along the orthonormal `axes` (LPS).
 */
export function fillEllipsoid(
  mask: Uint8Array,
  g: VolumeGeometry,
  centreLps: Vec3,
  semiAxesMm: Vec3,
  axes: [Vec3, Vec3, Vec3] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
  value = 1,
): number {
  let n = 0;
  const [nx, ny, nz] = g.dims;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const p = indexToLps(g, [i, j, k]);
        const d = [p[0] - centreLps[0], p[1] - centreLps[1], p[2] - centreLps[2]];
        let s = 0;
        for (let a = 0; a < 3; a++) {
          const t = (d[0] * axes[a][0] + d[1] * axes[a][1] + d[2] * axes[a][2]) / semiAxesMm[a];
          s += t * t;
        }
        if (s <= 1) {
          mask[at(g, i, j, k)] = value;
          n++;
        }
      }
  return n;
}

/** Unit vector in the axial (x, y) plane at `deg` degrees from +x. */
export function axialDir(deg: number): Vec3 {
  const r = (deg * Math.PI) / 180;
  return [Math.cos(r), Math.sin(r), 0];
}
