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
 *     batches, optionally mirrored (test-time augmentation), apply the output activation
 *     per window and blend with Gaussian importance;
 *  5. back to the series grid: each series voxel takes the label of the probabilities
 *     trilinearly interpolated at its position (where all eight surrounding model voxels
 *     agree, their label is taken directly, which is what interpolation would give).
 */
import type { Vec3, VolumeGeometry } from '../api/types';
import { indexToLps, lpsToIndex } from '../dicom/geometry';
import { labelRole, type ModelManifest } from '../models/manifest';
import { ctClipZScore, scaleToRange, zScore } from './normalize';
import { geometryAtSpacing, resampleToGrid } from './resample';
import { createBlender, crop, flipAxes, gaussianImportance, mirrorCombinations, padToAtLeast, windows3d, type Axis } from './slidingWindow';
import { sigmoid, softmaxChannels } from './activation';

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
  for (let b = 0; b < starts.length; b += batchSize) {
    cancelled();
    const group = starts.slice(b, b + batchSize);
    const patches = group.map((s) => crop(padded.data, padded.dims, s, patch));
    const summed = group.map(() => new Float32Array(outC * pv));
    for (const axes of combos) {
      const batch = new Float32Array(group.length * pv);
      patches.forEach((p, i) => batch.set(axes.length ? flipAxes(p, patch, axes) : p, i * pv));
      const ti = now();
      const out = await infer(batch, group.length);
      inferMs += now() - ti;
      calls++;
      if (out.length !== group.length * outC * pv) {
        throw new Error(`model "${manifest.id}" returned ${out.length} values for ${group.length} window(s); expected ${group.length}×${outC}×${pv}`);
      }
      const tb = now();
      for (let i = 0; i < group.length; i++) {
        let p: Float32Array = out.subarray(i * outC * pv, (i + 1) * outC * pv);
        p = manifest.output.activation === 'softmax' ? softmaxChannels(p, outC) : manifest.output.activation === 'sigmoid' ? sigmoid(p) : p.slice();
        if (axes.length) p = flipAxes(p, patch, axes, outC);
        const acc = summed[i];
        for (let k = 0; k < acc.length; k++) acc[k] += p[k];
      }
      blendMs += now() - tb;
    }
    const tb = now();
    group.forEach((s, i) => {
      const acc = summed[i];
      if (combos.length > 1) for (let k = 0; k < acc.length; k++) acc[k] /= combos.length;
      blender.add(s, acc, importance);
    });
    blendMs += now() - tb;
    onProgress?.({ phase: 'inference', done: Math.min(b + batchSize, starts.length), total: starts.length });
  }
  cancelled();
  const tb = now();
  let probabilities = crop(blender.result(), padded.dims, padded.offset, modelDims, outC);
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
  const f = (ijk: Vec3): Vec3 => lpsToIndex(modelGeometry, indexToLps(seriesGeometry, ijk));
  const base = f([0, 0, 0]);
  const step = (ijk: Vec3): Vec3 => {
    const p = f(ijk);
    return [p[0] - base[0], p[1] - base[1], p[2] - base[2]];
  };
  const ci = step([1, 0, 0]);
  const cj = step([0, 1, 0]);
  const ck = step([0, 0, 1]);
  const mxy = mx * my;
  const clamp = (v: number, hi: number): number => (v < 0 ? 0 : v > hi ? hi : v);
  for (let k = seriesBox.min[2]; k <= seriesBox.max[2]; k++)
    for (let j = seriesBox.min[1]; j <= seriesBox.max[1]; j++) {
      let o = (k * ny + j) * nx + seriesBox.min[0];
      for (let i = seriesBox.min[0]; i <= seriesBox.max[0]; i++, o++) {
        const x = clamp(base[0] + i * ci[0] + j * cj[0] + k * ck[0], mx - 1);
        const y = clamp(base[1] + i * ci[1] + j * cj[1] + k * ck[1], my - 1);
        const z = clamp(base[2] + i * ci[2] + j * cj[2] + k * ck[2], mz - 1);
        const x0 = Math.min(Math.floor(x + 1e-6), mx - 1);
        const y0 = Math.min(Math.floor(y + 1e-6), my - 1);
        const z0 = Math.min(Math.floor(z + 1e-6), mz - 1);
        const x1 = Math.min(x0 + 1, mx - 1);
        const y1 = Math.min(y0 + 1, my - 1);
        const z1 = Math.min(z0 + 1, mz - 1);
        const i000 = z0 * mxy + y0 * mx + x0;
        const l = modelLabels[i000];
        const i100 = z0 * mxy + y0 * mx + x1;
        const i010 = z0 * mxy + y1 * mx + x0;
        const i110 = z0 * mxy + y1 * mx + x1;
        const i001 = z1 * mxy + y0 * mx + x0;
        const i101 = z1 * mxy + y0 * mx + x1;
        const i011 = z1 * mxy + y1 * mx + x0;
        const i111 = z1 * mxy + y1 * mx + x1;
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
          continue;
        }
        const fx = Math.max(0, x - x0);
        const fy = Math.max(0, y - y0);
        const fz = Math.max(0, z - z0);
        for (let c = 0; c < channels; c++) {
          const p = probabilities;
          const b = c * mv;
          const c00 = p[b + i000] * (1 - fx) + p[b + i100] * fx;
          const c10 = p[b + i010] * (1 - fx) + p[b + i110] * fx;
          const c01 = p[b + i001] * (1 - fx) + p[b + i101] * fx;
          const c11 = p[b + i011] * (1 - fx) + p[b + i111] * fx;
          vals[c] = (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
        }
        out[o] = decide(vals, labelsOfChannel, sig);
      }
    }
  return out;
}
