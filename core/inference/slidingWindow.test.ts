import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../api/types';
import { softmaxChannels } from './activation';
import {
  createBlender,
  crop,
  flipAxes,
  gaussianImportance,
  mirrorCombinations,
  padToAtLeast,
  slidingWindowStarts,
  uniformImportance,
  windows3d,
} from './slidingWindow';

describe('slidingWindowStarts', () => {
  it.each([
    // dim, patch, overlap, starts
    [100, 64, 0.5, [0, 18, 36]], // step ≤ 32; 36 to travel → 2 steps of 18 (nnU-Net gives the same)
    [64, 64, 0.5, [0]],
    [50, 64, 0.5, [0]], // smaller than the patch: one window, the caller pads
    [128, 64, 0.5, [0, 32, 64]],
    [128, 64, 0, [0, 64]],
    [130, 64, 0, [0, 33, 66]],
    [160, 128, 0.5, [0, 32]],
  ])('dim %i, patch %i, overlap %s → %j', (dim, patch, overlap, starts) => {
    expect(slidingWindowStarts(dim, patch, overlap)).toEqual(starts);
  });

  it('starts at 0, ends at dim, and keeps the requested overlap (to a voxel of rounding)', () => {
    for (const dim of [65, 77, 100, 191, 300, 513])
      for (const patch of [32, 64, 96])
        for (const overlap of [0, 0.25, 0.5, 0.75]) {
          if (patch >= dim) continue; // single window, covered by the table above
          const s = slidingWindowStarts(dim, patch, overlap);
          expect(s[0]).toBe(0);
          expect(s[s.length - 1] + patch).toBe(dim);
          for (let i = 1; i < s.length; i++) {
            expect(s[i]).toBeGreaterThan(s[i - 1]);
            expect(patch - (s[i] - s[i - 1])).toBeGreaterThanOrEqual(overlap * patch - 1);
          }
        }
  });

  it('refuses an overlap of 1 or more', () => {
    expect(() => slidingWindowStarts(100, 64, 1)).toThrow(/overlap/);
  });
});

describe('windows3d', () => {
  it('covers every voxel at least once', () => {
    const dims: Vec3 = [37, 50, 17];
    const patch: Vec3 = [16, 24, 8];
    const wins = windows3d(dims, patch, 0.3);
    expect(wins.length).toBe(
      slidingWindowStarts(37, 16, 0.3).length * slidingWindowStarts(50, 24, 0.3).length * slidingWindowStarts(17, 8, 0.3).length,
    );
    const hits = new Uint16Array(dims[0] * dims[1] * dims[2]);
    for (const [sx, sy, sz] of wins)
      for (let z = sz; z < sz + patch[2]; z++)
        for (let y = sy; y < sy + patch[1]; y++)
          for (let x = sx; x < sx + patch[0]; x++) hits[(z * dims[1] + y) * dims[0] + x]++;
    expect(Math.min(...hits)).toBeGreaterThanOrEqual(1);
    // No window leaves the volume.
    for (const w of wins) for (let a = 0; a < 3; a++) expect(w[a] + patch[a]).toBeLessThanOrEqual(dims[a]);
  });
});

describe('gaussianImportance', () => {
  it('matches exp(-d²/2σ²) with σ = patch/8, maximum 1 at floor(patch/2)', () => {
    const { weights, patchDims } = gaussianImportance([4, 1, 1]);
    expect(patchDims).toEqual([4, 1, 1]);
    // σ = 0.5, centre 2: d = 2, 1, 0, 1.
    [Math.exp(-8), Math.exp(-2), 1, Math.exp(-2)].forEach((e, i) => expect(weights[i]).toBeCloseTo(e, 7));
  });
  it('is separable and peaks at 1 in 3D', () => {
    const { weights } = gaussianImportance([8, 6, 4]);
    expect(Math.max(...weights)).toBe(1);
    expect(weights[(2 * 6 + 3) * 8 + 4]).toBe(1);
    const s = (n: number, d: number): number => Math.exp(-(d * d) / (2 * (n / 8) ** 2));
    expect(weights[(1 * 6 + 0) * 8 + 7]).toBeCloseTo(s(8, 3) * s(6, 3) * s(4, 1), 6);
  });
  it('has no zero weights: underflowed corners take the smallest non-zero weight', () => {
    // σ = 0.64 voxels: exp(-d²/0.82) underflows float32 beyond d = 9.
    const { weights } = gaussianImportance([64, 1, 1], 0.01);
    expect(Math.min(...weights)).toBeGreaterThan(0);
    expect(weights[32 - 9]).toBeGreaterThan(0);
    expect(weights[0]).toBe(weights[32 - 9]);
    expect(weights[63]).toBe(weights[32 - 9]);
  });
});

describe('createBlender', () => {
  it('blending constant patches gives the constant everywhere', () => {
    const dims: Vec3 = [20, 17, 9];
    const patch: Vec3 = [8, 8, 8];
    const imp = gaussianImportance(patch);
    const pv = 8 * 8 * 8;
    const probs = new Float32Array(2 * pv);
    probs.fill(0.7, 0, pv);
    probs.fill(0.3, pv);
    const b = createBlender(dims, 2);
    for (const w of windows3d(dims, patch, 0.5)) b.add(w, probs, imp);
    const r = b.result();
    const v = 20 * 17 * 9;
    for (let i = 0; i < v; i++) {
      expect(r[i]).toBeCloseTo(0.7, 5);
      expect(r[v + i]).toBeCloseTo(0.3, 5);
    }
  });

  it('gives the importance-weighted average where two windows overlap', () => {
    // Volume 6×1×1, patch 4, overlap 0.5 → windows at 0 and 2. Gaussian weights (σ 0.5, centre 2):
    // [e⁻⁸, e⁻², 1, e⁻²]. Window A is 1 everywhere, window B is 3.
    const dims: Vec3 = [6, 1, 1];
    expect(windows3d(dims, [4, 1, 1], 0.5)).toEqual([
      [0, 0, 0],
      [2, 0, 0],
    ]);
    const imp = gaussianImportance([4, 1, 1]);
    const b = createBlender(dims, 1);
    b.add([0, 0, 0], new Float32Array(4).fill(1), imp);
    b.add([2, 0, 0], new Float32Array(4).fill(3), imp);
    const r = b.result();
    expect(r[1]).toBeCloseTo(1, 6); // only A
    // x = 2: A's centre (weight 1) and B's first voxel (weight e⁻⁸).
    expect(r[2]).toBeCloseTo((1 * 1 + 3 * Math.exp(-8)) / (1 + Math.exp(-8)), 6);
    // x = 3: both at weight e⁻² → plain mean.
    expect(r[3]).toBeCloseTo(2, 6);
    expect(r[4]).toBeCloseTo(3, 6); // only B's centre
    expect(r[5]).toBeCloseTo(3, 6);
  });

  it('ignores the part of a window outside the volume and leaves uncovered voxels at 0', () => {
    const b = createBlender([3, 1, 1], 1);
    b.add([-1, 0, 0], Float32Array.from([9, 5]), uniformImportance([2, 1, 1]));
    expect(Array.from(b.result())).toEqual([5, 0, 0]);
    expect(() => b.add([0, 0, 0], new Float32Array(3), uniformImportance([2, 1, 1]))).toThrow(/expected 1 channels/);
  });
});

describe('padToAtLeast / crop', () => {
  it('pads centred (floor below) and crops back, per channel', () => {
    const dims: Vec3 = [3, 2, 1];
    const data = Float32Array.from([1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16]); // 2 channels
    const p = padToAtLeast(data, dims, [6, 4, 4], -1, 2);
    expect(p.dims).toEqual([6, 4, 4]);
    expect(p.offset).toEqual([1, 1, 1]); // diff 3 → 1 below, 2 above; diff 2 → 1; diff 3 → 1
    const at = (c: number, x: number, y: number, z: number): number => p.data[c * 96 + (z * 4 + y) * 6 + x];
    expect(at(0, 1, 1, 1)).toBe(1);
    expect(at(0, 3, 2, 1)).toBe(6);
    expect(at(1, 2, 1, 1)).toBe(12);
    expect(at(0, 0, 0, 0)).toBe(-1);
    expect(at(1, 4, 2, 1)).toBe(-1);
    expect(Array.from(crop(p.data, p.dims, p.offset, dims, 2))).toEqual(Array.from(data));
  });
  it('leaves axes already large enough untouched', () => {
    const p = padToAtLeast(new Float32Array(10 * 2 * 3), [10, 2, 3], [4, 4, 4]);
    expect(p.dims).toEqual([10, 4, 4]);
    expect(p.offset).toEqual([0, 1, 0]);
  });
});

describe('mirroring', () => {
  const dims: Vec3 = [3, 2, 2];
  const data = Float32Array.from({ length: 24 }, (_, i) => i); // 2 channels

  it('flips along x, y, z', () => {
    expect(Array.from(flipAxes(data, dims, [0], 2)).slice(0, 6)).toEqual([2, 1, 0, 5, 4, 3]);
    expect(Array.from(flipAxes(data, dims, [1], 2)).slice(0, 6)).toEqual([3, 4, 5, 0, 1, 2]);
    expect(Array.from(flipAxes(data, dims, [2], 2)).slice(12, 18)).toEqual([18, 19, 20, 21, 22, 23]);
  });
  it('every mirror combination undoes itself', () => {
    const combos = mirrorCombinations();
    expect(combos.length).toBe(8);
    expect(combos).toContainEqual([]);
    expect(combos).toContainEqual([0, 1, 2]);
    for (const axes of combos) expect(Array.from(flipAxes(flipAxes(data, dims, axes, 2), dims, axes, 2))).toEqual(Array.from(data));
  });
});

describe('Blender.result with an activation', () => {
  it('equals the activation applied to the weighted average', () => {
    const b = createBlender([3, 2, 2], 3);
    const imp = gaussianImportance([2, 2, 2]);
    const patch = Float32Array.from({ length: 3 * 8 }, (_, k) => Math.sin(k) * 3);
    b.add([0, 0, 0], patch, imp);
    b.add([1, 0, 0], patch.map((x) => -x), imp);
    const plain = b.result();
    const soft = b.result('softmax');
    const sig = b.result('sigmoid');
    const ref = softmaxChannels(plain, 3);
    for (let i = 0; i < plain.length; i++) {
      expect(soft[i]).toBeCloseTo(ref[i], 6);
      expect(sig[i]).toBeCloseTo(1 / (1 + Math.exp(-plain[i])), 6);
    }
  });
});
