/**
 * Voxel overlap between a reference and a predicted label map on the same grid
 * (x fastest, as every volume in Longitude). Label 0 is background.
 *
 * - Dice (Sørensen–Dice) = 2|A∩B| / (|A| + |B|)
 * - IoU (Jaccard)        = |A∩B| / |A∪B|, and Dice = 2·IoU / (1 + IoU)
 *
 * where A and B are the voxels of the label (or of a set of labels merged, e.g. a
 * lesion class made of labels 2 ∪ 3) in the reference and the prediction.
 * When both are empty the ratio is 0/0; it is defined here as 1 (both agree the
 * structure is absent) and flagged with `bothEmpty`, so that a mean can include or
 * exclude such cases knowingly.
 */
import { MetricError } from './errors';

/** A label map: one integer label per voxel (Uint8Array, Int16Array, …). */
export type LabelVolume = ArrayLike<number>;

export interface Overlap {
  /** The label, or the labels merged, that count as inside. */
  labels: number[];
  referenceVoxels: number;
  predictionVoxels: number;
  intersectionVoxels: number;
  unionVoxels: number;
  dice: number;
  iou: number;
  /** Neither volume has a voxel of these labels: dice and iou are set to 1 by definition. */
  bothEmpty: boolean;
}

function assertSameGrid(reference: LabelVolume, prediction: LabelVolume): void {
  if (reference.length !== prediction.length) {
    throw new MetricError(
      `the reference has ${reference.length} voxels and the prediction ${prediction.length}: overlap needs both on the same grid`,
    );
  }
}

function overlapFromCounts(labels: number[], a: number, b: number, ab: number): Overlap {
  const union = a + b - ab;
  const bothEmpty = a === 0 && b === 0;
  return {
    labels,
    referenceVoxels: a,
    predictionVoxels: b,
    intersectionVoxels: ab,
    unionVoxels: union,
    dice: bothEmpty ? 1 : (2 * ab) / (a + b),
    iou: bothEmpty ? 1 : ab / union,
    bothEmpty,
  };
}

/** Membership test for a set of labels; a lookup table when they are small non-negative integers. */
function memberOf(labels: readonly number[]): (v: number) => boolean {
  const small = labels.every((l) => Number.isInteger(l) && l >= 0 && l <= 65535);
  if (small) {
    const table = new Uint8Array(Math.max(...labels) + 1);
    for (const l of labels) table[l] = 1;
    return (v) => table[v] === 1;
  }
  const set = new Set(labels);
  return (v) => set.has(v);
}

/**
 * Overlap of one label, or of several labels merged into one structure
 * (`[2, 3]`: a voxel is inside when its label is 2 or 3, in each volume).
 */
export function overlapOfLabels(reference: LabelVolume, prediction: LabelVolume, labels: number | readonly number[]): Overlap {
  assertSameGrid(reference, prediction);
  const list = typeof labels === 'number' ? [labels] : [...labels];
  if (list.length === 0) throw new MetricError('overlap needs at least one label');
  const inside = memberOf(list);
  let a = 0;
  let b = 0;
  let ab = 0;
  for (let p = 0; p < reference.length; p++) {
    const inA = inside(reference[p]);
    const inB = inside(prediction[p]);
    if (inA) a++;
    if (inB) b++;
    if (inA && inB) ab++;
  }
  return overlapFromCounts(list, a, b, ab);
}

/**
 * Overlap of each label separately, in one pass. Without `labels`: every non-zero
 * label present in either volume, in ascending order. A listed label absent from both
 * gives `bothEmpty` (Dice 1 by definition).
 */
export function overlapPerLabel(reference: LabelVolume, prediction: LabelVolume, labels?: readonly number[]): Overlap[] {
  assertSameGrid(reference, prediction);
  const refCount = new Map<number, number>();
  const predCount = new Map<number, number>();
  const interCount = new Map<number, number>();
  const add = (m: Map<number, number>, k: number): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  // Most voxels are background in both: only the others touch the maps.
  let foreground = 0;
  for (let p = 0; p < reference.length; p++) {
    const r = reference[p];
    const q = prediction[p];
    if (r === 0 && q === 0) continue;
    foreground++;
    if (r !== 0) add(refCount, r);
    if (q !== 0) add(predCount, q);
    if (r === q) add(interCount, r);
  }
  const wanted = labels ? [...labels] : [...new Set([...refCount.keys(), ...predCount.keys()])].sort((x, y) => x - y);
  const n = reference.length;
  const sum = (m: Map<number, number>): number => [...m.values()].reduce((s, v) => s + v, 0);
  return wanted.map((label) => {
    if (label === 0) {
      // Background: everything the foreground counts did not take.
      return overlapFromCounts([0], n - sum(refCount), n - sum(predCount), n - foreground);
    }
    return overlapFromCounts([label], refCount.get(label) ?? 0, predCount.get(label) ?? 0, interCount.get(label) ?? 0);
  });
}
