import { describe, expect, it } from 'vitest';
import type { Vec3, VolumeGeometry } from '../api/types';
import { decodeMaskRle, encodeMaskRle } from '../api/maskRle';
import { indexToLps } from '../dicom/geometry';
import type { ModelManifest } from '../models/manifest';
import { connectedComponents3d } from '../segmentation';
import { bodyBox, CancelledError, channelLabels, probabilitiesToGrid, runSegmentation, type InferFn } from './pipeline';
import { componentRle, extractProposals } from './proposals';
import { slidingWindowStarts } from './slidingWindow';

const ID: VolumeGeometry['direction'] = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function manifest(over: Partial<ModelManifest['input']> = {}, labels = 3): ModelManifest {
  return {
    id: 'test',
    version: '1',
    sha256: '0'.repeat(64),
    task: 'segmentation',
    labels: [
      { value: 0, name: 'background', role: 'background' },
      { value: 1, name: 'dark', role: 'lesion', lesionType: 'cyst' },
      ...(labels === 3 ? [{ value: 2, name: 'bright', role: 'lesion' as const, lesionType: 'metastasis' as const }] : []),
    ],
    input: {
      name: 'image',
      spacingMm: [1, 1, 1],
      orientation: 'LPS',
      channels: 1,
      normalization: { type: 'scale', inMin: -1000, inMax: 1000, outMin: -1, outMax: 1 },
      patchSize: [8, 8, 8],
      overlap: 0.5,
      ...over,
    },
    output: { name: 'logits', activation: 'softmax', kind: 'logits', channels: labels },
  };
}

/**
 * A per-voxel "network": class 1 where the normalized value is below 0.0625 (HU < 62.5,
 * half-way between the 5 HU spheres and the 120 HU body, so partial volume neither grows
 * nor shrinks them), class 2 above 0.21 (HU > 210, half-way to 300), else background. Voxel-wise, so windows,
 * blending and mirroring must not change it.
 */
function voxelwise(channels: number, patch: Vec3): InferFn {
  const pv = patch[0] * patch[1] * patch[2];
  return async (batch, n) => {
    const out = new Float32Array(n * channels * pv);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < pv; i++) {
        const x = batch[b * pv + i];
        const cls = x < 0.0625 ? 1 : channels === 3 && x > 0.21 ? 2 : 0;
        // Inside the body only (air, normalized −1, is background).
        const c = x < -0.5 ? 0 : cls;
        out[(b * channels + c) * pv + i] = 8;
      }
    return out;
  };
}

/** Body of 60 HU filling a box, air around, spheres of given HU. */
function phantom(dims: Vec3, spacing: Vec3, spheres: { c: Vec3; r: number; hu: number }[], bodyMin: Vec3, bodyMax: Vec3) {
  const g: VolumeGeometry = { dims, spacingMm: spacing, originMm: [-10, 20, -30], direction: ID };
  const v = new Int16Array(dims[0] * dims[1] * dims[2]);
  const truth = new Uint8Array(v.length);
  let o = 0;
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++, o++) {
        const inBody = i >= bodyMin[0] && i <= bodyMax[0] && j >= bodyMin[1] && j <= bodyMax[1] && k >= bodyMin[2] && k <= bodyMax[2];
        v[o] = inBody ? 120 : -1000;
        if (!inBody) continue;
        const p = indexToLps(g, [i, j, k]);
        spheres.forEach((s, n) => {
          if ((p[0] - s.c[0]) ** 2 + (p[1] - s.c[1]) ** 2 + (p[2] - s.c[2]) ** 2 <= s.r * s.r) {
            v[o] = s.hu;
            truth[o] = n + 1;
          }
        });
      }
  return { g, v, truth };
}

describe('channelLabels', () => {
  it('maps softmax channels to label values and sigmoid channels to the foreground labels', () => {
    expect(channelLabels(manifest())).toEqual([0, 1, 2]);
    const m = manifest();
    m.output = { ...m.output, activation: 'sigmoid', channels: 2 };
    expect(channelLabels(m)).toEqual([1, 2]);
    m.output.channels = 3;
    expect(() => channelLabels(m)).toThrow(/one non-background label per output channel/);
  });
});

describe('bodyBox', () => {
  it('finds the voxels above the threshold and adds the margin in voxels', () => {
    const { g, v } = phantom([20, 20, 10], [2, 2, 2], [], [5, 6, 2], [14, 12, 7]);
    expect(bodyBox(v, g, -500, 4)).toEqual({ min: [3, 4, 0], max: [16, 14, 9] });
    expect(bodyBox(new Int16Array(v.length).fill(-1000), g, -500, 4)).toBeNull();
  });
});

describe('runSegmentation', () => {
  it('at the model spacing, a voxel-wise network gives back exactly its own labels (windows, blending, crop, padding)', async () => {
    const { g, v, truth } = phantom([30, 26, 20], [1, 1, 1], [{ c: [0, 32, -20], r: 5, hu: 5 }, { c: [8, 38, -14], r: 3, hu: 300 }], [2, 2, 2], [27, 23, 17]);
    const m = manifest();
    const progress: number[] = [];
    const r = await runSegmentation(v, g, m, voxelwise(3, m.input.patchSize), { onProgress: (p) => p.phase === 'inference' && progress.push(p.done) });
    expect(Array.from(r.labels)).toEqual(Array.from(truth));
    // Windows over the body crop (margin 10 mm clipped to the grid): 30×26×20 → all of it.
    const n = slidingWindowStarts(30, 8, 0.5).length * slidingWindowStarts(26, 8, 0.5).length * slidingWindowStarts(20, 8, 0.5).length;
    expect(r.windows).toBe(n);
    expect(r.calls).toBe(Math.ceil(n / 2));
    expect(progress.at(-1)).toBe(n);
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(r.timings.inferMs);
  });

  it('mirroring a voxel-wise network changes nothing and costs 2^axes calls per batch', async () => {
    const { g, v, truth } = phantom([20, 20, 12], [1, 1, 1], [{ c: [0, 30, -24], r: 4, hu: 0 }], [1, 1, 1], [18, 18, 10]);
    const m = manifest({ mirrorAxes: [0, 2] });
    const r = await runSegmentation(v, g, m, voxelwise(3, m.input.patchSize), { batchSize: 4, cropToBody: false });
    expect(Array.from(r.labels)).toEqual(Array.from(truth));
    expect(r.calls).toBe(Math.ceil(r.windows / 4) * 4);
    const plain = await runSegmentation(v, g, m, voxelwise(3, m.input.patchSize), { mirror: false, cropToBody: false });
    expect(plain.calls).toBe(Math.ceil(plain.windows / 2));
  });

  it('resamples to a coarser model spacing and back: spheres come back with their volume and centre', async () => {
    const spacing: Vec3 = [0.8, 0.8, 1.25];
    // Body everywhere: interpolating across an air–body edge would pass through "dark".
    const { g, v, truth } = phantom([80, 70, 40], spacing, [{ c: [20, 47, -6], r: 9, hu: 5 }, { c: [42, 55, 4], r: 6, hu: 300 }], [0, 0, 0], [79, 69, 39]);
    const m = manifest({ spacingMm: [2, 2, 2], patchSize: [16, 16, 16] });
    const r = await runSegmentation(v, g, m, voxelwise(3, m.input.patchSize));
    expect(r.modelGeometry.spacingMm).toEqual([2, 2, 2]);
    // Dice per sphere against the truth on the series grid.
    for (const label of [1, 2]) {
      let a = 0;
      let b = 0;
      let ab = 0;
      for (let i = 0; i < truth.length; i++) {
        const t = truth[i] === label;
        const p = r.labels[i] === label;
        a += +t;
        b += +p;
        ab += +(t && p);
      }
      expect((2 * ab) / (a + b)).toBeGreaterThan(0.9);
    }
    const drafts = extractProposals(r, g, m);
    expect(drafts).toHaveLength(2);
    const [big, small] = drafts; // largest first
    expect(big.labelName).toBe('dark');
    expect(big.lesionType).toBe('cyst');
    expect(small.lesionType).toBe('metastasis');
    // A 9 mm sphere seen at 2 mm: interpolation rounds its surface inwards by a few per cent.
    const truthMl = (truth.filter((t) => t === 1).length * 0.8 * 0.8 * 1.25) / 1000;
    expect(big.volumeMl / truthMl).toBeGreaterThan(0.9);
    expect(big.volumeMl / truthMl).toBeLessThan(1.05);
    expect(Math.hypot(big.centroidLps[0] - 20, big.centroidLps[1] - 47, big.centroidLps[2] + 6)).toBeLessThan(1);
    expect(big.bidirectional!.longAxisMm).toBeGreaterThan(16);
    expect(big.bidirectional!.longAxisMm).toBeLessThan(20);
    expect(big.classProbabilities[0].probability).toBeGreaterThan(0.95);
    expect(big.meanProbability).toBeGreaterThan(0.95);
    // The wire mask is the component itself.
    const mask = decodeMaskRle(big.mask);
    let n = 0;
    for (let i = 0; i < mask.length; i++) n += mask[i];
    expect(n).toBe(big.voxelCount);
  });

  it('keeps the series grid when the model expects RAS arrays (flips in, flips back)', async () => {
    const { g, v, truth } = phantom([24, 20, 10], [1, 1, 1], [{ c: [-2, 30, -26], r: 3, hu: 0 }], [1, 1, 1], [22, 18, 8]);
    const m = manifest({ orientation: 'RAS' });
    const r = await runSegmentation(v, g, m, voxelwise(3, m.input.patchSize), { cropToBody: false });
    expect(Array.from(r.labels)).toEqual(Array.from(truth));
  });

  it('stops with CancelledError when cancelled between batches', async () => {
    const { g, v } = phantom([30, 30, 20], [1, 1, 1], [], [0, 0, 0], [29, 29, 19]);
    const m = manifest();
    let calls = 0;
    const infer = voxelwise(3, m.input.patchSize);
    await expect(
      runSegmentation(v, g, m, async (b, n) => (calls++, infer(b, n)), { isCancelled: () => calls >= 2 }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(2);
  });

  it('names the model when its output has the wrong size, and refuses multi-channel inputs', async () => {
    const { g, v } = phantom([10, 10, 10], [1, 1, 1], [], [0, 0, 0], [9, 9, 9]);
    const m = manifest();
    await expect(runSegmentation(v, g, m, async () => new Float32Array(3))).rejects.toThrow(/model "test" returned 3 values/);
    await expect(runSegmentation(v, g, manifest({ channels: 2 }), voxelwise(3, [8, 8, 8]))).rejects.toThrow(/2 input channels/);
  });
});

describe('probabilitiesToGrid', () => {
  it('the per-axis fast path gives exactly what the general path gives', () => {
    const model: VolumeGeometry = { dims: [9, 7, 5], spacingMm: [2, 2, 3], originMm: [-3, 1, 2], direction: ID };
    const series: VolumeGeometry = { dims: [25, 19, 17], spacingMm: [0.7, 0.75, 0.9], originMm: [-4, 0, 1], direction: ID };
    const mv = 9 * 7 * 5;
    const probs = new Float32Array(3 * mv);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let v = 0; v < mv; v++) {
      const a = rand();
      const b = rand() * (1 - a);
      probs[v] = a;
      probs[mv + v] = b;
      probs[2 * mv + v] = 1 - a - b;
    }
    const box = { min: [1, 2, 0] as Vec3, max: [23, 18, 15] as Vec3 };
    const fast = probabilitiesToGrid(probs, [0, 1, 2], 'softmax', model, series, box);
    const general = probabilitiesToGrid(probs, [0, 1, 2], 'softmax', model, series, box, { separable: false });
    expect(Array.from(fast)).toEqual(Array.from(general));
    expect(new Set(fast).size).toBe(3);
  });
});

describe('organ proposals', () => {
  it('are the largest organ body with its lesions, without separate blobs', async () => {
    // A 24×20×12 body: "liver" (bright, 300 HU) block with a dark lesion inside, and a
    // separate small bright blob far from it.
    const dims: Vec3 = [24, 20, 12];
    const g: VolumeGeometry = { dims, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: ID };
    const v = new Int16Array(24 * 20 * 12).fill(120);
    const at = (i: number, j: number, k: number) => (k * 20 + j) * 24 + i;
    let organ = 0;
    for (let k = 2; k < 10; k++)
      for (let j = 2; j < 12; j++)
        for (let i = 2; i < 12; i++) {
          v[at(i, j, k)] = i >= 5 && i < 8 && j >= 5 && j < 8 && k >= 4 && k < 7 ? 0 : 300;
          organ++;
        }
    for (const [i, j, k] of [[20, 17, 9], [21, 17, 9]]) v[at(i, j, k)] = 300;
    const m: ModelManifest = {
      ...manifest(),
      labels: [
        { value: 0, name: 'background', role: 'background' },
        { value: 1, name: 'dark', role: 'lesion', lesionType: 'cyst' },
        { value: 2, name: 'organ', role: 'organ' },
      ],
    };
    const r = await runSegmentation(v, g, m, voxelwise(3, m.input.patchSize), { cropToBody: false });
    const organDraft = extractProposals(r, g, m).find((d) => d.kind === 'organ')!;
    expect(organDraft.voxelCount).toBe(organ);
    const mask = decodeMaskRle(organDraft.mask);
    expect(organDraft.mask).toEqual(encodeMaskRle(mask));
    expect(mask[at(21, 17, 9)]).toBe(0);
    expect(mask[at(6, 6, 5)]).toBe(1); // the lesion inside counts for the organ
    expect(organDraft.box).toEqual({ min: [2, 2, 2], max: [11, 11, 9] });
    expect(organDraft.centroidLps[0]).toBeCloseTo(6.5, 9);
  });
});

describe('componentRle', () => {
  it('equals the RLE of the full component mask', () => {
    const g: VolumeGeometry = { dims: [7, 5, 4], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: ID };
    const mask = new Uint8Array(7 * 5 * 4);
    for (const i of [8, 9, 15, 16, 50, 51, 52, 100, 139]) mask[i] = 1;
    const cc = connectedComponents3d(mask, g, { connectivity: 26 });
    for (const comp of cc.components) {
      const full = new Uint8Array(mask.length);
      const rle = componentRle(cc, g.dims, comp.id);
      const dec = decodeMaskRle(rle);
      let p = 0;
      const b = cc.box!;
      for (let k = b.min[2]; k <= b.max[2]; k++)
        for (let j = b.min[1]; j <= b.max[1]; j++)
          for (let i = b.min[0]; i <= b.max[0]; i++, p++) if (cc.labels[p] === comp.id) full[(k * 5 + j) * 7 + i] = 1;
      expect(rle).toEqual(encodeMaskRle(full));
      expect(dec).toEqual(full);
    }
  });
});
