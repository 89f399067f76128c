/**
 * The local-AI segmentation pipeline, from a series volume to labels on the series grid,
 * with the network call injected (`infer`), so this stays pure and the same code runs in
 * the inference process (onnxruntime-node), in tests and in the training tools.
 *
 * Steps, after nnU-Net's predictor (Isensee et al., Nature Methods 18:203–211, 2021):
 *  1. crop to the body (voxels above −500 HU, plus a margin): air costs windows, not information;
 *  2. resample the crop to the model's spacing (trilinear), keeping the series' direction;
 *  3. normalize as the manifest says (CT clip + z-score, z-score, linear scale or none);
 *  4. pad to at least one patch (with air), slide windows with the manifest's overlap, run them in
 *     batches, optionally mirrored (test-time augmentation), blend the logits with Gaussian
 *     importance (nnU-Net v2) and apply the output activation once to the blended volume;
 *  5. back to the series grid: each series voxel takes the label of the probabilities
 *     trilinearly interpolated at its position (where all eight surrounding model voxels
 *     agree, their label is taken directly, which is what interpolation would give).
 */
import type { Vec3, VolumeGeometry } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import { labelRole, type ModelManifest } from '../models/manifest';
import { ctClipZScore, scaleToRange, zScore } from './normalize';
import { geometryAtSpacing, resampleToGrid, targetToSourceIndex } from './resample';
import { createBlender, crop, flipAxes, gaussianImportance, mirrorCombinations, padToAtLeast, windows3d, type Axis } from './slidingWindow';

/** Runs the network on a batch: input [n, C, pz, py, px], output [n, outC, pz, py, px] (C order). */
export type InferFn = (batch: Float32Array, n: number) => Promise<Float32Array>;

export type PipelinePhase = 'preprocess' | 'inference' | 'postprocess';

export interface PipelineProgress {
  phase: PipelinePhase;
  /** Windows done (inference) or steps done. */
  done: number;
  total: number;
}

export interface PipelineOptions {
  /** Windows per network call (default 2). */
  batchSize?: number;
  /** Mirror along the manifest's `mirrorAxes` and average (default true when the manifest lists axes). */
  mirror?: boolean;
  /** Crop to the body before resampling (default true). */
  cropToBody?: boolean;
  /** HU above which a voxel is body (default −500). */
  bodyThresholdHu?: number;
  /** Margin around the body box, mm (default 10). */
  bodyMarginMm?: number;
  onProgress?: (p: PipelineProgress) => void;
  /** Polled between batches; true stops the run with a CancelledError. */
  isCancelled?: () => boolean;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export interface PipelineTimings {
  preprocessMs: number;
  /** Time inside `infer` (the network). */
  inferMs: number;
  /** Activation, mirroring and blending. */
  blendMs: number;
  postprocessMs: number;
  totalMs: number;
}

export interface PipelineResult {
  /** Label value per series voxel (x fastest). */
  labels: Uint8Array;
  /** Probabilities [C, z, y, x] on `modelGeometry` (after the activation). */
  probabilities: Float32Array;
  /** Label value of each probability channel. */
  channelLabels: number[];
  /** The model-spacing grid the network saw (the body crop). */
  modelGeometry: VolumeGeometry;
  /** Inclusive series voxel box that was processed; labels outside it are 0. */
  seriesBox: { min: Vec3; max: Vec3 };
  windows: number;
  /** Network calls (batches × mirror combinations). */
  calls: number;
  timings: PipelineTimings;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Label value of each output channel. Softmax: channel c is label value c (background
 * included). Sigmoid: channel c is the c-th non-background label, by value.
 */
export function channelLabels(m: ModelManifest): number[] {
  const channels = m.output.channels;
  if (m.output.activation === 'sigmoid') {
    const fg = m.labels.filter((l) => labelRole(l) !== 'background').map((l) => l.value).sort((a, b) => a - b);
    if (fg.length !== channels) throw new Error(`a sigmoid model needs one non-background label per output channel: ${fg.length} labels, ${channels} channels`);
    return fg;
  }
  const out: number[] = [];
  for (let c = 0; c < channels; c++) {
    if (!m.labels.some((l) => l.value === c)) throw new Error(`output channel ${c} has no label with value ${c} in model.json`);
    out.push(c);
  }
  return out;
}

/** Inclusive box of voxels above `thresholdHu`, grown by `marginMm`; null when none is. */
export function bodyBox(volume: Int16Array, geometry: VolumeGeometry, thresholdHu: number, marginMm: number): { min: Vec3; max: Vec3 } | null {
  const [nx, ny, nz] = geometry.dims;
  const min: Vec3 = [nx, ny, nz];
  const max: Vec3 = [-1, -1, -1];
  let i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      let rowMin = -1;
      let rowMax = -1;
      for (let x = 0; x < nx; x++, i++) {
        if (volume[i] > thresholdHu) {
          if (rowMin < 0) rowMin = x;
          rowMax = x;
        }
      }
      if (rowMin >= 0) {
        if (rowMin < min[0]) min[0] = rowMin;
        if (rowMax > max[0]) max[0] = rowMax;
        if (y < min[1]) min[1] = y;
        if (y > max[1]) max[1] = y;
        if (z < min[2]) min[2] = z;
        if (z > max[2]) max[2] = z;
      }
    }
  if (max[0] < 0) return null;
  for (let a = 0; a < 3; a++) {
    const m = Math.ceil(marginMm / geometry.spacingMm[a]);
    min[a] = Math.max(0, min[a] - m);
    max[a] = Math.min(geometry.dims[a] - 1, max[a] + m);
  }
  return { min, max };
}

/** Geometry of the voxel box of a grid (same spacing and direction). */
export function subGeometry(g: VolumeGeometry, box: { min: Vec3; max: Vec3 }): VolumeGeometry {
  return {
    dims: [0, 1, 2].map((a) => box.max[a] - box.min[a] + 1) as Vec3,
    spacingMm: [...g.spacingMm] as Vec3,
    originMm: indexToLps(g, box.min),
    direction: [...g.direction] as VolumeGeometry['direction'],
  };
}

function normalizeFor(m: ModelManifest, data: Float32Array): Float32Array {
  const n = m.input.normalization;
  switch (n.type) {
    case 'ct-clip-zscore':
      return ctClipZScore(data, n);
    case 'zscore':
      return zScore(data);
    case 'scale':
      return scaleToRange(data, n);
    case 'none':
      return data;
  }
}

/** The RAS models' array axes run the other way along x and y. */
const RAS_FLIP: Axis[] = [0, 1];

export async function runSegmentation(
  volume: Int16Array,
  geometry: VolumeGeometry,
  manifest: ModelManifest,
  infer: InferFn,
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  const t0 = now();
  const { batchSize = 2, cropToBody = true, bodyThresholdHu = -500, bodyMarginMm = 10, onProgress, isCancelled } = options;
  const mirrorAxes = (manifest.input.mirrorAxes ?? []) as Axis[];
  const mirror = options.mirror ?? mirrorAxes.length > 0;
  if (manifest.input.channels !== 1) throw new Error(`model "${manifest.id}" takes ${manifest.input.channels} input channels; one CT series gives 1`);
  if (!(batchSize >= 1)) throw new Error(`batch size must be ≥ 1, got ${batchSize}`);
  const [gx, gy, gz] = geometry.dims;
  if (volume.length !== gx * gy * gz) throw new Error(`volume has ${volume.length} voxels, its geometry ${gx}×${gy}×${gz}`);
  const outC = manifest.output.channels;
  const labelsOfChannel = channelLabels(manifest);
  const cancelled = (): void => {
    if (isCancelled?.()) throw new CancelledError();
  };

  // 1–3. Crop, resample, normalize.
  onProgress?.({ phase: 'preprocess', done: 0, total: 1 });
  const seriesBox = (cropToBody ? bodyBox(volume, geometry, bodyThresholdHu, bodyMarginMm) : null) ?? {
    min: [0, 0, 0] as Vec3,
    max: [gx - 1, gy - 1, gz - 1] as Vec3,
  };
  const modelGeometry = geometryAtSpacing(subGeometry(geometry, seriesBox), manifest.input.spacingMm);
  let image = normalizeFor(manifest, resampleToGrid(volume, geometry, modelGeometry, 'linear'));
  const modelDims = modelGeometry.dims;
  if (manifest.input.orientation === 'RAS') image = flipAxes(image, modelDims, RAS_FLIP);
  const patch = manifest.input.patchSize;
  // Padding is air, normalized like the image (nnU-Net pads with 0, but crops to the body
  // first, so its padding is outside the body too; for CT z-score 0 would read as liver).
  const fill = manifest.input.normalization.type === 'zscore' ? 0 : normalizeFor(manifest, Float32Array.of(-1000))[0];
  const padded = padToAtLeast(image, modelDims, patch, fill);
  image = new Float32Array(0);
  const tPre = now();
  cancelled();

  // 4. Sliding windows.
  const starts = windows3d(padded.dims, patch, manifest.input.overlap);
  const importance = gaussianImportance(patch);
  const blender = createBlender(padded.dims, outC);
  const pv = patch[0] * patch[1] * patch[2];
  const combos = mirror ? mirrorCombinations(mirrorAxes) : [[] as Axis[]];
  let inferMs = 0;
  let blendMs = 0;
  let calls = 0;
  onProgress?.({ phase: 'inference', done: 0, total: starts.length });
  // One network call per batch and mirror combination. The next call is started before the
  // previous output is blended, so blending runs while the network works (onnxruntime runs
  // on its own threads).
  const jobs: { b: number; axes: Axis[]; combo: number }[] = [];
  for (let b = 0; b < starts.length; b += batchSize) combos.forEach((axes, combo) => jobs.push({ b, axes, combo }));
  const patchesOf = new Map<number, Float32Array[]>();
  const start = (j: number): { promise: Promise<Float32Array>; t: number; n: number } => {
    const { b, axes } = jobs[j];
    const group = starts.slice(b, b + batchSize);
    let patches = patchesOf.get(b);
    if (!patches) {
      patches = group.map((w) => crop(padded.data, padded.dims, w, patch));
      patchesOf.set(b, patches);
    }
    const batch = new Float32Array(group.length * pv);
    patches.forEach((p, i) => batch.set(axes.length ? flipAxes(p, patch, axes) : p, i * pv));
    calls++;
    const promise = infer(batch, group.length);
    promise.catch(() => undefined); // awaited below; never left unhandled
    return { promise, t: now(), n: group.length };
  };
  let summed: Float32Array[] = [];
  let pending = jobs.length ? start(0) : null;
  for (let j = 0; j < jobs.length; j++) {
    const { b, axes, combo } = jobs[j];
    const current = pending!;
    const out = await current.promise;
    inferMs += now() - current.t;
    if (out.length !== current.n * outC * pv) {
      throw new Error(`model "${manifest.id}" returned ${out.length} values for ${current.n} window(s); expected ${current.n}×${outC}×${pv}`);
    }
    cancelled();
    pending = j + 1 < jobs.length ? start(j + 1) : null;
    const tb = now();
    if (combo === 0) summed = Array.from({ length: current.n }, () => new Float32Array(outC * pv));
    // Logits are blended (nnU-Net v2); the activation is applied once to the blended volume.
    for (let i = 0; i < current.n; i++) {
      let p: Float32Array = out.subarray(i * outC * pv, (i + 1) * outC * pv);
      if (axes.length) p = flipAxes(p, patch, axes, outC);
      const acc = summed[i];
      for (let k = 0; k < acc.length; k++) acc[k] += p[k];
    }
    if (combo === combos.length - 1) {
      const group = starts.slice(b, b + batchSize);
      group.forEach((w, i) => {
        const acc = summed[i];
        if (combos.length > 1) for (let k = 0; k < acc.length; k++) acc[k] /= combos.length;
        blender.add(w, acc, importance);
      });
      patchesOf.delete(b);
      onProgress?.({ phase: 'inference', done: Math.min(b + batchSize, starts.length), total: starts.length });
    }
    blendMs += now() - tb;
  }
  cancelled();
  const tb = now();
  const act = manifest.output.activation;
  const blended = blender.result(act === 'softmax' || act === 'sigmoid' ? act : undefined);
  const wasPadded = padded.dims.some((d, a) => d !== modelDims[a]);
  let probabilities = wasPadded ? crop(blended, padded.dims, padded.offset, modelDims, outC) : blended;
  if (manifest.input.orientation === 'RAS') probabilities = flipAxes(probabilities, modelDims, RAS_FLIP, outC);
  blendMs += now() - tb;

  // 5. Back to the series grid.
  onProgress?.({ phase: 'postprocess', done: 0, total: 1 });
  const tPost = now();
  const labels = probabilitiesToGrid(probabilities, labelsOfChannel, manifest.output.activation, modelGeometry, geometry, seriesBox);
  const postprocessMs = now() - tPost;
  onProgress?.({ phase: 'postprocess', done: 1, total: 1 });
  return {
    labels,
    probabilities,
    channelLabels: labelsOfChannel,
    modelGeometry,
    seriesBox,
    windows: starts.length,
    calls,
    timings: { preprocessMs: tPre - t0, inferMs, blendMs, postprocessMs, totalMs: now() - t0 },
  };
}

/**
 * The label a voxel takes from per-channel values: softmax/none → the channel with the
 * highest value; sigmoid → the highest channel ≥ 0.5, else background (0).
 */
function decide(values: Float32Array | number[], labels: number[], sigmoidOutput: boolean): number {
  let best = -1;
  let bestV = -Infinity;
  for (let c = 0; c < values.length; c++) {
    if (values[c] > bestV) {
      bestV = values[c];
      best = c;
    }
  }
  if (sigmoidOutput && bestV < 0.5) return 0;
  return labels[best];
}

/**
 * Labels on the series grid from probabilities on the model grid. Voxels outside
 * `seriesBox` are background. See step 5 in the header.
 */
export function probabilitiesToGrid(
  probabilities: Float32Array,
  labelsOfChannel: number[],
  activation: ModelManifest['output']['activation'],
  modelGeometry: VolumeGeometry,
  seriesGeometry: VolumeGeometry,
  seriesBox: { min: Vec3; max: Vec3 },
  /** `separable: false` forces the general (oblique) path; tests compare the two. */
  options: { separable?: boolean } = {},
): Uint8Array {
  const channels = labelsOfChannel.length;
  const [mx, my, mz] = modelGeometry.dims;
  const mv = mx * my * mz;
  if (probabilities.length !== mv * channels) throw new Error(`probabilities have ${probabilities.length} values, expected ${channels}×${mv}`);
  const sig = activation === 'sigmoid';
  // Labels on the model grid first.
  const modelLabels = new Uint8Array(mv);
  const vals = new Float32Array(channels);
  for (let i = 0; i < mv; i++) {
    for (let c = 0; c < channels; c++) vals[c] = probabilities[c * mv + i];
    modelLabels[i] = decide(vals, labelsOfChannel, sig);
  }
  const [nx, ny, nz] = seriesGeometry.dims;
  const out = new Uint8Array(nx * ny * nz);
  // Continuous model index of series voxel (i, j, k) = base + i·ci + j·cj + k·ck.
  const { base, ci, cj, ck } = targetToSourceIndex(modelGeometry, seriesGeometry);
  const mxy = mx * my;
  const clamp = (v: number, hi: number): number => (v < 0 ? 0 : v > hi ? hi : v);
  const [bx0, by0, bz0] = seriesBox.min;
  const [bx1, by1, bz1] = seriesBox.max;
  // Interpolation at one series voxel from its 8 model neighbours (linear index of the
  // (0,0,0) corner, steps to the +1 neighbours, fractions).
  const at = (o: number, i000: number, dx: number, dy: number, dz: number, fx: number, fy: number, fz: number): void => {
    const l = modelLabels[i000];
    const i100 = i000 + dx;
    const i010 = i000 + dy;
    const i110 = i010 + dx;
    const i001 = i000 + dz;
    const i101 = i001 + dx;
    const i011 = i001 + dy;
    const i111 = i011 + dx;
    if (
      modelLabels[i100] === l &&
      modelLabels[i010] === l &&
      modelLabels[i110] === l &&
      modelLabels[i001] === l &&
      modelLabels[i101] === l &&
      modelLabels[i011] === l &&
      modelLabels[i111] === l
    ) {
      out[o] = l;
      return;
    }
    const p = probabilities;
    for (let c = 0; c < channels; c++) {
      const b = c * mv;
      const c00 = p[b + i000] * (1 - fx) + p[b + i100] * fx;
      const c10 = p[b + i010] * (1 - fx) + p[b + i110] * fx;
      const c01 = p[b + i001] * (1 - fx) + p[b + i101] * fx;
      const c11 = p[b + i011] * (1 - fx) + p[b + i111] * fx;
      vals[c] = (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
    }
    out[o] = decide(vals, labelsOfChannel, sig);
  };
  // Per-axis corner, step and fraction of a continuous model coordinate.
  const axis = (v: number, n: number, stride: number): [number, number, number] => {
    const c = clamp(v, n - 1);
    const c0 = Math.min(Math.floor(c + 1e-6), n - 1);
    return [c0 * stride, c0 + 1 < n ? stride : 0, Math.max(0, c - c0)];
  };
  const tiny = 1e-9;
  const separable =
    options.separable !== false &&
    Math.abs(ci[1]) < tiny && Math.abs(ci[2]) < tiny && Math.abs(cj[0]) < tiny && Math.abs(cj[2]) < tiny && Math.abs(ck[0]) < tiny && Math.abs(ck[1]) < tiny;
  if (separable) {
    // Same directions (the usual case: the model grid is the series grid resampled): each
    // model coordinate depends on one series index only, so it is computed once per axis.
    const axisArrays = (n0: number, n1: number, f: (n: number) => [number, number, number]) => {
      const len = n1 - n0 + 1;
      const o = new Int32Array(len);
      const d = new Int32Array(len);
      const fr = new Float64Array(len);
      for (let n = 0; n < len; n++) [o[n], d[n], fr[n]] = f(n0 + n);
      return { o, d, fr };
    };
    const X = axisArrays(bx0, bx1, (i) => axis(base[0] + i * ci[0], mx, 1));
    const Y = axisArrays(by0, by1, (j) => axis(base[1] + j * cj[1], my, mx));
    const Z = axisArrays(bz0, bz1, (k) => axis(base[2] + k * ck[2], mz, mxy));
    // Model cells whose 8 corners share a label: every series voxel inside takes it (255: mixed).
    const uniform = new Uint8Array(mv).fill(255);
    for (let z = 0; z < mz; z++)
      for (let y = 0; y < my; y++)
        for (let x = 0; x < mx; x++) {
          const i0 = z * mxy + y * mx + x;
          const dx = x + 1 < mx ? 1 : 0;
          const dy = y + 1 < my ? mx : 0;
          const dz = z + 1 < mz ? mxy : 0;
          const l = modelLabels[i0];
          if (
            modelLabels[i0 + dx] === l &&
            modelLabels[i0 + dy] === l &&
            modelLabels[i0 + dy + dx] === l &&
            modelLabels[i0 + dz] === l &&
            modelLabels[i0 + dz + dx] === l &&
            modelLabels[i0 + dz + dy] === l &&
            modelLabels[i0 + dz + dy + dx] === l
          )
            uniform[i0] = l;
        }
    const nX = X.o.length;
    for (let k = bz0; k <= bz1; k++) {
      const zi = k - bz0;
      const zo = Z.o[zi];
      for (let j = by0; j <= by1; j++) {
        const yi = j - by0;
        const zyo = zo + Y.o[yi];
        let o = (k * ny + j) * nx + bx0;
        for (let n = 0; n < nX; n++, o++) {
          const i000 = zyo + X.o[n];
          const u = uniform[i000];
          if (u !== 255) out[o] = u;
          else at(o, i000, X.d[n], Y.d[yi], Z.d[zi], X.fr[n], Y.fr[yi], Z.fr[zi]);
        }
      }
    }
    return out;
  }
  for (let k = bz0; k <= bz1; k++)
    for (let j = by0; j <= by1; j++) {
      let o = (k * ny + j) * nx + bx0;
      for (let i = bx0; i <= bx1; i++, o++) {
        const [xo, dx, fx] = axis(base[0] + i * ci[0] + j * cj[0] + k * ck[0], mx, 1);
        const [yo, dy, fy] = axis(base[1] + i * ci[1] + j * cj[1] + k * ck[1], my, mx);
        const [zo, dz, fz] = axis(base[2] + i * ci[2] + j * cj[2] + k * ck[2], mz, mxy);
        at(o, zo + yo + xo, dx, dy, dz, fx, fy, fz);
      }
    }
  return out;
}
