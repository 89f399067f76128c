/**
 * One slice of a mask, for the overlay on a slice view. Masks are on the series grid
 * (x fastest, then y, then slice). The mask being edited is dense (a Uint8Array); saved
 * ones are kept as their non-zero runs (a liver is a few thousand runs, not 80 MB) and
 * cut into slices straight from them.
 */
import type { MaskRle } from '../../../../core/api/maskRle';
import type { Vec3 } from '../../../../core/api/types';

export type SliceAxis = 0 | 1 | 2;

/** In-plane voxel axes of a slice normal to `sliceAxis`: image x, then image y. */
export function inPlaneAxes(sliceAxis: SliceAxis): [SliceAxis, SliceAxis] {
  return sliceAxis === 0 ? [1, 2] : sliceAxis === 1 ? [0, 2] : [0, 1];
}

/** Width and height of the slice image. */
export function sliceImageSize(dims: Vec3, sliceAxis: SliceAxis): [number, number] {
  const [a, b] = inPlaneAxes(sliceAxis);
  return [dims[a], dims[b]];
}

/**
 * Write `label` into `out` (the slice image, x = first in-plane axis) wherever the dense
 * mask is non-zero on slice `slice`. Returns the number of voxels written.
 */
export function denseSliceInto(mask: Uint8Array, dims: Vec3, sliceAxis: SliceAxis, slice: number, out: Uint8Array, label: number): number {
  const [nx, ny, nz] = dims;
  if (slice < 0 || slice >= dims[sliceAxis]) return 0;
  let n = 0;
  if (sliceAxis === 2) {
    const base = slice * nx * ny;
    for (let p = 0; p < nx * ny; p++) if (mask[base + p] !== 0) { out[p] = label; n++; }
  } else if (sliceAxis === 1) {
    for (let k = 0; k < nz; k++) {
      const row = k * nx * ny + slice * nx;
      for (let i = 0; i < nx; i++) if (mask[row + i] !== 0) { out[k * nx + i] = label; n++; }
    }
  } else {
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++) if (mask[k * nx * ny + j * nx + slice] !== 0) { out[k * ny + j] = label; n++; }
  }
  return n;
}

/** A mask by its non-zero runs: voxels [starts[r], ends[r]) are inside. Sorted, disjoint. */
export interface SparseMask {
  length: number;
  starts: Int32Array;
  ends: Int32Array;
  voxelCount: number;
}

export function sparseFromRle(rle: MaskRle): SparseMask {
  const count = Math.floor(rle.runs.length / 2);
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  let pos = 0;
  let r = 0;
  let voxels = 0;
  for (let i = 0; i < rle.runs.length; i++) {
    const len = rle.runs[i];
    if (i % 2 === 1 && len > 0) {
      starts[r] = pos;
      ends[r] = pos + len;
      voxels += len;
      r++;
    }
    pos += len;
  }
  return { length: rle.length, starts: starts.slice(0, r), ends: ends.slice(0, r), voxelCount: voxels };
}

/** First run that ends after `position` (binary search). */
function firstRunEndingAfter(m: SparseMask, position: number): number {
  let lo = 0;
  let hi = m.ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m.ends[mid] <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** As denseSliceInto, from the runs. */
export function sparseSliceInto(m: SparseMask, dims: Vec3, sliceAxis: SliceAxis, slice: number, out: Uint8Array, label: number): number {
  const [nx, ny] = dims;
  const plane = nx * ny;
  if (slice < 0 || slice >= dims[sliceAxis]) return 0;
  let n = 0;
  if (sliceAxis === 2) {
    const lo = slice * plane;
    const hi = lo + plane;
    for (let r = firstRunEndingAfter(m, lo); r < m.starts.length && m.starts[r] < hi; r++) {
      const s = Math.max(m.starts[r], lo);
      const e = Math.min(m.ends[r], hi);
      out.fill(label, s - lo, e - lo);
      n += e - s;
    }
    return n;
  }
  // Coronal and sagittal: walk each run row by row (a row is one j, k line of x).
  for (let r = 0; r < m.starts.length; r++) {
    let p = m.starts[r];
    const end = m.ends[r];
    while (p < end) {
      const rowIndex = Math.floor(p / nx);
      const rowEnd = Math.min(end, (rowIndex + 1) * nx);
      const j = rowIndex % ny;
      const k = Math.floor(rowIndex / ny);
      const i0 = p - rowIndex * nx;
      const i1 = rowEnd - rowIndex * nx;
      if (sliceAxis === 1) {
        if (j === slice) {
          out.fill(label, k * nx + i0, k * nx + i1);
          n += i1 - i0;
        }
      } else if (slice >= i0 && slice < i1) {
        out[k * ny + j] = label;
        n++;
      }
      p = rowEnd;
    }
  }
  return n;
}

/**
 * Colour a label image: each label's fill, `alpha` (0–255) scaled by its strength.
 * `colours[label]` is [r, g, b, strength 0–1]. The outline is drawn apart (labelEdges),
 * as thin lines, so a zoomed-in mask does not grow a thick border.
 */
export function colourLabels(
  labels: Uint8Array,
  width: number,
  height: number,
  colours: [number, number, number, number][],
  out: Uint8ClampedArray,
  alpha = 80,
): void {
  out.fill(0);
  for (let p = 0; p < width * height; p++) {
    const v = labels[p];
    if (v === 0) continue;
    const [r, g, b, strength] = colours[v] ?? [255, 255, 0, 1];
    const q = 4 * p;
    out[q] = r;
    out[q + 1] = g;
    out[q + 2] = b;
    out[q + 3] = alpha * strength;
  }
}

/**
 * The outline of each label along voxel borders: for every labelled pixel, the sides it
 * shares with a pixel of another label (or the image edge), as segments in image
 * coordinates (pixel centres at integers, so borders at ±0.5). Per label: a flat array
 * [x0, y0, x1, y1, …].
 */
export function labelEdges(labels: Uint8Array, width: number, height: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = labels[y * width + x];
      if (v === 0) continue;
      let segs = out.get(v);
      if (!segs) out.set(v, (segs = []));
      const p = y * width + x;
      if (x === 0 || labels[p - 1] !== v) segs.push(x - 0.5, y - 0.5, x - 0.5, y + 0.5);
      if (x === width - 1 || labels[p + 1] !== v) segs.push(x + 0.5, y - 0.5, x + 0.5, y + 0.5);
      if (y === 0 || labels[p - width] !== v) segs.push(x - 0.5, y - 0.5, x + 0.5, y - 0.5);
      if (y === height - 1 || labels[p + width] !== v) segs.push(x - 0.5, y + 0.5, x + 0.5, y + 0.5);
    }
  }
  return out;
}
