import { describe, expect, it } from 'vitest';
import type { Mat3, Vec3, VolumeGeometry } from '../api/types';
import { connectedComponents3d } from '../segmentation';
import { indexToLps } from '../dicom/geometry';
import { LESION_MATCH_RULE, describeLesionMatchRule, lesionDetection, poolDetections } from './detection';
import { componentLongestExtentsMm } from './extent';
import { MetricError } from './errors';
import { mulberry32 } from './prng';

const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
function grid(dims: Vec3, spacingMm: Vec3 = [1, 1, 1], direction: Mat3 = IDENTITY): VolumeGeometry {
  return { dims, spacingMm, originMm: [0, 0, 0], direction };
}
function volume(g: VolumeGeometry): Uint8Array {
  return new Uint8Array(g.dims[0] * g.dims[1] * g.dims[2]);
}
/** Fill the inclusive index box [i0,i1]×[j0,j1]×[k0,k1] with `value`. */
function box(m: Uint8Array, g: VolumeGeometry, [i0, i1]: [number, number], [j0, j1]: [number, number], [k0, k1]: [number, number], value = 1): void {
  for (let k = k0; k <= k1; k++) for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) m[i + g.dims[0] * (j + g.dims[1] * k)] = value;
}

/**
 * Grid 20×10×3, spacing 1 × 1 × 2 mm (voxel 2 mm³).
 * Reference: Ra = i1–4, j1–4, k0 (16 voxels); Rb = i10–12, j1–3, k0–1 (18); Rc = (17,8,2) (1).
 * Prediction: P1 = i2–5, j1–4, k0 (16); P2 = i12–14, j1–3, k1 (9); P3 = i6–7, j7–8, k2 (4).
 * Ra∩P1 = i2–4 × j1–4 = 12: IoU = 12/(16+16−12) = 0.6, Dice = 24/32 = 0.75.
 * Rb∩P2 = i12 × j1–3 × k1 = 3: IoU = 3/(18+9−3) = 0.125, Dice = 6/27.
 * Ids are by size, largest first: Rb = 1, Ra = 2, Rc = 3; P1 = 1, P2 = 2, P3 = 3.
 */
function caseA(): { g: VolumeGeometry; ref: Uint8Array; pred: Uint8Array } {
  const g = grid([20, 10, 3], [1, 1, 2]);
  const ref = volume(g);
  const pred = volume(g);
  box(ref, g, [1, 4], [1, 4], [0, 0]);
  box(ref, g, [10, 12], [1, 3], [0, 1]);
  box(ref, g, [17, 17], [8, 8], [2, 2]);
  box(pred, g, [2, 5], [1, 4], [0, 0]);
  box(pred, g, [12, 14], [1, 3], [1, 1]);
  box(pred, g, [6, 7], [7, 8], [2, 2]);
  return { g, ref, pred };
}

describe('lesionDetection', () => {
  it('counts TP, FN, FP and the pair Dice by the default rule (IoU ≥ 0.1)', () => {
    const { g, ref, pred } = caseA();
    const r = lesionDetection(ref, pred, g);
    // Ra↔P1 (IoU 0.6) and Rb↔P2 (IoU 0.125) match; Rc is missed; P3 is a false positive.
    expect([r.truePositives, r.falseNegatives, r.falsePositives]).toEqual([2, 1, 1]);
    expect(r.sensitivity).toBeCloseTo(2 / 3, 12);
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.f1).toBeCloseTo(4 / 6, 12); // 2·2 / (2·2 + 1 + 1)
    expect(r.matches.map((m) => [m.referenceId, m.predictionId])).toEqual([[1, 2], [2, 1]]);
    expect(r.matches[0].iou).toBeCloseTo(0.125, 12);
    expect(r.matches[0].dice).toBeCloseTo(6 / 27, 12);
    expect(r.matches[1].iou).toBeCloseTo(0.6, 12);
    expect(r.matches[1].dice).toBeCloseTo(0.75, 12);
    expect(r.prediction.map((p) => p.status)).toEqual(['tp', 'tp', 'fp']);
    expect(r.reference.map((l) => l.matchedPredictionId)).toEqual([2, 1, null]);
    expect(r.reference.map((l) => l.voxelCount)).toEqual([18, 16, 1]);
    expect(r.reference[1].volumeMl).toBeCloseTo(0.032, 12); // 16 × 2 mm³
    expect(r.notes).toEqual([]);
    expect(r.rule).toBe(LESION_MATCH_RULE);
  });

  it('a stricter threshold (IoU ≥ 0.2) drops the Rb↔P2 pair', () => {
    const { g, ref, pred } = caseA();
    const r = lesionDetection(ref, pred, g, { minIou: 0.2 });
    // TP 1 (Ra), FN 2 (Rb, Rc), FP 2 (P2, P3): sensitivity 1/3, precision 1/3, F1 = 2/(2+2+2).
    expect([r.truePositives, r.falseNegatives, r.falsePositives]).toEqual([1, 2, 2]);
    expect(r.f1).toBeCloseTo(1 / 3, 12);
    expect(r.rule).toContain('at least 0.2');
  });

  it('counts only reference lesions ≥ a longest extent; a prediction of a smaller one is ignored, not FP', () => {
    const { g, ref, pred } = caseA();
    const r = lesionDetection(ref, pred, g, { minReferenceLongestExtentMm: 4 });
    // Extents (voxel centres): Ra √(3²+3²) = 4.243 mm; Rb √(2²+2²+2²) = 3.464 mm (k step 2 mm); Rc 0.
    expect(r.reference.map((l) => l.longestExtentMm)).toEqual([expect.closeTo(Math.sqrt(12), 12), expect.closeTo(Math.sqrt(18), 12), 0]);
    expect(r.reference.map((l) => l.counted)).toEqual([false, true, false]);
    // Ra↔P1 is a TP; P2 matches Rb, which does not count: ignored; P3 is FP; nothing is missed.
    expect([r.truePositives, r.falseNegatives, r.falsePositives]).toEqual([1, 0, 1]);
    expect(r.prediction.map((p) => p.status)).toEqual(['tp', 'ignored', 'fp']);
    expect(r.precision).toBeCloseTo(1 / 2, 12);
    expect(r.f1).toBeCloseTo(2 / 3, 12); // 2·1 / (2·1 + 1 + 0)
    expect(r.matches.find((m) => m.referenceId === 1)?.counted).toBe(false);
    expect(r.rule).toMatch(/longest extent of at least 4 mm/);
  });

  it('counts only reference lesions ≥ a volume', () => {
    const { g, ref, pred } = caseA();
    // Volumes: Rb 18·2 = 36 mm³ = 0.036 mL, Ra 0.032 mL, Rc 0.002 mL; only Rb ≥ 0.035 mL.
    const r = lesionDetection(ref, pred, g, { minReferenceVolumeMl: 0.035 });
    expect([r.truePositives, r.falseNegatives, r.falsePositives]).toEqual([1, 0, 1]);
    expect(r.prediction.map((p) => p.status)).toEqual(['ignored', 'tp', 'fp']);
  });

  it('a lesion of exactly the minimum extent counts (11 voxels at 1 mm: 10 mm centre to centre)', () => {
    const g = grid([12, 1, 1]);
    const ref = volume(g);
    box(ref, g, [0, 10], [0, 0], [0, 0]);
    const r = lesionDetection(ref, ref, g, { minReferenceLongestExtentMm: 10 });
    expect(r.reference[0].longestExtentMm).toBe(10);
    expect(r.truePositives).toBe(1);
  });

  it('one-to-one, greedy by IoU: a prediction spanning two lesions goes to the one it overlaps best', () => {
    // 1-D: L1 = voxels 0–3 (4), L2 = 6–7 (2); P = 2–7 (6).
    // IoU(L1,P) = 2/(4+6−2) = 0.25, IoU(L2,P) = 2/(2+6−2) = 1/3 → P↔L2; L1 is missed.
    const g = grid([10, 1, 1]);
    const ref = volume(g);
    const pred = volume(g);
    box(ref, g, [0, 3], [0, 0], [0, 0]);
    box(ref, g, [6, 7], [0, 0], [0, 0]);
    box(pred, g, [2, 7], [0, 0], [0, 0]);
    const r = lesionDetection(ref, pred, g);
    expect([r.truePositives, r.falseNegatives, r.falsePositives]).toEqual([1, 1, 0]);
    expect(r.matches).toHaveLength(1);
    expect(r.matches[0]).toMatchObject({ referenceId: 2, predictionId: 1, intersectionVoxels: 2 });
    expect(r.matches[0].dice).toBeCloseTo(0.5, 12); // 2·2/(2+6)
  });

  it('a lesion predicted in two pieces: the better piece is the TP, the other a FP', () => {
    // L = 0–5 (6); P1 = 0–1 (2), P2 = 3–5 (3): IoU 2/6 and 3/6 → L↔P2, P1 is FP.
    const g = grid([8, 1, 1]);
    const ref = volume(g);
    const pred = volume(g);
    box(ref, g, [0, 5], [0, 0], [0, 0]);
    box(pred, g, [0, 1], [0, 0], [0, 0]);
    box(pred, g, [3, 5], [0, 0], [0, 0]);
    const r = lesionDetection(ref, pred, g);
    expect([r.truePositives, r.falseNegatives, r.falsePositives]).toEqual([1, 0, 1]);
    expect(r.matches[0].predictionId).toBe(1); // P2 is larger, so id 1
  });

  it('connectivity: two voxels touching at an edge are one lesion with 26, two with 6', () => {
    const g = grid([3, 3, 1]);
    const m = volume(g);
    m[0] = 1; // (0,0,0)
    m[4] = 1; // (1,1,0)
    expect(lesionDetection(m, m, g, { connectivity: 26 }).truePositives).toBe(1);
    expect(lesionDetection(m, m, g, { connectivity: 6 }).truePositives).toBe(2);
    expect(describeLesionMatchRule({ connectivity: 6 })).toMatch(/6-connected/);
  });

  it('multi-label maps: only the lesion labels count, merged (organ label 1 ignored)', () => {
    const g = grid([6, 1, 1]);
    const ref = Uint8Array.from([1, 1, 2, 2, 1, 1]); // liver 1, lesion 2
    const pred = Uint8Array.from([1, 1, 1, 3, 3, 1]); // lesion predicted with label 3
    const r = lesionDetection(ref, pred, g, { labels: [2, 3] });
    // Lesion {2,3} vs {3,4}: IoU 1/3 → TP.
    expect([r.truePositives, r.falseNegatives, r.falsePositives]).toEqual([1, 0, 0]);
    expect(r.matches[0].iou).toBeCloseTo(1 / 3, 12);
    expect(r.rule).toMatch(/^Lesions are the 26-connected components of the voxels labelled 2 or 3 of the reference/);
  });

  it('no lesion anywhere: the ratios are NaN with the reason', () => {
    const g = grid([4, 4, 1]);
    const r = lesionDetection(volume(g), volume(g), g);
    expect([r.truePositives, r.falseNegatives, r.falsePositives]).toEqual([0, 0, 0]);
    expect(r.sensitivity).toBeNaN();
    expect(r.precision).toBeNaN();
    expect(r.f1).toBeNaN();
    expect(r.notes.join(' ')).toMatch(/no lesion/);
  });

  it('refuses a threshold outside (0, 1] and masks of different sizes', () => {
    const g = grid([4, 1, 1]);
    expect(() => lesionDetection(volume(g), volume(g), g, { minIou: 0 })).toThrow(MetricError);
    expect(() => lesionDetection(volume(g), new Uint8Array(3), g)).toThrow(/same grid/);
  });

  it('states the rule once, in words', () => {
    expect(LESION_MATCH_RULE).toBe(
      'Lesions are the 26-connected components of the reference and of the prediction. ' +
        'A predicted component and a reference lesion match when their voxel IoU (|A∩B| / |A∪B|) is at least 0.1; ' +
        'matches are one-to-one, made greedily from the largest IoU down. ' +
        'A matched reference lesion is a true positive, an unmatched one a false negative, and an unmatched predicted component a false positive.',
    );
  });
});

describe('poolDetections', () => {
  it('sums lesions over cases before dividing (lesion-level, not a mean of per-case ratios)', () => {
    // ΣTP 3, ΣFN 1, ΣFP 4: sensitivity 3/4, precision 3/7, F1 6/11, FP per case 4/2.
    const p = poolDetections([
      { truePositives: 2, falseNegatives: 1, falsePositives: 1 },
      { truePositives: 1, falseNegatives: 0, falsePositives: 3 },
    ]);
    expect(p.sensitivity).toBeCloseTo(3 / 4, 12);
    expect(p.precision).toBeCloseTo(3 / 7, 12);
    expect(p.f1).toBeCloseTo(6 / 11, 12);
    expect(p.falsePositivesPerCase).toBe(2);
  });
});

describe('componentLongestExtentsMm', () => {
  it('agrees with the brute-force farthest pair on random blobs, on an oblique anisotropic grid', () => {
    const c = Math.cos(0.4);
    const s = Math.sin(0.4);
    const g: VolumeGeometry = { dims: [14, 12, 6], spacingMm: [0.7, 0.9, 2.5], originMm: [5, -3, 40], direction: [c, s, 0, -s, c, 0, 0, 0, 1] };
    const rng = mulberry32(11);
    for (let trial = 0; trial < 5; trial++) {
      const m = volume(g);
      for (let p = 0; p < m.length; p++) if (rng() < 0.35) m[p] = 1;
      const comps = connectedComponents3d(m, g, { connectivity: 6 });
      const fast = componentLongestExtentsMm(comps, g);
      // Brute force over every voxel of each component.
      const pts: Vec3[][] = comps.components.map(() => []);
      const bw = comps.box!.max[0] - comps.box!.min[0] + 1;
      const bh = comps.box!.max[1] - comps.box!.min[1] + 1;
      comps.labels.forEach((id, q) => {
        if (id === 0) return;
        const x = q % bw;
        const y = Math.floor(q / bw) % bh;
        const z = Math.floor(q / (bw * bh));
        pts[id - 1].push(indexToLps(g, [x + comps.box!.min[0], y + comps.box!.min[1], z + comps.box!.min[2]]));
      });
      const slow = pts.map((ps) => {
        let best = 0;
        for (const a of ps) for (const b of ps) best = Math.max(best, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
        return best;
      });
      expect(fast.length).toBe(slow.length);
      fast.forEach((v, i) => expect(v).toBeCloseTo(slow[i], 9));
    }
  });
});
