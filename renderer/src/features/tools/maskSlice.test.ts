import { describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../../../../core/api/maskRle';
import type { Vec3 } from '../../../../core/api/types';
import { colourLabels, denseSliceInto, labelEdges, sliceImageSize, sparseFromRle, sparseSliceInto, type SliceAxis } from './maskSlice';

const dims: Vec3 = [7, 5, 4];
function ball(): Uint8Array {
  const m = new Uint8Array(7 * 5 * 4);
  for (let k = 0; k < 4; k++)
    for (let j = 0; j < 5; j++)
      for (let i = 0; i < 7; i++) if ((i - 3) ** 2 + (j - 2) ** 2 + (k - 1.5) ** 2 <= 5) m[i + 7 * j + 35 * k] = 1;
  // A run across a row end, which the coronal and sagittal cuts must split.
  m[6 + 7 * 4 + 35 * 0] = 1;
  m[0 + 7 * 0 + 35 * 1] = 1;
  return m;
}

describe('mask slices', () => {
  it('cuts the same slices from the runs as from the dense mask, in every orientation', () => {
    const mask = ball();
    const sparse = sparseFromRle(encodeMaskRle(mask));
    expect(sparse.voxelCount).toBe(mask.reduce((s, v) => s + (v ? 1 : 0), 0));
    for (const axis of [0, 1, 2] as SliceAxis[]) {
      const [w, h] = sliceImageSize(dims, axis);
      for (let s = 0; s < dims[axis]; s++) {
        const a = new Uint8Array(w * h);
        const b = new Uint8Array(w * h);
        const na = denseSliceInto(mask, dims, axis, s, a, 3);
        const nb = sparseSliceInto(sparse, dims, axis, s, b, 3);
        expect(Array.from(b), `axis ${axis} slice ${s}`).toEqual(Array.from(a));
        expect(nb).toBe(na);
      }
    }
  });

  it('lays an axial slice out as x across, y down; a coronal one as x across, slices down', () => {
    const mask = new Uint8Array(7 * 5 * 4);
    mask[4 + 7 * 1 + 35 * 2] = 1; // i=4, j=1, k=2
    const axial = new Uint8Array(7 * 5);
    denseSliceInto(mask, dims, 2, 2, axial, 1);
    expect(axial.indexOf(1)).toBe(4 + 7 * 1);
    const coronal = new Uint8Array(7 * 4);
    denseSliceInto(mask, dims, 1, 1, coronal, 1);
    expect(coronal.indexOf(1)).toBe(4 + 7 * 2);
    const sagittal = new Uint8Array(5 * 4);
    denseSliceInto(mask, dims, 0, 4, sagittal, 1);
    expect(sagittal.indexOf(1)).toBe(1 + 5 * 2);
  });

  it('fills each label faintly, scaled by its strength', () => {
    const labels = Uint8Array.from([0, 1, 2, 0]);
    const rgba = new Uint8ClampedArray(16);
    colourLabels(labels, 2, 2, [[0, 0, 0, 0], [10, 200, 30, 1], [200, 0, 0, 0.5]], rgba, 80);
    expect(Array.from(rgba.slice(4, 8))).toEqual([10, 200, 30, 80]);
    expect(rgba[11]).toBe(40);
    expect(rgba[3]).toBe(0);
  });

  it('outlines a label along voxel borders: a 2×1 block has 6 sides, a hole inside adds 4', () => {
    const block = Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]); // 4×3, pixels (1,1) and (2,1)
    const edges = labelEdges(block, 4, 3).get(1)!;
    expect(edges.length / 4).toBe(6);
    // The left side of (1,1) runs at x = 0.5 from y = 0.5 to 1.5.
    expect(edges.slice(0, 4)).toEqual([0.5, 0.5, 0.5, 1.5]);
    const ring = new Uint8Array(25).fill(1);
    ring[12] = 0; // 5×5 with a hole in the middle
    expect(labelEdges(ring, 5, 5).get(1)!.length / 4).toBe(20 + 4);
  });
});
