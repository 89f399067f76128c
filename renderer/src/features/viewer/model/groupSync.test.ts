import { describe, expect, it } from 'vitest';
import type { Vec3, VolumeGeometry } from '../../../../../core/api/types';
import { invertMat4, type Mat4 } from '../../../../../core/registration/affine';
import { panToCentre, syncedCursor, TABLE_POSITION } from './groupSync';
import { sliceCamera, sliceIndexAt, viewFrame, worldToCanvas } from './viewGeometry';

// Baseline: 80 slices of 2.5 mm from z = 0; follow-up: 100 slices of 2 mm from z = −30 (a
// different scan range and spacing, as two exams usually are).
const baseline: VolumeGeometry = { dims: [256, 256, 80], spacingMm: [1.5, 1.5, 2.5], originMm: [-190, -190, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const followUp: VolumeGeometry = { dims: [200, 200, 100], spacingMm: [1.8, 1.8, 2], originMm: [-170, -160, -30], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

describe('scroll sync between exams', () => {
  it('by table position: the follow-up shows the slice at the same z and keeps its own in-plane point', () => {
    const out = syncedCursor(TABLE_POSITION, 'aToB', [10, 20, 100], [-5, 7, 50], followUp);
    expect(out).toEqual([-5, 7, 100]);
    expect(sliceIndexAt(followUp, viewFrame('axial', followUp), out)).toBe(65);
  });

  it('clamps to the other exam’s scan range', () => {
    expect(syncedCursor(TABLE_POSITION, 'bToA', [0, 0, -30], [0, 0, 50], baseline)[2]).toBe(0);
  });

  it('takes a registration as an affine, and its inverse the other way', () => {
    // Follow-up = baseline shifted 12 mm to the patient's left and 20 mm up.
    const m: Mat4 = [[1, 0, 0, 12], [0, 1, 0, 0], [0, 0, 1, 20], [0, 0, 0, 1]];
    const transform = { kind: 'affine' as const, matrixAtoB: m };
    expect(syncedCursor(transform, 'aToB', [0, 0, 50], [0, 0, 0], followUp)).toEqual([12, 0, 70]);
    expect(syncedCursor(transform, 'bToA', [12, 0, 70], [0, 0, 0], baseline)).toEqual([0, 0, 50]);
    const inv = invertMat4([[2, 0, 0, 1], [0, 4, 0, 2], [0, 0, 1, 3], [0, 0, 0, 1]]).flat();
    [0.5, 0, 0, -0.5, 0, 0.25, 0, -0.5, 0, 0, 1, -3, 0, 0, 0, 1].forEach((v, i) => expect(inv[i]).toBeCloseTo(v, 12));
  });
});

describe('panToCentre', () => {
  it('puts a lesion in the middle of each view', () => {
    const lesion: Vec3 = [-60, 35, 80];
    for (const kind of ['axial', 'coronal', 'sagittal'] as const) {
      const camera = sliceCamera(baseline, kind, { zoom: 2, panMm: panToCentre(baseline, kind, lesion) }, lesion, [600, 400]);
      const [x, y] = worldToCanvas(camera, lesion);
      expect(x).toBeCloseTo(300, 6);
      expect(y).toBeCloseTo(200, 6);
    }
  });
});
