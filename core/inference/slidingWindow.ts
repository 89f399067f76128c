/**
 * Sliding-window inference over a volume larger than the network's patch, following
 * nnU-Net (Isensee et al., Nature Methods 18:203–211, 2021): windows overlap, each
 * window's prediction is weighted by a Gaussian importance map (centre voxels are
 * trusted more than border voxels, which see less context), and the weighted sum is
 * divided by the summed weights. Volumes smaller than the patch are padded first and
 * the result is cropped back.
 *
 * Layouts: volumes x fastest, then y, then z; dims/starts/patch sizes are [x, y, z];
 * multi-channel data is channel-first [C, z, y, x] (see activation.ts).
 */
import type { Vec3 } from '../api/types';

/**
 * Window start positions along one axis (nnU-Net `compute_steps_for_sliding_window`):
 * the step is at most patch·(1 − overlap), the first window starts at 0, the last ends
 * exactly at dim, and the steps are spread evenly between them (rounded).
 * patch ≥ dim → [0]: one window, the caller pads the volume to the patch.
 *
 * Example: dim 100, patch 64, overlap 0.5 → the step may be at most 32; 36 voxels to
 * travel need ceil(36/32) = 2 steps, evenly 18 → [0, 18, 36].
 */
export function slidingWindowStarts(dim: number, patch: number, overlap: number): number[] {
  if (!(dim >= 1) || !(patch >= 1)) throw new Error(`dimension and patch must be ≥ 1, got ${dim} and ${patch}`);
  if (!(overlap >= 0 && overlap < 1)) throw new Error(`window overlap must be in [0, 1), got ${overlap}`);
  if (patch >= dim) return [0];
  const maxStep = patch * (1 - overlap);
  const travel = dim - patch;
  const n = Math.ceil(travel / maxStep - 1e-9) + 1;
  const step = travel / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.round(step * i));
}

/** All window starts [x, y, z] of a volume (x varies fastest). */
export function windows3d(dims: Vec3, patch: Vec3, overlap: number): Vec3[] {
  const [sx, sy, sz] = [0, 1, 2].map((a) => slidingWindowStarts(dims[a], patch[a], overlap));
  const out: Vec3[] = [];
  for (const z of sz) for (const y of sy) for (const x of sx) out.push([x, y, z]);
  return out;
}

/** Per-voxel weights of a patch (x fastest), with the patch dims they belong to. */
export interface ImportanceMap {
  patchDims: Vec3;
  weights: Float32Array;
}

/**
 * Gaussian importance map (nnU-Net `compute_gaussian`): centred at floor(patch/2), sigma =
 * patch·sigmaScale per axis, scaled to a maximum of 1, and no zero weights (zeros are
 * raised to the smallest non-zero weight, so every voxel of a window counts).
 * nnU-Net blurs a delta with scipy's truncated filter; we evaluate the Gaussian directly,
 * which agrees inside the 4σ truncation radius.
 */
export function gaussianImportance(patch: Vec3, sigmaScale = 1 / 8): ImportanceMap {
  if (!(sigmaScale > 0)) throw new Error(`sigmaScale must be positive, got ${sigmaScale}`);
  const axis = (a: number): Float64Array => {
    const n = patch[a];
    const c = Math.floor(n / 2);
    const s = n * sigmaScale;
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = Math.exp(-((i - c) ** 2) / (2 * s * s));
    return w;
  };
  const [wx, wy, wz] = [axis(0), axis(1), axis(2)];
  const [px, py, pz] = patch;
  const weights = new Float32Array(px * py * pz);
  let max = 0;
  let o = 0;
  for (let z = 0; z < pz; z++)
    for (let y = 0; y < py; y++)
      for (let x = 0; x < px; x++, o++) {
        weights[o] = wx[x] * wy[y] * wz[z];
        if (weights[o] > max) max = weights[o];
      }
  let minNonZero = Infinity;
  for (let i = 0; i < weights.length; i++) {
    weights[i] /= max;
    if (weights[i] > 0 && weights[i] < minNonZero) minNonZero = weights[i];
  }
  for (let i = 0; i < weights.length; i++) if (weights[i] === 0) weights[i] = minNonZero;
  return { patchDims: [...patch] as Vec3, weights };
}

/** Uniform importance (plain averaging of overlapping windows). */
export function uniformImportance(patch: Vec3): ImportanceMap {
  return { patchDims: [...patch] as Vec3, weights: new Float32Array(patch[0] * patch[1] * patch[2]).fill(1) };
}

export interface Blender {
  /**
   * Accumulate one window: `patchProbabilities` is [C, pz, py, px] for the importance
   * map's patch dims, placed with its voxel (0,0,0) at `windowStart`. Parts outside the
   * volume are ignored.
   */
  add(windowStart: Vec3, patchProbabilities: Float32Array, importance: ImportanceMap): void;
  /**
   * Weighted average [C, z, y, x]; a voxel no window covered is 0. With `activation`, the
   * average (of logits) goes through softmax over channels or a sigmoid in the same pass.
   */
  result(activation?: 'softmax' | 'sigmoid'): Float32Array;
}

/** Accumulator for Gaussian-weighted sliding-window predictions over a volume of `dims`. */
export function createBlender(dims: Vec3, channels: number): Blender {
  const [nx, ny, nz] = dims;
  const v = nx * ny * nz;
  const sum = new Float32Array(v * channels);
  const weight = new Float32Array(v);
  return {
    add(start, probs, importance) {
      const [px, py, pz] = importance.patchDims;
      const pv = px * py * pz;
      if (probs.length !== pv * channels) {
        throw new Error(`patch has ${probs.length} values, expected ${channels} channels × ${px}×${py}×${pz}`);
      }
      const w = importance.weights;
      for (let z = 0; z < pz; z++) {
        const vz = start[2] + z;
        if (vz < 0 || vz >= nz) continue;
        for (let y = 0; y < py; y++) {
          const vy = start[1] + y;
          if (vy < 0 || vy >= ny) continue;
          for (let x = 0; x < px; x++) {
            const vx = start[0] + x;
            if (vx < 0 || vx >= nx) continue;
            const pi = (z * py + y) * px + x;
            const vi = (vz * ny + vy) * nx + vx;
            const wi = w[pi];
            weight[vi] += wi;
            for (let c = 0; c < channels; c++) sum[c * v + vi] += probs[c * pv + pi] * wi;
          }
        }
      }
    },
    result(activation) {
      const out = new Float32Array(v * channels);
      if (!activation) {
        for (let c = 0; c < channels; c++)
          for (let i = 0; i < v; i++) out[c * v + i] = weight[i] > 0 ? sum[c * v + i] / weight[i] : 0;
        return out;
      }
      for (let i = 0; i < v; i++) {
        const w = weight[i] > 0 ? 1 / weight[i] : 0;
        if (activation === 'sigmoid') {
          for (let c = 0; c < channels; c++) out[c * v + i] = 1 / (1 + Math.exp(-sum[c * v + i] * w));
          continue;
        }
        let max = -Infinity;
        for (let c = 0; c < channels; c++) max = Math.max(max, sum[c * v + i] * w);
        let total = 0;
        for (let c = 0; c < channels; c++) {
          const e = Math.exp(sum[c * v + i] * w - max);
          out[c * v + i] = e;
          total += e;
        }
        for (let c = 0; c < channels; c++) out[c * v + i] /= total;
      }
      return out;
    },
  };
}

/**
 * Pad a volume (channel-first if channels > 1) so every axis is at least `minDims`,
 * centred as nnU-Net does (below = floor(diff/2), the rest above) with a constant
 * (nnU-Net pads the normalised image with 0). `offset` is where the original starts.
 */
export function padToAtLeast(
  data: ArrayLike<number>,
  dims: Vec3,
  minDims: Vec3,
  fillValue = 0,
  channels = 1,
): { data: Float32Array; dims: Vec3; offset: Vec3 } {
  const out3 = [0, 1, 2].map((a) => Math.max(dims[a], minDims[a])) as Vec3;
  const offset = [0, 1, 2].map((a) => Math.floor((out3[a] - dims[a]) / 2)) as Vec3;
  const v = dims[0] * dims[1] * dims[2];
  const ov = out3[0] * out3[1] * out3[2];
  if (data.length !== v * channels) throw new Error(`volume has ${data.length} values, expected ${channels}×${dims.join('×')}`);
  const out = new Float32Array(ov * channels).fill(fillValue);
  for (let c = 0; c < channels; c++)
    for (let z = 0; z < dims[2]; z++)
      for (let y = 0; y < dims[1]; y++) {
        const src = c * v + (z * dims[1] + y) * dims[0];
        const dst = c * ov + ((z + offset[2]) * out3[1] + (y + offset[1])) * out3[0] + offset[0];
        for (let x = 0; x < dims[0]; x++) out[dst + x] = data[src + x];
      }
  return { data: out, dims: out3, offset };
}

/** Cut the box [offset, offset + dims) out of a (channel-first) volume of `fromDims`; undoes padToAtLeast. */
export function crop(data: Float32Array, fromDims: Vec3, offset: Vec3, dims: Vec3, channels = 1): Float32Array {
  for (let a = 0; a < 3; a++) {
    if (offset[a] < 0 || offset[a] + dims[a] > fromDims[a]) throw new Error(`crop box leaves the volume on axis ${a}`);
  }
  const fv = fromDims[0] * fromDims[1] * fromDims[2];
  const v = dims[0] * dims[1] * dims[2];
  const out = new Float32Array(v * channels);
  for (let c = 0; c < channels; c++)
    for (let z = 0; z < dims[2]; z++)
      for (let y = 0; y < dims[1]; y++) {
        const src = c * fv + ((z + offset[2]) * fromDims[1] + (y + offset[1])) * fromDims[0] + offset[0];
        const dst = c * v + (z * dims[1] + y) * dims[0];
        for (let x = 0; x < dims[0]; x++) out[dst + x] = data[src + x];
      }
  return out;
}

/** Axis index in our dims order: 0 = x, 1 = y, 2 = z. */
export type Axis = 0 | 1 | 2;

/**
 * Mirror a (channel-first) patch along the given axes. A flip is its own inverse, so the
 * same call flips a prediction back (nnU-Net test-time mirroring).
 */
export function flipAxes(data: Float32Array, dims: Vec3, axes: readonly Axis[], channels = 1): Float32Array {
  const [nx, ny, nz] = dims;
  const v = nx * ny * nz;
  const fx = axes.includes(0);
  const fy = axes.includes(1);
  const fz = axes.includes(2);
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c++)
    for (let z = 0; z < nz; z++) {
      const sz = fz ? nz - 1 - z : z;
      for (let y = 0; y < ny; y++) {
        const sy = fy ? ny - 1 - y : y;
        for (let x = 0; x < nx; x++) {
          const sx = fx ? nx - 1 - x : x;
          out[c * v + (z * ny + y) * nx + x] = data[c * v + (sz * ny + sy) * nx + sx];
        }
      }
    }
  return out;
}

/** Every subset of `axes` (including none): the 2^n mirror combinations nnU-Net averages. */
export function mirrorCombinations(axes: readonly Axis[] = [0, 1, 2]): Axis[][] {
  const out: Axis[][] = [];
  for (let m = 0; m < 1 << axes.length; m++) out.push(axes.filter((_, i) => (m >> i) & 1));
  return out;
}
