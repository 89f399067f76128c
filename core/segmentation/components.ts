/**
 * 3D connected components of a mask (e.g. to split a model's lesion mask into
 * lesions, or keep the largest piece after editing). Labels are kept for the mask's
 * bounding box only: a 512×512×300 volume would need 300 MB of Uint32 labels.
 */
import type { Vec3, VolumeGeometry } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import { assertOnGrid, maskBoundingBox, voxelVolumeMm3, type VoxelBox } from './mask';

/** 6: faces only; 26: faces, edges and corners. */
export type Connectivity = 6 | 26;

export interface ComponentOptions {
  connectivity?: Connectivity;
  /** Only voxels equal to this value are inside (label maps); default: any non-zero. */
  label?: number;
}

export interface ComponentInfo {
  /** 1 … n, largest first (ties: the one met first in i, j, k scan order). */
  id: number;
  voxelCount: number;
  volumeMl: number;
  /** Inclusive voxel-index box of the component. */
  box: VoxelBox;
  /** Mean voxel index. */
  centroidIjk: Vec3;
  /** Mean voxel centre, patient LPS mm. */
  centroidLps: Vec3;
}

export interface ComponentsResult {
  components: ComponentInfo[];
  /** Box the labels cover (the mask's bounding box), or null for an empty mask. */
  box: VoxelBox | null;
  /** Component id per voxel of `box` (x fastest), 0 outside. */
  labels: Uint32Array;
}

export function connectedComponents3d(
  mask: Uint8Array,
  geometry: VolumeGeometry,
  options: ComponentOptions = {},
): ComponentsResult {
  const { connectivity = 26, label } = options;
  if (connectivity !== 6 && connectivity !== 26) throw new RangeError(`connectivity must be 6 or 26, got ${connectivity}`);
  assertOnGrid('the mask', mask, geometry);
  const box = maskBoundingBox(mask, geometry, label);
  if (!box) return { components: [], box: null, labels: new Uint32Array(0) };

  const [nx, ny] = geometry.dims;
  const [i0, j0, k0] = box.min;
  const bw = box.max[0] - i0 + 1;
  const bh = box.max[1] - j0 + 1;
  const bd = box.max[2] - k0 + 1;
  const plane = bw * bh;
  const labels = new Uint32Array(plane * bd);

  // Box-local inside test, computed once so the flood fill reads one array.
  for (let z = 0; z < bd; z++)
    for (let y = 0; y < bh; y++) {
      const src = (k0 + z) * nx * ny + (j0 + y) * nx + i0;
      const dst = z * plane + y * bw;
      for (let x = 0; x < bw; x++) {
        const v = mask[src + x];
        // 0xffffffff marks "inside, not yet labelled".
        if (label === undefined ? v !== 0 : v === label) labels[dst + x] = 0xffffffff;
      }
    }

  const offsets: Vec3[] = [];
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const manhattan = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
        if (manhattan === 0 || (connectivity === 6 && manhattan !== 1)) continue;
        offsets.push([dx, dy, dz]);
      }
  // Linear steps for voxels off the box's faces, where no neighbour can fall outside.
  const deltas = Int32Array.from(offsets, ([dx, dy, dz]) => dz * plane + dy * bw + dx);
  const odx = Int32Array.from(offsets, (o) => o[0]);
  const ody = Int32Array.from(offsets, (o) => o[1]);
  const odz = Int32Array.from(offsets, (o) => o[2]);
  const nOff = offsets.length;

  const counts: number[] = [];
  const sums: number[][] = [];
  const mins: Vec3[] = [];
  const maxs: Vec3[] = [];
  let stack = new Int32Array(1024);
  for (let start = 0; start < labels.length; start++) {
    if (labels[start] !== 0xffffffff) continue;
    const id = counts.length + 1;
    let count = 0;
    let si = 0, sj = 0, sk = 0;
    let lx = Infinity, ly = Infinity, lz = Infinity, hx = -Infinity, hy = -Infinity, hz = -Infinity;
    let top = 0;
    stack[top++] = start;
    labels[start] = id;
    while (top > 0) {
      const p = stack[--top];
      const z = (p / plane) | 0;
      const r = p - z * plane;
      const y = (r / bw) | 0;
      const x = r - y * bw;
      count++;
      si += x; sj += y; sk += z;
      if (x < lx) lx = x; if (x > hx) hx = x;
      if (y < ly) ly = y; if (y > hy) hy = y;
      if (z < lz) lz = z; if (z > hz) hz = z;
      if (top + nOff > stack.length) {
        const grown = new Int32Array(stack.length * 2);
        grown.set(stack);
        stack = grown;
      }
      const interior = x > 0 && y > 0 && z > 0 && x < bw - 1 && y < bh - 1 && z < bd - 1;
      for (let o = 0; o < nOff; o++) {
        if (!interior) {
          const qx = x + odx[o], qy = y + ody[o], qz = z + odz[o];
          if (qx < 0 || qy < 0 || qz < 0 || qx >= bw || qy >= bh || qz >= bd) continue;
        }
        const q = p + deltas[o];
        if (labels[q] !== 0xffffffff) continue;
        labels[q] = id;
        stack[top++] = q;
      }
    }
    const lo: Vec3 = [lx, ly, lz];
    const hi: Vec3 = [hx, hy, hz];
    counts.push(count);
    sums.push([si, sj, sk]);
    mins.push([lo[0] + i0, lo[1] + j0, lo[2] + k0]);
    maxs.push([hi[0] + i0, hi[1] + j0, hi[2] + k0]);
  }

  // Largest first, so "keep the largest" is id 1.
  const order = counts.map((_, c) => c).sort((a, b) => counts[b] - counts[a] || a - b);
  const newId = new Uint32Array(counts.length + 1);
  order.forEach((c, rank) => (newId[c + 1] = rank + 1));
  for (let p = 0; p < labels.length; p++) if (labels[p] !== 0) labels[p] = newId[labels[p]];

  const voxelMl = voxelVolumeMm3(geometry) / 1000;
  const components = order.map((c, rank): ComponentInfo => {
    const n = counts[c];
    const centroidIjk: Vec3 = [sums[c][0] / n + i0, sums[c][1] / n + j0, sums[c][2] / n + k0];
    return {
      id: rank + 1,
      voxelCount: n,
      volumeMl: n * voxelMl,
      box: { min: mins[c], max: maxs[c] },
      centroidIjk,
      centroidLps: indexToLps(geometry, centroidIjk),
    };
  });
  return { components, box, labels };
}

/** A full-size mask of the chosen components (value where selected, 0 elsewhere). */
export function componentMask(
  result: ComponentsResult,
  geometry: VolumeGeometry,
  ids: number | readonly number[],
  value = 1,
): Uint8Array {
  const [nx, ny, nz] = geometry.dims;
  const out = new Uint8Array(nx * ny * nz);
  const box = result.box;
  if (!box) return out;
  const wanted = new Set(typeof ids === 'number' ? [ids] : ids);
  const bw = box.max[0] - box.min[0] + 1;
  const bh = box.max[1] - box.min[1] + 1;
  let p = 0;
  for (let k = box.min[2]; k <= box.max[2]; k++)
    for (let j = box.min[1]; j <= box.min[1] + bh - 1; j++) {
      const row = k * nx * ny + j * nx + box.min[0];
      for (let x = 0; x < bw; x++, p++) if (result.labels[p] !== 0 && wanted.has(result.labels[p])) out[row + x] = value;
    }
  return out;
}
