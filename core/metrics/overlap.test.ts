import { describe, expect, it } from 'vitest';
import { MetricError } from './errors';
import { mulberry32 } from './prng';
import { overlapOfLabels, overlapPerLabel } from './overlap';

// Ten voxels, index:  0  1  2  3  4  5  6  7  8  9
const REF = Uint8Array.from([0, 1, 1, 1, 2, 2, 0, 3, 0, 0]);
const PRED = Uint8Array.from([0, 1, 1, 0, 2, 3, 3, 3, 1, 0]);

describe('overlapPerLabel', () => {
  it('gives Dice and IoU per label, checked by hand', () => {
    const [l1, l2, l3] = overlapPerLabel(REF, PRED);
    // Label 1: A = {1,2,3}, B = {1,2,8}, A∩B = {1,2}: Dice = 2·2/(3+3) = 2/3, IoU = 2/|{1,2,3,8}| = 1/2.
    expect(l1).toMatchObject({ labels: [1], referenceVoxels: 3, predictionVoxels: 3, intersectionVoxels: 2, unionVoxels: 4, bothEmpty: false });
    expect(l1.dice).toBeCloseTo(2 / 3, 12);
    expect(l1.iou).toBeCloseTo(1 / 2, 12);
    // Label 2: A = {4,5}, B = {4}, A∩B = {4}: Dice = 2/3, IoU = 1/2.
    expect(l2.dice).toBeCloseTo(2 / 3, 12);
    expect(l2.iou).toBeCloseTo(1 / 2, 12);
    // Label 3: A = {7}, B = {5,6,7}, A∩B = {7}: Dice = 2/4, IoU = 1/3.
    expect(l3.dice).toBeCloseTo(1 / 2, 12);
    expect(l3.iou).toBeCloseTo(1 / 3, 12);
  });

  it('defines a label absent from both volumes as Dice = IoU = 1 and flags it', () => {
    const [absent] = overlapPerLabel(REF, PRED, [4]);
    expect(absent).toMatchObject({ labels: [4], referenceVoxels: 0, predictionVoxels: 0, dice: 1, iou: 1, bothEmpty: true });
  });

  it('scores a label missing from the prediction as 0, not as empty', () => {
    const [l3] = overlapPerLabel(REF, new Uint8Array(10), [3]);
    expect(l3).toMatchObject({ dice: 0, iou: 0, bothEmpty: false });
  });

  it('computes background (label 0) when asked', () => {
    // A = {0,6,8,9}, B = {0,3,9}, A∩B = {0,9}, A∪B = {0,3,6,8,9}: Dice = 2·2/(4+3) = 4/7, IoU = 2/5.
    const [bg] = overlapPerLabel(REF, PRED, [0]);
    expect(bg).toMatchObject({ referenceVoxels: 4, predictionVoxels: 3, intersectionVoxels: 2, unionVoxels: 5 });
    expect(bg.dice).toBeCloseTo(4 / 7, 12);
    expect(bg.iou).toBeCloseTo(2 / 5, 12);
  });

  it('holds Dice = 2·IoU/(1 + IoU) on random label maps and agrees with overlapOfLabels', () => {
    const rng = mulberry32(7);
    const a = Int16Array.from({ length: 5000 }, () => Math.floor(rng() * 4));
    const b = Int16Array.from({ length: 5000 }, () => Math.floor(rng() * 4));
    for (const o of overlapPerLabel(a, b)) {
      expect(o.dice).toBeCloseTo((2 * o.iou) / (1 + o.iou), 12);
      expect(overlapOfLabels(a, b, o.labels[0])).toEqual(o);
    }
  });

  it('refuses volumes of different sizes', () => {
    expect(() => overlapPerLabel(REF, new Uint8Array(9))).toThrow(MetricError);
    expect(() => overlapPerLabel(REF, new Uint8Array(9))).toThrow(/10 voxels .* 9/);
  });
});

describe('overlapOfLabels', () => {
  it('merges labels: lesion = 2 ∪ 3, a voxel labelled 2 in one and 3 in the other is an agreement', () => {
    // A = {4,5,7}, B = {4,5,6,7}, A∩B = {4,5,7}: Dice = 2·3/(3+4) = 6/7, IoU = 3/4.
    const o = overlapOfLabels(REF, PRED, [2, 3]);
    expect(o).toMatchObject({ labels: [2, 3], referenceVoxels: 3, predictionVoxels: 4, intersectionVoxels: 3, unionVoxels: 4 });
    expect(o.dice).toBeCloseTo(6 / 7, 12);
    expect(o.iou).toBeCloseTo(3 / 4, 12);
  });

  it('handles labels outside 0 … 65535 (float label maps)', () => {
    const a = Float32Array.from([70000, 70000, 0, -1]);
    const b = Float32Array.from([70000, 0, 0, -1]);
    // A = {0,1}, B = {0}: Dice 2/3; label −1: A = B = {3}: Dice 1.
    expect(overlapOfLabels(a, b, 70000).dice).toBeCloseTo(2 / 3, 12);
    expect(overlapOfLabels(a, b, [-1])).toMatchObject({ dice: 1, bothEmpty: false });
  });
});
