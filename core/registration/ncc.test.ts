import { describe, expect, it } from 'vitest';
import type { Vec3, VolumeGeometry } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import { applyMat4, identityMat4, mat4FromLinear } from './affine';
import { normalisedCrossCorrelation } from './ncc';

describe('normalised cross-correlation', () => {
  it('scores alignment: NCC 1 for the right shift, lower for none', () => {
    const geometry: VolumeGeometry = { dims: [32, 32, 32], spacingMm: [3, 3, 3], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const blob = (c: Vec3) => Float32Array.from({ length: 32 ** 3 }, (_, n) => {
      const p = indexToLps(geometry, [n % 32, Math.floor(n / 32) % 32, Math.floor(n / 1024)]);
      return Math.exp(-((p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2) / 50);
    });
    const fixed = { data: blob([45, 45, 45]), geometry };
    const moving = { data: blob([51, 45, 45]), geometry };
    const shift = mat4FromLinear([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [6, 0, 0]);
    expect(normalisedCrossCorrelation(fixed, moving, shift)).toBeCloseTo(1, 6);
    expect(normalisedCrossCorrelation(fixed, moving, identityMat4())).toBeLessThan(0.9);
    expect(applyMat4(shift, [45, 45, 45])).toEqual([51, 45, 45]);
  });

});
