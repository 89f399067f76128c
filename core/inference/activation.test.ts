import { describe, expect, it } from 'vitest';
import {
  argmaxChannels,
  onnxShape,
  sigmoid,
  sigmoidThreshold,
  softmaxChannels,
  thresholdProbabilities,
} from './activation';

describe('layout', () => {
  it('passes our x-fastest volume to ONNX as [1, C, z, y, x] without reordering', () => {
    expect(onnxShape([512, 400, 120], 2)).toEqual([1, 2, 120, 400, 512]);
    // Voxel (x=1, y=2, z=3) of dims [4, 5, 6]: our offset x + nx·y + nx·ny·z equals the C-order offset of [z, y, x].
    const ours = 1 + 4 * 2 + 4 * 5 * 3;
    const cOrder = (3 * 5 + 2) * 4 + 1;
    expect(ours).toBe(cOrder);
  });
});

describe('softmaxChannels', () => {
  it('gives hand-computed probabilities, channel-first', () => {
    // 2 channels × 2 voxels: [c0v0, c0v1, c1v0, c1v1]. v0: logits (0, ln 3) → (1/4, 3/4).
    // v1: (1000, 1000) would overflow exp without max subtraction → (1/2, 1/2).
    const p = softmaxChannels(Float32Array.from([0, 1000, Math.log(3), 1000]), 2);
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[2]).toBeCloseTo(0.75, 6);
    expect(p[1]).toBeCloseTo(0.5, 6);
    expect(p[3]).toBeCloseTo(0.5, 6);
  });
  it('refuses data that does not split into channels', () => {
    expect(() => softmaxChannels(new Float32Array(5), 2)).toThrow(/2 channels/);
  });
});

describe('argmaxChannels', () => {
  it('labels each voxel with its largest channel, ties to the lower label', () => {
    // 3 channels × 3 voxels.
    const scores = Float32Array.from([0.2, 0.5, 0.3, 0.7, 0.5, 0.3, 0.1, 0.0, 0.4]);
    expect(Array.from(argmaxChannels(scores, 3))).toEqual([1, 0, 2]);
  });
});

describe('sigmoid and threshold', () => {
  it('sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4, sigmoid(-ln 3) = 1/4', () => {
    const s = sigmoid(Float32Array.from([0, Math.log(3), -Math.log(3)]));
    expect(s[0]).toBeCloseTo(0.5, 7);
    expect(s[1]).toBeCloseTo(0.75, 7);
    expect(s[2]).toBeCloseTo(0.25, 7);
  });
  it('thresholding logits agrees with thresholding probabilities', () => {
    const logits = Float32Array.from([-1, 0, 2, Math.log(3) - 0.01, Math.log(3) + 0.01]);
    expect(Array.from(sigmoidThreshold(logits))).toEqual([0, 1, 1, 1, 1]);
    expect(Array.from(sigmoidThreshold(logits, 0.75))).toEqual([0, 0, 1, 0, 1]);
    expect(Array.from(thresholdProbabilities(sigmoid(logits), 0.75))).toEqual([0, 0, 1, 0, 1]);
    expect(() => sigmoidThreshold(logits, 1)).toThrow(/threshold/);
  });
});
