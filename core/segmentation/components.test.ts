import { describe, expect, it } from 'vitest';
import { indexToLps } from '../dicom/geometry';
import { componentMask, connectedComponents3d } from './components';
import { maskVoxelCount } from './mask';
import { at, emptyMask, fillEllipsoid, grid } from '../testing/shapes';

describe('connectedComponents3d', () => {
  it('separates two lesions, largest first, with voxel count, box, volume and LPS centroid', () => {
    const g = grid([40, 30, 20], [0.8, 0.8, 2], undefined, [0, 0, 0]);
    const m = emptyMask(g);
    const big = fillEllipsoid(m, g, [10, 12, 20], [6, 5, 8]);
    const small = fillEllipsoid(m, g, [24, 12, 16], [3, 3, 4]);
    const r = connectedComponents3d(m, g);
    expect(r.components.map((c) => c.voxelCount)).toEqual([big, small]);
    expect(r.components.map((c) => c.id)).toEqual([1, 2]);
    // Symmetric digitised ellipsoids: the centroid is the centre to within a fraction of a voxel.
    expect(r.components[0].centroidLps[0]).toBeCloseTo(10, 0);
    expect(r.components[0].centroidLps[2]).toBeCloseTo(20, 0);
    expect(r.components[1].centroidLps[0]).toBeCloseTo(24, 0);
    expect(r.components[1].volumeMl).toBeCloseTo((small * 0.8 * 0.8 * 2) / 1000, 12);
    const c = r.components[1];
    expect(indexToLps(g, c.centroidIjk)).toEqual(c.centroidLps);
    for (let a = 0; a < 3; a++) {
      expect(c.box.min[a]).toBeLessThanOrEqual(Math.floor(c.centroidIjk[a]));
      expect(c.box.max[a]).toBeGreaterThanOrEqual(Math.ceil(c.centroidIjk[a]));
    }
    const only2 = componentMask(r, g, 2);
    expect(maskVoxelCount(only2)).toBe(small);
    expect(only2[at(g, 30, 15, 8)]).toBe(1); // (24, 12, 16) mm
    expect(only2[at(g, 12, 15, 10)]).toBe(0); // inside the big one
  });

  it('diagonal neighbours join with 26-connectivity and not with 6', () => {
    const g = grid([5, 5, 5]);
    const m = emptyMask(g);
    m[at(g, 1, 1, 1)] = 1;
    m[at(g, 2, 2, 2)] = 1; // corner neighbour
    m[at(g, 2, 2, 3)] = 1; // face neighbour of the previous
    expect(connectedComponents3d(m, g, { connectivity: 26 }).components.map((c) => c.voxelCount)).toEqual([3]);
    expect(connectedComponents3d(m, g, { connectivity: 6 }).components.map((c) => c.voxelCount)).toEqual([2, 1]);
  });

  it('handles an empty mask, a label of a label map, and a component larger than the initial stack', () => {
    const g = grid([64, 64, 8]);
    const m = emptyMask(g);
    expect(connectedComponents3d(m, g).components).toEqual([]);
    m.fill(3, 0, 64 * 64 * 4); // one slab of 16384 voxels with label 3
    m[at(g, 10, 10, 6)] = 5;
    const r = connectedComponents3d(m, g, { label: 3, connectivity: 6 });
    expect(r.components.map((c) => c.voxelCount)).toEqual([64 * 64 * 4]);
    expect(r.components[0].box).toEqual({ min: [0, 0, 0], max: [63, 63, 3] });
    expect(connectedComponents3d(m, g).components.map((c) => c.voxelCount)).toEqual([64 * 64 * 4, 1]);
  });
});
