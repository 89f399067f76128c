/**
 * Turning network outputs into probabilities and labels.
 *
 * Layout. ONNX segmentation models (nnU-Net exports included) take and return
 * channel-first tensors [N, C, z, y, x] in C order (last index fastest). Our volumes are
 * stored x fastest, then y, then z, which is exactly C order over [z, y, x]; so a volume
 * of dims [nx, ny, nz] is passed to ONNX as-is with shape [1, 1, nz, ny, nx] (no copy),
 * and channel c of an output occupies elements [c·V, (c+1)·V) with V = nx·ny·nz, each
 * channel in our own layout. Every function here uses that channel-first layout.
 */
import type { Vec3 } from '../api/types';

/** ONNX tensor shape [1, C, z, y, x] for a volume of dims [x, y, z] (ours). */
export function onnxShape(dims: Vec3, channels: number): [number, number, number, number, number] {
  return [1, channels, dims[2], dims[1], dims[0]];
}

function voxelsPerChannel(length: number, channels: number): number {
  if (!Number.isInteger(channels) || channels < 1) throw new Error(`channel count must be a positive integer, got ${channels}`);
  if (length % channels !== 0) throw new Error(`${length} values cannot be split into ${channels} channels`);
  return length / channels;
}

/** Softmax over channels per voxel (max-subtracted for stability). Input and output [C, z, y, x]. */
export function softmaxChannels(logits: Float32Array, channels: number): Float32Array {
  const v = voxelsPerChannel(logits.length, channels);
  const out = new Float32Array(logits.length);
  for (let i = 0; i < v; i++) {
    let max = -Infinity;
    for (let c = 0; c < channels; c++) max = Math.max(max, logits[c * v + i]);
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const e = Math.exp(logits[c * v + i] - max);
      out[c * v + i] = e;
      sum += e;
    }
    for (let c = 0; c < channels; c++) out[c * v + i] /= sum;
  }
  return out;
}

/** Label per voxel = index of the largest channel (ties go to the lower index; channel 0 is background). */
export function argmaxChannels(scores: Float32Array, channels: number): Uint8Array {
  if (channels > 256) throw new Error(`${channels} channels do not fit an 8-bit label map`);
  const v = voxelsPerChannel(scores.length, channels);
  const out = new Uint8Array(v);
  for (let i = 0; i < v; i++) {
    let best = 0;
    let bestScore = scores[i];
    for (let c = 1; c < channels; c++) {
      const s = scores[c * v + i];
      if (s > bestScore) {
        best = c;
        bestScore = s;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Logistic sigmoid 1 / (1 + e^−x), elementwise. */
export function sigmoid(logits: Float32Array): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = 1 / (1 + Math.exp(-logits[i]));
  return out;
}

/** Binary mask: 1 where probability ≥ threshold (sigmoid outputs; region-based/multi-label models). */
export function thresholdProbabilities(probabilities: Float32Array, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(probabilities.length);
  for (let i = 0; i < probabilities.length; i++) out[i] = probabilities[i] >= threshold ? 1 : 0;
  return out;
}

/** sigmoid then threshold, computed on logits directly: p ≥ t ⇔ x ≥ ln(t / (1 − t)). */
export function sigmoidThreshold(logits: Float32Array, threshold = 0.5): Uint8Array {
  if (!(threshold > 0 && threshold < 1)) throw new Error(`probability threshold must be in (0, 1), got ${threshold}`);
  const cut = Math.log(threshold / (1 - threshold));
  const out = new Uint8Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] >= cut ? 1 : 0;
  return out;
}
