/**
 * Put a volume onto another grid that holds the same voxel centres with the axes in
 * another order or direction: e.g. a NIfTI label map written with its rows reversed
 * (converters often flip j to make the affine "RAS-like") back onto the DICOM series'
 * grid. Only permutations and flips; anything that needs interpolation is refused.
 */
import type { Vec3, VolumeGeometry } from '../api/types';
import { lpsToIndex } from '../dicom/geometry';
import { NiftiError, type NiftiData } from './nifti';

export interface GridMapping {
  /** Source axis that runs along target axis a. */
  axis: Vec3;
  /** +1 when it runs the same way, −1 when reversed. */
  sign: Vec3;
}

/**
 * How `source`'s axes map onto `target`'s, or an error saying why the grids differ.
 * Directions must agree to `directionTol` (cosine), spacings and voxel centres to
 * `toleranceMm`.
 */
export function gridMapping(source: VolumeGeometry, target: VolumeGeometry, toleranceMm = 0.01, directionTol = 1e-4): GridMapping {
  const col = (g: VolumeGeometry, a: number): Vec3 => [g.direction[3 * a], g.direction[3 * a + 1], g.direction[3 * a + 2]];
  const axis: Vec3 = [0, 0, 0];
  const sign: Vec3 = [1, 1, 1];
  const used = new Set<number>();
  for (let a = 0; a < 3; a++) {
    const t = col(target, a);
    let found = -1;
    for (let s = 0; s < 3; s++) {
      if (used.has(s)) continue;
      const c = col(source, s);
      const cos = c[0] * t[0] + c[1] * t[1] + c[2] * t[2];
      if (Math.abs(Math.abs(cos) - 1) <= directionTol) {
        found = s;
        sign[a] = cos > 0 ? 1 : -1;
        break;
      }
    }
    if (found < 0) throw new NiftiError(`no axis of the source grid runs along target axis ${'ijk'[a]}: the grids are rotated against each other and need resampling`);
    used.add(found);
    axis[a] = found;
    if (source.dims[found] !== target.dims[a]) {
      throw new NiftiError(`target axis ${'ijk'[a]} has ${target.dims[a]} voxels, the matching source axis ${'ijk'[found]} has ${source.dims[found]}`);
    }
    if (Math.abs(source.spacingMm[found] - target.spacingMm[a]) > toleranceMm) {
      throw new NiftiError(`spacing along target axis ${'ijk'[a]} is ${target.spacingMm[a]} mm, along the source's ${source.spacingMm[found]} mm`);
    }
  }
  // The target's first voxel must be the source's corner voxel that the flips imply.
  const at = lpsToIndex(source, target.originMm);
  for (let a = 0; a < 3; a++) {
    const s = axis[a];
    const expected = sign[a] > 0 ? 0 : source.dims[s] - 1;
    if (Math.abs(at[s] - expected) * source.spacingMm[s] > toleranceMm) {
      throw new NiftiError(
        `the grids are shifted: the target's first voxel lies at source index ${at.map((v) => v.toFixed(3)).join(', ')}, expected ${expected} along ${'ijk'[s]}`,
      );
    }
  }
  return { axis, sign };
}

/** The source volume's values on the target grid (same typed array type), by axis permutation and flips only. */
export function reorientToGrid<T extends NiftiData>(data: T, source: VolumeGeometry, target: VolumeGeometry, toleranceMm = 0.01): T {
  const [sx, sy, sz] = source.dims;
  if (data.length !== sx * sy * sz) throw new NiftiError(`${data.length} voxels do not fill the source grid ${source.dims.join('×')}`);
  const { axis, sign } = gridMapping(source, target, toleranceMm);
  const stride = [1, sx, sx * sy];
  const step = [0, 1, 2].map((a) => sign[a] * stride[axis[a]]);
  let base = 0;
  for (let a = 0; a < 3; a++) if (sign[a] < 0) base += (source.dims[axis[a]] - 1) * stride[axis[a]];
  const [nx, ny, nz] = target.dims;
  const out = new (data.constructor as new (n: number) => T)(nx * ny * nz);
  let p = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      let q = base + k * step[2] + j * step[1];
      for (let i = 0; i < nx; i++, q += step[0]) out[p++] = data[q];
    }
  return out;
}
