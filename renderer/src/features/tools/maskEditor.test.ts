import { describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../../../../core/api/types';
import { maskVoxelCount } from '../../../../core/segmentation';
import { beginStroke, clearMaskRedo, dab, dropSession, endStroke, growRegion, interpolate, openSession, redoMask, stroke, summarize, undoMask } from './maskEditor';

// 1 mm in-plane, 2 mm slices: 40×40×10.
const geometry: VolumeGeometry = { dims: [40, 40, 10], spacingMm: [1, 1, 2], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

function fresh(key: number) {
  const s = openSession(1000 + key, geometry, 'lesion', 7, null, 2);
  dropSession(s.key); // the registry is module-wide; keep tests apart
  return s;
}

describe('mask editing', () => {
  it('paints a brush stroke on one slice, counts it live, and undoes it as one step', () => {
    const s = fresh(1);
    beginStroke(s, 2, 4);
    dab(s, [10, 20, 8], 2, { radiusMm: 3, mode: 'paint' });
    stroke(s, [10, 20, 8], [30, 20, 8], 2, { radiusMm: 3, mode: 'paint' });
    expect(endStroke(s)).toBe(true);
    expect(s.voxelCount).toBe(maskVoxelCount(s.mask));
    // A 6 mm wide band 20 mm long plus round ends: about 6·20 + π·3² ≈ 148 mm² → voxels of 1 mm².
    expect(s.voxelCount).toBeGreaterThan(130);
    expect(s.voxelCount).toBeLessThan(170);
    expect(summarize(s).volumeMl).toBeCloseTo((s.voxelCount * 2) / 1000, 9);
    expect(s.dirty).toBe(true);
    expect(undoMask(s)).toBe(true);
    expect(maskVoxelCount(s.mask)).toBe(0);
    expect(s.voxelCount).toBe(0);
    expect(undoMask(s)).toBe(false);
  });

  it('erases only what the eraser covers, and the undo brings exactly that back', () => {
    const s = fresh(2);
    beginStroke(s, 2, 4);
    dab(s, [20, 20, 8], 2, { radiusMm: 6, mode: 'paint' });
    endStroke(s);
    const painted = s.voxelCount;
    beginStroke(s, 2, 4);
    dab(s, [20, 20, 8], 2, { radiusMm: 2, mode: 'erase' });
    endStroke(s);
    expect(s.voxelCount).toBeLessThan(painted);
    expect(s.voxelCount).toBe(maskVoxelCount(s.mask));
    undoMask(s);
    expect(s.voxelCount).toBe(painted);
  });

  it('adds a grown region (only new voxels) and interpolates between two painted slices', () => {
    const s = fresh(3);
    const volume = new Int16Array(40 * 40 * 10).fill(100);
    // A 50 HU box, 10×10×4 voxels, in 100 HU "liver".
    for (let k = 3; k < 7; k++) for (let j = 10; j < 20; j++) for (let i = 10; i < 20; i++) volume[i + 40 * j + 1600 * k] = 50;
    const grown = growRegion(s, volume, [15, 15, 5], 20, 10_000);
    expect(grown.added).toBe(400);
    expect(grown.truncated).toBe(false);
    expect(growRegion(s, volume, [15, 15, 5], 20, 10_000).added).toBe(0);
    undoMask(s);
    expect(s.voxelCount).toBe(0);

    for (const k of [2, 6]) {
      beginStroke(s, 2, k);
      dab(s, [20, 20, 2 * k], 2, { radiusMm: 4, mode: 'paint' });
      endStroke(s);
    }
    const twoSlices = s.voxelCount;
    const added = interpolate(s, 2);
    expect(added).toBeGreaterThan(twoSlices); // three slices filled between two
    expect(s.voxelCount).toBe(maskVoxelCount(s.mask));
    undoMask(s);
    expect(s.voxelCount).toBe(twoSlices);
  });

  it('redoes an undone stroke exactly, and a new edit clears what could be redone', () => {
    const s = fresh(4);
    beginStroke(s, 2, 4);
    dab(s, [20, 20, 8], 2, { radiusMm: 5, mode: 'paint' });
    endStroke(s);
    const painted = s.mask.slice();
    const count = s.voxelCount;
    beginStroke(s, 2, 4);
    dab(s, [20, 20, 8], 2, { radiusMm: 2, mode: 'erase' });
    endStroke(s);
    const erased = s.mask.slice();
    const revision = s.revision;

    expect(undoMask(s)).toBe(true);
    expect(Array.from(s.mask)).toEqual(Array.from(painted));
    expect(s.voxelCount).toBe(count);
    expect(redoMask(s)).toBe(true);
    expect(Array.from(s.mask)).toEqual(Array.from(erased));
    expect(s.voxelCount).toBe(maskVoxelCount(s.mask));
    expect(redoMask(s)).toBe(false);
    // Undo both, redo both: back to the erased state; every step bumps the revision (the 3D view redraws).
    undoMask(s);
    undoMask(s);
    expect(s.voxelCount).toBe(0);
    redoMask(s);
    redoMask(s);
    expect(Array.from(s.mask)).toEqual(Array.from(erased));
    expect(s.revision).toBe(revision + 6);

    // A new stroke after an undo: the undone edit is gone for good.
    undoMask(s);
    beginStroke(s, 2, 5);
    dab(s, [20, 20, 10], 2, { radiusMm: 3, mode: 'paint' });
    endStroke(s);
    expect(redoMask(s)).toBe(false);
  });

  it('forgets redo steps of every mask when the reader edits something else', () => {
    const s = openSession(2000, geometry, 'lesion', 8, null, 2);
    beginStroke(s, 2, 4);
    dab(s, [20, 20, 8], 2, { radiusMm: 3, mode: 'paint' });
    endStroke(s);
    undoMask(s);
    clearMaskRedo();
    expect(redoMask(s)).toBe(false);
    dropSession(s.key);
  });
});
