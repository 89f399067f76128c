/**
 * From a segmentation model's labels to proposals a radiologist accepts, edits or rejects:
 * one per connected lesion component (26-connected) with its volume, centroid,
 * auto-bidirectional diameters (RECIST-style longest axial diameter and perpendicular),
 * class probabilities and mean probability; and one per organ label (its largest
 * 6-connected component, lesions inside included, as an organ's volume includes its tumours).
 */
import type { Vec3, VolumeGeometry } from '../api/types';
import type { MaskRle } from '../api/maskRle';
import { indexToLps } from '../dicom/geometry';
import { labelRole, type ModelManifest } from '../models/manifest';
import { autoBidirectional, connectedComponents3d, type BidirectionalMeasurement, type ComponentsResult } from '../segmentation';
import type { VoxelBox } from '../segmentation/mask';
import { subGeometry, type PipelineResult } from './pipeline';
import { targetToSourceIndex } from './resample';

export interface ClassProbability {
  labelValue: number;
  name: string;
  probability: number;
}

export interface ProposalDraft {
  kind: 'lesion' | 'organ';
  /** The label the proposal is (for lesions: the most probable lesion class). */
  labelValue: number;
  labelName: string;
  /** Registry lesion type of that label (lesions only). */
  lesionType: string | null;
  voxelCount: number;
  volumeMl: number;
  centroidLps: Vec3;
  /** Inclusive series voxel box. */
  box: VoxelBox;
  /** Longest axial diameter and its perpendicular (lesions only; null for organs). */
  bidirectional: BidirectionalMeasurement | null;
  /** Lesions: the mean probability of each lesion class over the component, normalized to sum 1. */
  classProbabilities: ClassProbability[];
  /** Mean over the component of the probability of its kind (any lesion class, or the organ with its lesions). */
  meanProbability: number;
  /** The component on the series grid. */
  mask: MaskRle;
}

export interface ProposalOptions {
  /** Lesion components smaller than this are dropped as noise (default 0.05 mL ≈ a 4.6 mm sphere). */
  minLesionVolumeMl?: number;
}

/** Run lengths of one component of a box-local label array, on the full grid (no full-size copy). */
export function componentRle(result: ComponentsResult, dims: Vec3, id: number): MaskRle {
  const box = result.box;
  const total = dims[0] * dims[1] * dims[2];
  if (!box) return { length: total, runs: [total] };
  const runs: number[] = [];
  let zeros = 0;
  let ones = 0;
  let cursor = 0; // full-grid index just after the last voxel accounted for
  const bw = box.max[0] - box.min[0] + 1;
  const bh = box.max[1] - box.min[1] + 1;
  let p = 0;
  const flushTo = (index: number): void => {
    // Voxels from cursor to index (exclusive) are outside the component.
    if (index > cursor) {
      if (ones > 0) {
        runs.push(zeros, ones);
        zeros = 0;
        ones = 0;
      }
      zeros += index - cursor;
      cursor = index;
    }
  };
  for (let k = box.min[2]; k <= box.max[2]; k++)
    for (let j = box.min[1]; j < box.min[1] + bh; j++) {
      const row = (k * dims[1] + j) * dims[0] + box.min[0];
      for (let x = 0; x < bw; x++, p++) {
        if (result.labels[p] === id) {
          flushTo(row + x);
          ones++;
          cursor = row + x + 1;
        }
      }
    }
  flushTo(total);
  if (ones > 0) runs.push(zeros, ones);
  else runs.push(zeros);
  return { length: total, runs };
}

/** Box-local binary mask of one component. */
function componentBoxMask(result: ComponentsResult, box: VoxelBox, id: number): Uint8Array {
  const rb = result.box!;
  const rw = rb.max[0] - rb.min[0] + 1;
  const rh = rb.max[1] - rb.min[1] + 1;
  const w = box.max[0] - box.min[0] + 1;
  const h = box.max[1] - box.min[1] + 1;
  const d = box.max[2] - box.min[2] + 1;
  const out = new Uint8Array(w * h * d);
  let o = 0;
  for (let k = 0; k < d; k++)
    for (let j = 0; j < h; j++) {
      const src = ((box.min[2] - rb.min[2] + k) * rh + (box.min[1] - rb.min[1] + j)) * rw + (box.min[0] - rb.min[0]);
      for (let i = 0; i < w; i++, o++) out[o] = result.labels[src + i] === id ? 1 : 0;
    }
  return out;
}

function shiftIjk(p: Vec3, by: Vec3): Vec3 {
  return [p[0] + by[0], p[1] + by[1], p[2] + by[2]];
}

/**
 * Mean of each probability channel over a component's voxels, reading the model grid at
 * the nearest model voxel of every series voxel.
 */
function channelMeans(result: PipelineResult, seriesGeometry: VolumeGeometry, cc: ComponentsResult, id: number): Float64Array {
  const mg = result.modelGeometry;
  const [mx, my, mz] = mg.dims;
  const mv = mx * my * mz;
  const channels = result.channelLabels.length;
  const sums = new Float64Array(channels);
  let n = 0;
  const rb = cc.box!;
  // Continuous model index of series voxel (i, j, k) = base + i·ci + j·cj + k·ck.
  const { base, ci, cj, ck } = targetToSourceIndex(mg, seriesGeometry);
  let p = 0;
  const clampR = (v: number, hi: number): number => Math.min(hi, Math.max(0, Math.round(v)));
  for (let k = rb.min[2]; k <= rb.max[2]; k++)
    for (let j = rb.min[1]; j <= rb.max[1]; j++)
      for (let i = rb.min[0]; i <= rb.max[0]; i++, p++) {
        if (cc.labels[p] !== id) continue;
        const x = clampR(base[0] + i * ci[0] + j * cj[0] + k * ck[0], mx - 1);
        const y = clampR(base[1] + i * ci[1] + j * cj[1] + k * ck[1], my - 1);
        const z = clampR(base[2] + i * ci[2] + j * cj[2] + k * ck[2], mz - 1);
        const m = (z * my + y) * mx + x;
        for (let c = 0; c < channels; c++) sums[c] += result.probabilities[c * mv + m];
        n++;
      }
  for (let c = 0; c < channels; c++) sums[c] = n ? sums[c] / n : 0;
  return sums;
}

export function extractProposals(
  result: PipelineResult,
  seriesGeometry: VolumeGeometry,
  manifest: ModelManifest,
  options: ProposalOptions = {},
): ProposalDraft[] {
  const { minLesionVolumeMl = 0.05 } = options;
  const labels = result.labels;
  const byValue = new Map(manifest.labels.map((l) => [l.value, l]));
  const lesionValues = manifest.labels.filter((l) => labelRole(l) === 'lesion').map((l) => l.value);
  const organValues = manifest.labels.filter((l) => labelRole(l) === 'organ').map((l) => l.value);
  const channelOf = new Map(result.channelLabels.map((v, c) => [v, c]));
  const isLesion = new Uint8Array(256);
  for (const v of lesionValues) isLesion[v] = 1;
  const out: ProposalDraft[] = [];

  // Lesions: components of the union of the lesion labels.
  // Labels are 0 outside the processed box: only its voxels need looking at.
  const [nx, ny] = seriesGeometry.dims;
  const { min: b0, max: b1 } = result.seriesBox;
  if (lesionValues.length) {
    const mask = new Uint8Array(labels.length);
    for (let k = b0[2]; k <= b1[2]; k++)
      for (let j = b0[1]; j <= b1[1]; j++) {
        const row = (k * ny + j) * nx;
        for (let i = row + b0[0]; i <= row + b1[0]; i++) mask[i] = isLesion[labels[i]];
      }
    const cc = connectedComponents3d(mask, seriesGeometry, { connectivity: 26 });
    for (const comp of cc.components) {
      if (comp.volumeMl < minLesionVolumeMl) continue;
      const means = channelMeans(result, seriesGeometry, cc, comp.id);
      const lesionChannels = lesionValues.filter((v) => channelOf.has(v));
      const pLesion = lesionChannels.reduce((s, v) => s + means[channelOf.get(v)!], 0);
      const classProbabilities = lesionChannels
        .map((v) => ({ labelValue: v, name: byValue.get(v)!.name, probability: pLesion > 0 ? means[channelOf.get(v)!] / pLesion : 1 / lesionChannels.length }))
        .sort((a, b) => b.probability - a.probability);
      const top = classProbabilities[0];
      const boxMask = componentBoxMask(cc, comp.box, comp.id);
      const bd = autoBidirectional(boxMask, subGeometry(seriesGeometry, comp.box));
      const bidirectional = bd && {
        ...bd,
        sliceIndex: bd.sliceIndex + comp.box.min[2],
        longAxisIjk: bd.longAxisIjk.map((p) => shiftIjk(p, comp.box.min)) as [Vec3, Vec3],
        shortAxisIjk: bd.shortAxisIjk.map((p) => shiftIjk(p, comp.box.min)) as [Vec3, Vec3],
      };
      out.push({
        kind: 'lesion',
        labelValue: top.labelValue,
        labelName: top.name,
        lesionType: byValue.get(top.labelValue)?.lesionType ?? 'indeterminate',
        voxelCount: comp.voxelCount,
        volumeMl: comp.volumeMl,
        centroidLps: comp.centroidLps,
        box: comp.box,
        bidirectional,
        classProbabilities,
        meanProbability: Math.min(1, pLesion),
        mask: componentRle(cc, seriesGeometry.dims, comp.id),
      });
    }
  }

  // Organs: the largest component of the organ label with the lesions it holds.
  for (const v of organValues) {
    const organ = organProposal(result, seriesGeometry, v, lesionValues, channelOf);
    if (organ) out.push({ ...organ, labelName: byValue.get(v)!.name });
  }
  return out;
}

/**
 * An organ's proposal: the series voxels labelled organ or lesion that belong to the
 * organ's largest 6-connected component. The component is found on the model grid (tens of
 * times fewer voxels than the series grid); a series voxel belongs to it when its nearest
 * model voxel, or a face neighbour of it, does (so the interpolated boundary is kept).
 * Volume, centroid, box, mean probability and run lengths come from one pass over the box.
 */
function organProposal(
  result: PipelineResult,
  seriesGeometry: VolumeGeometry,
  organValue: number,
  lesionValues: number[],
  channelOf: Map<number, number>,
): Omit<ProposalDraft, 'labelName'> | null {
  const mg = result.modelGeometry;
  const [mx, my, mz] = mg.dims;
  const mv = mx * my * mz;
  const probs = result.probabilities;
  const members = [organValue, ...lesionValues].filter((x) => channelOf.has(x)).map((x) => channelOf.get(x)!);
  // Model-grid mask: the organ and its lesions win the argmax over the other labels.
  const modelMask = new Uint8Array(mv);
  const channels = result.channelLabels.length;
  for (let i = 0; i < mv; i++) {
    let best = 0;
    let bestP = -1;
    for (let c = 0; c < channels; c++) {
      if (probs[c * mv + i] > bestP) {
        bestP = probs[c * mv + i];
        best = c;
      }
    }
    modelMask[i] = members.includes(best) ? 1 : 0;
  }
  const cc = connectedComponents3d(modelMask, mg, { connectivity: 6 });
  if (!cc.components.length || !cc.box) return null;
  // The largest component, grown by one voxel along the faces.
  const keep = new Uint8Array(mv);
  {
    const b = cc.box;
    let p = 0;
    for (let k = b.min[2]; k <= b.max[2]; k++)
      for (let j = b.min[1]; j <= b.max[1]; j++)
        for (let i = b.min[0]; i <= b.max[0]; i++, p++) {
          if (cc.labels[p] !== 1) continue;
          const o = (k * my + j) * mx + i;
          keep[o] = 1;
          if (i > 0) keep[o - 1] = 1;
          if (i + 1 < mx) keep[o + 1] = 1;
          if (j > 0) keep[o - mx] = 1;
          if (j + 1 < my) keep[o + mx] = 1;
          if (k > 0) keep[o - mx * my] = 1;
          if (k + 1 < mz) keep[o + mx * my] = 1;
        }
  }
  const labels = result.labels;
  const isMember = new Uint8Array(256);
  isMember[organValue] = 1;
  for (const l of lesionValues) isMember[l] = 1;
  const [nx, ny, nz] = seriesGeometry.dims;
  const total = nx * ny * nz;
  // Nearest model voxel of series index (i, j, k): affine in i, j, k.
  // Continuous model index of series voxel (i, j, k) = base + i·ci + j·cj + k·ck.
  const { base, ci, cj, ck } = targetToSourceIndex(mg, seriesGeometry);
  const near = (v: number, n: number): number => Math.min(n - 1, Math.max(0, Math.round(v)));
  const { min: b0, max: b1 } = result.seriesBox;
  const runs: number[] = [];
  let zeros = 0;
  let ones = 0;
  let cursor = 0;
  let count = 0;
  const sum: Vec3 = [0, 0, 0];
  const min: Vec3 = [nx, ny, nz];
  const max: Vec3 = [-1, -1, -1];
  let pSum = 0;
  for (let k = b0[2]; k <= b1[2]; k++)
    for (let j = b0[1]; j <= b1[1]; j++) {
      const row = (k * ny + j) * nx;
      for (let i = b0[0]; i <= b1[0]; i++) {
        const o = row + i;
        if (!isMember[labels[o]]) continue;
        const x = near(base[0] + i * ci[0] + j * cj[0] + k * ck[0], mx);
        const y = near(base[1] + i * ci[1] + j * cj[1] + k * ck[1], my);
        const z = near(base[2] + i * ci[2] + j * cj[2] + k * ck[2], mz);
        const m = (z * my + y) * mx + x;
        if (!keep[m]) continue;
        // Run lengths in full-grid order.
        if (o > cursor) {
          if (ones > 0) {
            runs.push(zeros, ones);
            zeros = 0;
            ones = 0;
          }
          zeros += o - cursor;
        }
        ones++;
        cursor = o + 1;
        count++;
        sum[0] += i;
        sum[1] += j;
        sum[2] += k;
        if (i < min[0]) min[0] = i;
        if (j < min[1]) min[1] = j;
        if (k < min[2]) min[2] = k;
        if (i > max[0]) max[0] = i;
        if (j > max[1]) max[1] = j;
        if (k > max[2]) max[2] = k;
        for (const c of members) pSum += probs[c * mv + m];
      }
    }
  if (count === 0) return null;
  runs.push(zeros, ones);
  if (total > cursor) runs.push(total - cursor);
  const [sx, sy, sz] = seriesGeometry.spacingMm;
  const centroidIjk: Vec3 = [sum[0] / count, sum[1] / count, sum[2] / count];
  return {
    kind: 'organ',
    labelValue: organValue,
    lesionType: null,
    voxelCount: count,
    volumeMl: (count * sx * sy * sz) / 1000,
    centroidLps: indexToLps(seriesGeometry, centroidIjk),
    box: { min, max },
    bidirectional: null,
    classProbabilities: [],
    meanProbability: Math.min(1, pSum / count),
    mask: { length: total, runs },
  };
}
