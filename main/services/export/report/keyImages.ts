/**
 * Key images of the tumor-board report: the axial slice through a lesion at a soft-tissue window,
 * centred on the lesion, with its measurement of record drawn. Every exam's image of one lesion
 * has the same field of view, so the lesion sits at the same place and scale across exams.
 *
 * Screen axes follow the radiological convention for axial images: patient right on the left of
 * the image (screen x = +L), anterior at the top (screen y = +P).
 */
import { lpsToIndex } from '../../../../core/dicom/geometry';
import type { Vec3, VolumeGeometry } from '../../../../core/api/types';

/** Soft-tissue window (W 400 / L 40 HU), as used for abdominal CT reading. */
export const SOFT_TISSUE_WINDOW = { center: 40, width: 400 } as const;

export interface KeyImageRequest {
  geometry: VolumeGeometry;
  /** x fastest, then y, then slice (HU). */
  voxels: Int16Array;
  /** Centre of the image (LPS mm); its z picks the axial plane. */
  centreLps: Vec3;
  /** Field of view (mm), square. */
  fovMm: number;
  /** Output size (pixels), square. */
  sizePx: number;
  window?: { center: number; width: number };
  /** Measurement points to project (LPS mm): long-axis ends, then short-axis ends. */
  pointsLps?: Vec3[];
}

export interface KeyImage {
  pixels: Uint8Array;
  widthPx: number;
  heightPx: number;
  mmPerPixel: number;
  lines: { from: [number, number]; to: [number, number]; kind: 'long' | 'short' }[];
  orientation: { right: string; bottom: string };
}

/** HU at a continuous voxel index, trilinear; air (−1024 HU) outside the volume. */
function sample(g: VolumeGeometry, v: Int16Array, i: number, j: number, k: number): number {
  const [nx, ny, nz] = g.dims;
  const i0 = Math.floor(i);
  const j0 = Math.floor(j);
  const k0 = Math.floor(k);
  const fi = i - i0;
  const fj = j - j0;
  const fk = k - k0;
  let acc = 0;
  let wsum = 0;
  for (let dk = 0; dk <= 1; dk++) {
    const kk = k0 + dk;
    const wk = dk ? fk : 1 - fk;
    if (wk === 0) continue;
    for (let dj = 0; dj <= 1; dj++) {
      const jj = j0 + dj;
      const wj = dj ? fj : 1 - fj;
      if (wj === 0) continue;
      for (let di = 0; di <= 1; di++) {
        const ii = i0 + di;
        const wi = di ? fi : 1 - fi;
        if (wi === 0) continue;
        const w = wi * wj * wk;
        const inside = ii >= 0 && jj >= 0 && kk >= 0 && ii < nx && jj < ny && kk < nz;
        acc += w * (inside ? v[ii + nx * (jj + ny * kk)] : -1024);
        wsum += w;
      }
    }
  }
  return wsum > 0 ? acc / wsum : -1024;
}

/** Render the axial plane through `centreLps`, windowed to 8 bits, with the measurement projected. */
export function renderKeyImage(r: KeyImageRequest): KeyImage {
  const size = r.sizePx;
  const mmpp = r.fovMm / size;
  const w = r.window ?? SOFT_TISSUE_WINDOW;
  const lo = w.center - w.width / 2;
  const x0 = r.centreLps[0] - r.fovMm / 2;
  const y0 = r.centreLps[1] - r.fovMm / 2;
  const z = r.centreLps[2];
  const pixels = new Uint8Array(size * size);
  // The plane is sampled in patient space, so an oblique or flipped grid still shows L right, P down.
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const [i, j, k] = lpsToIndex(r.geometry, [x0 + (u + 0.5) * mmpp, y0 + (v + 0.5) * mmpp, z]);
      const hu = sample(r.geometry, r.voxels, i, j, k);
      pixels[v * size + u] = Math.max(0, Math.min(255, Math.round(((hu - lo) / w.width) * 255)));
    }
  }
  const toPx = (p: Vec3): [number, number] => [(p[0] - x0) / mmpp, (p[1] - y0) / mmpp];
  const pts = r.pointsLps ?? [];
  const lines: KeyImage['lines'] = [];
  if (pts.length >= 2) lines.push({ from: toPx(pts[0]), to: toPx(pts[1]), kind: 'long' });
  if (pts.length >= 4) lines.push({ from: toPx(pts[2]), to: toPx(pts[3]), kind: 'short' });
  return { pixels, widthPx: size, heightPx: size, mmPerPixel: mmpp, lines, orientation: { right: 'L', bottom: 'P' } };
}

/** One field of view for all of a lesion's images: room around its largest diameter, within 60-200 mm. */
export function keyImageFovMm(longestAxisMm: number | null): number {
  return Math.min(200, Math.max(60, Math.ceil(((longestAxisMm ?? 20) * 3) / 10) * 10));
}
