/**
 * Resampling between voxel grids for local-AI segmentation.
 *
 * nnU-Net (Isensee et al., Nature Methods 18:203–211, 2021) runs every model at a
 * fixed target spacing: the image is resampled to it before inference and the
 * prediction is resampled back to the series grid afterwards. We use trilinear
 * interpolation for intensities (nnU-Net uses third-order splines for images; linear is
 * exact for linear ramps, cannot overshoot, and is what we can check by hand) and
 * nearest neighbour for label maps.
 *
 * Layout: x (column) fastest, then y (row), then z (slice), as everywhere in core.
 */
import type { Vec3, VolumeGeometry } from '../api/types';
import { indexToLps, lpsToIndex } from '../dicom/geometry';

export type ResampleMode = 'linear' | 'nearest';

/**
 * Geometry with the same origin and direction and a new spacing:
 * dims = round(extent / spacing) per axis, extent = dims × spacing (at least 1 voxel).
 */
export function geometryAtSpacing(from: VolumeGeometry, toSpacingMm: Vec3): VolumeGeometry {
  const dims = [0, 1, 2].map((a) => {
    if (!(toSpacingMm[a] > 0)) throw new Error(`target spacing must be positive, got ${toSpacingMm[a]} mm on axis ${a}`);
    return Math.max(1, Math.round((from.dims[a] * from.spacingMm[a]) / toSpacingMm[a]));
  }) as Vec3;
  return {
    dims,
    spacingMm: [...toSpacingMm] as Vec3,
    originMm: [...from.originMm] as Vec3,
    direction: [...from.direction] as VolumeGeometry['direction'],
  };
}

/**
 * Affine map from a target voxel index to the continuous source voxel index
 * (through patient LPS, so grids with different directions are handled too):
 * src = base + i·ci + j·cj + k·ck.
 */
export function targetToSourceIndex(from: VolumeGeometry, to: VolumeGeometry): { base: Vec3; ci: Vec3; cj: Vec3; ck: Vec3 } {
  const f = (ijk: Vec3): Vec3 => lpsToIndex(from, indexToLps(to, ijk));
  const base = f([0, 0, 0]);
  const col = (ijk: Vec3): Vec3 => {
    const p = f(ijk);
    return [p[0] - base[0], p[1] - base[1], p[2] - base[2]];
  };
  return { base, ci: col([1, 0, 0]), cj: col([0, 1, 0]), ck: col([0, 0, 1]) };
}

function checkLength(n: number, g: VolumeGeometry, what: string): void {
  const expected = g.dims[0] * g.dims[1] * g.dims[2];
  if (n !== expected) throw new Error(`${what} has ${n} values but its geometry needs ${expected} (${g.dims.join('×')})`);
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
// Round-off from the LPS round trip (1.9999999) must not move a sample to the previous voxel.
const SNAP = 1e-6;

/**
 * Resample `values` (x fastest) from grid `from` onto grid `to`. Positions outside the
 * source are clamped to its edge voxels (edge replication, no zero fill).
 */
export function resampleToGrid(
  values: ArrayLike<number>,
  from: VolumeGeometry,
  to: VolumeGeometry,
  mode: ResampleMode,
): Float32Array {
  checkLength(values.length, from, 'source volume');
  const [nx, ny, nz] = from.dims;
  const [tx, ty, tz] = to.dims;
  const { base, ci, cj, ck } = targetToSourceIndex(from, to);
  const out = new Float32Array(tx * ty * tz);
  const sxy = nx * ny;
  const at = (xx: number, yy: number, zz: number): number => values[zz * sxy + yy * nx + xx];
  let o = 0;
  for (let k = 0; k < tz; k++) {
    for (let j = 0; j < ty; j++) {
      for (let i = 0; i < tx; i++, o++) {
        let x = base[0] + i * ci[0] + j * cj[0] + k * ck[0];
        let y = base[1] + i * ci[1] + j * cj[1] + k * ck[1];
        let z = base[2] + i * ci[2] + j * cj[2] + k * ck[2];
        x = clamp(x, 0, nx - 1);
        y = clamp(y, 0, ny - 1);
        z = clamp(z, 0, nz - 1);
        if (mode === 'nearest') {
          out[o] = values[Math.round(z) * sxy + Math.round(y) * nx + Math.round(x)];
          continue;
        }
        const x0 = Math.min(Math.floor(x + SNAP), nx - 1);
        const y0 = Math.min(Math.floor(y + SNAP), ny - 1);
        const z0 = Math.min(Math.floor(z + SNAP), nz - 1);
        const x1 = Math.min(x0 + 1, nx - 1);
        const y1 = Math.min(y0 + 1, ny - 1);
        const z1 = Math.min(z0 + 1, nz - 1);
        const fx = Math.max(0, x - x0);
        const fy = Math.max(0, y - y0);
        const fz = Math.max(0, z - z0);
        const c00 = at(x0, y0, z0) * (1 - fx) + at(x1, y0, z0) * fx;
        const c10 = at(x0, y1, z0) * (1 - fx) + at(x1, y1, z0) * fx;
        const c01 = at(x0, y0, z1) * (1 - fx) + at(x1, y0, z1) * fx;
        const c11 = at(x0, y1, z1) * (1 - fx) + at(x1, y1, z1) * fx;
        const c0 = c00 * (1 - fy) + c10 * fy;
        const c1 = c01 * (1 - fy) + c11 * fy;
        out[o] = c0 * (1 - fz) + c1 * fz;
      }
    }
  }
  return out;
}

/** Trilinear, edge-clamped resampling of an intensity volume to a new spacing (same origin and direction). */
export function resampleLinear(
  volume: Float32Array | Int16Array,
  from: VolumeGeometry,
  toSpacingMm: Vec3,
): { data: Float32Array; geometry: VolumeGeometry } {
  const geometry = geometryAtSpacing(from, toSpacingMm);
  return { data: resampleToGrid(volume, from, geometry, 'linear'), geometry };
}

/** Nearest-neighbour resampling of a label map onto another grid (labels are never blended). */
export function resampleNearest(labels: Uint8Array, from: VolumeGeometry, toGeometry: VolumeGeometry): Uint8Array {
  return Uint8Array.from(resampleToGrid(labels, from, toGeometry, 'nearest'));
}
