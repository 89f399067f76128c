/**
 * Slice interpolation for contouring: the user draws a lesion on some slices and the
 * slices between them are filled by shape-based interpolation (Raya & Udupa 1990;
 * Herman et al. 1992): the in-plane signed distance maps of the two drawn slices that
 * bound a gap are blended linearly, and the blend's inside (≤ 0) is the shape of each
 * slice between. Two concentric disks of radii r0 and r1 give disks whose radius goes
 * linearly from r0 to r1. Shapes that do not overlap at all shrink towards the middle
 * of the gap instead of sliding; draw one more slice there.
 */
import type { VolumeGeometry } from '../api/types';
import { assertOnGrid } from './mask';
import type { SliceAxis } from './paint';

/** Stand-in for +∞ in the distance transform (∞ − ∞ would give NaN in the envelope). */
const FAR = 1e20;

/**
 * Squared Euclidean distance transform of one line (Felzenszwalb & Huttenlocher 2012,
 * lower envelope of parabolas), `spacing` mm between samples, in place in `d`.
 */
function edt1d(f: Float64Array, n: number, spacing: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  const s2 = spacing * spacing;
  const meet = (q: number, r: number) => (f[q] + s2 * q * q - (f[r] + s2 * r * r)) / (2 * s2 * (q - r));
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = meet(q, v[k]);
    while (s <= z[k]) {
      k--;
      s = meet(q, v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = s2 * dq * dq + f[v[k]];
  }
}

/**
 * Squared distance (mm²) from every pixel centre of a width×height grid (x fastest)
 * to the nearest pixel where `features` is non-zero; FAR-ish where there is none.
 */
export function squaredDistanceTransform2d(
  features: Uint8Array,
  width: number,
  height: number,
  spacingXMm: number,
  spacingYMm: number,
): Float64Array {
  const out = new Float64Array(width * height);
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) f[x] = features[y * width + x] ? 0 : FAR;
    edt1d(f, width, spacingXMm, d, v, z);
    for (let x = 0; x < width; x++) out[y * width + x] = d[x];
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = out[y * width + x];
    edt1d(f, height, spacingYMm, d, v, z);
    for (let y = 0; y < height; y++) out[y * width + x] = d[y];
  }
  return out;
}

/**
 * Signed distance (mm) of a binary image: negative inside, positive outside, shifted by
 * half a pixel so that the zero level lies on the outline between inside and outside
 * pixel centres rather than on the pixel centres themselves.
 */
function signedDistance(inside: Uint8Array, width: number, height: number, sx: number, sy: number): Float64Array {
  const outside = new Uint8Array(inside.length);
  for (let p = 0; p < inside.length; p++) outside[p] = inside[p] ? 0 : 1;
  const toInside = squaredDistanceTransform2d(inside, width, height, sx, sy);
  const toOutside = squaredDistanceTransform2d(outside, width, height, sx, sy);
  const half = Math.min(sx, sy) / 2;
  const sdt = new Float64Array(inside.length);
  for (let p = 0; p < inside.length; p++) {
    sdt[p] = inside[p] ? -(Math.sqrt(toOutside[p]) - half) : Math.sqrt(toInside[p]) - half;
  }
  return sdt;
}

interface SliceBox {
  minA: Int32Array;
  maxA: Int32Array;
  minB: Int32Array;
  maxB: Int32Array;
}

/**
 * Fill the slices (normal to `sliceAxis`) that lie between two slices containing
 * `value` and contain none themselves. Only voxels that are 0 are filled, so another
 * lesion in a shared label map is never overwritten. Returns the number of voxels set.
 */
export function interpolateSlices(mask: Uint8Array, geometry: VolumeGeometry, sliceAxis: SliceAxis, value: number): number {
  assertOnGrid('the mask', mask, geometry);
  if (!Number.isInteger(value) || value < 1 || value > 255) throw new RangeError(`mask value must be an integer 1…255, got ${value}`);
  const dims = geometry.dims;
  const [a, b] = sliceAxis === 0 ? [1, 2] : sliceAxis === 1 ? [0, 2] : [0, 1];
  const ns = dims[sliceAxis];
  const boxes: SliceBox = {
    minA: new Int32Array(ns).fill(2 ** 30),
    maxA: new Int32Array(ns).fill(-1),
    minB: new Int32Array(ns).fill(2 ** 30),
    maxB: new Int32Array(ns).fill(-1),
  };
  // One pass over the volume for each slice's in-plane box of `value`.
  const [nx, ny, nz] = dims;
  const ijk = [0, 0, 0];
  let p = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, p++) {
        if (mask[p] !== value) continue;
        ijk[0] = i; ijk[1] = j; ijk[2] = k;
        const s = ijk[sliceAxis];
        const ca = ijk[a];
        const cb = ijk[b];
        if (ca < boxes.minA[s]) boxes.minA[s] = ca;
        if (ca > boxes.maxA[s]) boxes.maxA[s] = ca;
        if (cb < boxes.minB[s]) boxes.minB[s] = cb;
        if (cb > boxes.maxB[s]) boxes.maxB[s] = cb;
      }
  const drawn: number[] = [];
  for (let s = 0; s < ns; s++) if (boxes.maxA[s] >= 0) drawn.push(s);

  const stride = [1, nx, nx * ny];
  const sa = geometry.spacingMm[a];
  const sb = geometry.spacingMm[b];
  let changed = 0;
  for (let g = 0; g + 1 < drawn.length; g++) {
    const s0 = drawn[g];
    const s1 = drawn[g + 1];
    if (s1 - s0 < 2) continue;
    // The blend is positive wherever both maps are, so the filled shape lies inside the
    // union of the two drawn boxes; one pixel of margin keeps distances to "outside" exact.
    const a0 = Math.min(boxes.minA[s0], boxes.minA[s1]) - 1;
    const a1 = Math.max(boxes.maxA[s0], boxes.maxA[s1]) + 1;
    const b0 = Math.min(boxes.minB[s0], boxes.minB[s1]) - 1;
    const b1 = Math.max(boxes.maxB[s0], boxes.maxB[s1]) + 1;
    const w = a1 - a0 + 1;
    const h = b1 - b0 + 1;
    const sliceImage = (s: number) => {
      const img = new Uint8Array(w * h);
      for (let y = 1; y < h - 1; y++)
        for (let x = 1; x < w - 1; x++) {
          const q = s * stride[sliceAxis] + (a0 + x) * stride[a] + (b0 + y) * stride[b];
          if (mask[q] === value) img[y * w + x] = 1;
        }
      return img;
    };
    const d0 = signedDistance(sliceImage(s0), w, h, sa, sb);
    const d1 = signedDistance(sliceImage(s1), w, h, sa, sb);
    for (let s = s0 + 1; s < s1; s++) {
      const t = (s - s0) / (s1 - s0);
      for (let y = 1; y < h - 1; y++)
        for (let x = 1; x < w - 1; x++) {
          const e = y * w + x;
          if ((1 - t) * d0[e] + t * d1[e] > 0) continue;
          const q = s * stride[sliceAxis] + (a0 + x) * stride[a] + (b0 + y) * stride[b];
          if (mask[q] !== 0) continue;
          mask[q] = value;
          changed++;
        }
    }
  }
  return changed;
}
