import { describe, expect, it } from 'vitest';
import type { Vec3, VolumeGeometry } from '../api/types';
import { MeasurementError, measurementNumbers, polygonAreaMm2 } from './measure';

// 20×20×5 voxels of 0.5 × 0.5 × 2 mm; a 6×6-voxel square of 50 HU on slice 2, −100 elsewhere.
const g: VolumeGeometry = { dims: [20, 20, 5], spacingMm: [0.5, 0.5, 2], originMm: [-5, -5, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const voxels = new Int16Array(20 * 20 * 5).fill(-100);
for (let j = 7; j < 13; j++) for (let i = 7; i < 13; i++) voxels[i + j * 20 + 2 * 400] = 50;
const at = (i: number, j: number, k: number): Vec3 => [-5 + i * 0.5, -5 + j * 0.5, k * 2];

describe('measurementNumbers', () => {
  it('length and bidirectional axes in mm', () => {
    expect(measurementNumbers('length', [[0, 0, 0], [3, 4, 0]]).longAxisMm).toBe(5);
    const bi = measurementNumbers('bidirectional', [[0, 0, 0], [30, 0, 0], [15, -10, 0], [15, 10, 0]]);
    expect(bi).toMatchObject({ longAxisMm: 30, shortAxisMm: 20 });
  });

  it('refuses a short axis longer than the long axis, and wrong point counts', () => {
    expect(() => measurementNumbers('bidirectional', [[0, 0, 0], [10, 0, 0], [5, -10, 0], [5, 10, 0]])).toThrow(MeasurementError);
    expect(() => measurementNumbers('length', [[0, 0, 0]])).toThrow(/length needs 2 points, got 1/);
  });

  it('ellipse: area π·a·b and the HU of the voxels inside, on the image it was drawn on', () => {
    // Axes through the square's centre (voxel 9.5, 9.5), 2.5 mm semi-axes: covers the 50 HU square's inner part.
    const c = at(9.5, 9.5, 2);
    const e = measurementNumbers('ellipse', [[c[0] - 1.2, c[1], c[2]], [c[0] + 1.2, c[1], c[2]], [c[0], c[1] - 1.2, c[2]], [c[0], c[1] + 1.2, c[2]]], { voxels, geometry: g });
    expect(e.areaMm2).toBeCloseTo(Math.PI * 1.2 * 1.2, 9);
    expect(e.hu).toMatchObject({ minHu: 50, maxHu: 50, meanHu: 50, sdHu: 0 });
    // 0.5 mm grid: voxel centres at ±0.25, ±0.75 mm … within r = 1.2 mm of the centre → 16 voxels.
    expect(e.hu!.voxelCount).toBe(16);
  });

  it('freehand: polygon area (Newell) and HU inside, straddling the square edge', () => {
    expect(polygonAreaMm2([[0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0]])).toBe(100);
    // Voxels i 5..14, j 9..10 on slice 2: columns 7..12 are 50 HU, the rest −100.
    const poly: Vec3[] = [at(4.6, 8.6, 2), at(14.4, 8.6, 2), at(14.4, 10.4, 2), at(4.6, 10.4, 2)];
    const f = measurementNumbers('freehand', poly, { voxels, geometry: g });
    expect(f.hu!.voxelCount).toBe(20);
    expect(f.hu!.meanHu).toBeCloseTo((12 * 50 + 8 * -100) / 20, 9);
    expect(f.areaMm2).toBeCloseTo(9.8 * 0.5 * 1.8 * 0.5, 9);
  });
});
