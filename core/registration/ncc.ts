/**
 * Similarity of two prepared registration images under a transform: how a registration is
 * scored before and after (elastix's WebAssembly build reports no final metric). Pure.
 */
import type { Vec3 } from '../api/types';
import { indexToLps, lpsToIndex } from '../dicom/geometry';
import { applyMat4, type Mat4 } from './affine';
import type { PreparedImage } from './prepareImage';

/**
 * Normalised cross-correlation between the fixed image and the moving image sampled at
 * T(x) (trilinear), over fixed voxels whose T(x) lies inside the moving image. 1 = identical up
 * to brightness and contrast.
 */
export function normalisedCrossCorrelation(fixed: PreparedImage, moving: PreparedImage, fixedToMoving: Mat4): number {
  const fg = fixed.geometry;
  const mg = moving.geometry;
  const toIdx = (ijk: Vec3): Vec3 => lpsToIndex(mg, applyMat4(fixedToMoving, indexToLps(fg, ijk)));
  const base = toIdx([0, 0, 0]);
  const step = (e: Vec3): Vec3 => {
    const p = toIdx(e);
    return [p[0] - base[0], p[1] - base[1], p[2] - base[2]];
  };
  const ci = step([1, 0, 0]);
  const cj = step([0, 1, 0]);
  const ck = step([0, 0, 1]);
  const [nx, ny, nz] = mg.dims;
  const m = moving.data;
  let n = 0;
  let sf = 0;
  let sm = 0;
  let sff = 0;
  let smm = 0;
  let sfm = 0;
  const [fx, fy, fz] = fg.dims;
  for (let k = 0, o = 0; k < fz; k++)
    for (let j = 0; j < fy; j++)
      for (let i = 0; i < fx; i++, o++) {
        const x = base[0] + i * ci[0] + j * cj[0] + k * ck[0];
        const y = base[1] + i * ci[1] + j * cj[1] + k * ck[1];
        const z = base[2] + i * ci[2] + j * cj[2] + k * ck[2];
        if (x < 0 || y < 0 || z < 0 || x > nx - 1 || y > ny - 1 || z > nz - 1) continue;
        const x0 = x >= nx - 1 ? Math.max(nx - 2, 0) : Math.floor(x);
        const y0 = y >= ny - 1 ? Math.max(ny - 2, 0) : Math.floor(y);
        const z0 = z >= nz - 1 ? Math.max(nz - 2, 0) : Math.floor(z);
        const ax = x - x0;
        const ay = y - y0;
        const az = z - z0;
        const dx = x0 + 1 < nx ? 1 : 0;
        const dy = y0 + 1 < ny ? nx : 0;
        const dz = z0 + 1 < nz ? nx * ny : 0;
        const b = (z0 * ny + y0) * nx + x0;
        const c00 = m[b] + (m[b + dx] - m[b]) * ax;
        const c10 = m[b + dy] + (m[b + dy + dx] - m[b + dy]) * ax;
        const c01 = m[b + dz] + (m[b + dz + dx] - m[b + dz]) * ax;
        const c11 = m[b + dz + dy] + (m[b + dz + dy + dx] - m[b + dz + dy]) * ax;
        const c0 = c00 + (c10 - c00) * ay;
        const c1 = c01 + (c11 - c01) * ay;
        const v = c0 + (c1 - c0) * az;
        const f = fixed.data[o];
        n++;
        sf += f;
        sm += v;
        sff += f * f;
        smm += v * v;
        sfm += f * v;
      }
  if (n < 2) return 0;
  const cov = sfm - (sf * sm) / n;
  const vf = sff - (sf * sf) / n;
  const vm = smm - (sm * sm) / n;
  return vf > 0 && vm > 0 ? cov / Math.sqrt(vf * vm) : 0;
}
