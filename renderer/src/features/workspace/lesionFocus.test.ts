import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../../../core/api/types';
import type { Mat4 } from '../../../../core/registration/affine';
import { TABLE_POSITION } from '../viewer';
import { focusTargets, latestMeasurementOn, measurementCentreLps } from './lesionFocus';

const m = (id: number, seriesId: number, updatedAt: string, z = 10): Measurement => ({
  id,
  lesionId: 1,
  seriesId,
  kind: 'bidirectional',
  pointsLps: [[0, 0, z], [40, 0, z], [20, -10, z], [20, 10, z]],
  sliceIndex: 4,
  longAxisMm: 40,
  shortAxisMm: 20,
  areaMm2: null,
  hu: null,
  source: 'manual',
  createdAt: updatedAt,
  updatedAt,
});

describe('lesion focus', () => {
  it('takes the latest measurement of the lesion on that exam’s series, not on another exam', () => {
    const list = [m(1, 7, '2024-01-02T10:00:00Z'), m(2, 7, '2024-01-03T09:00:00Z'), m(3, 9, '2024-02-01T00:00:00Z')];
    expect(latestMeasurementOn(list, 7)?.id).toBe(2);
    expect(latestMeasurementOn(list, 9)?.id).toBe(3);
    expect(latestMeasurementOn(list, 8)).toBeNull();
  });

  it('centres on the middle of the measurement, on its slice', () => {
    expect(measurementCentreLps(m(1, 7, 'x', 55))).toEqual([20, 0, 55]);
  });

  it('through a registration, an exam without a measurement of the lesion centres on the corresponding place', () => {
    // Group a is the follow-up (opened), group b the baseline; the registration maps
    // baseline → follow-up by a 12 mm shift to the left and 20 mm up, so a→b is its inverse.
    const aToB: Mat4 = [[1, 0, 0, -12], [0, 1, 0, 0], [0, 0, 1, -20], [0, 0, 0, 1]];
    const registered = { kind: 'affine' as const, matrixAtoB: aToB };
    // Measured on the baseline only (a lesion not yet read on the follow-up).
    expect(focusTargets({ a: null, b: [10, 5, 40] }, registered)).toEqual({ a: [22, 5, 60], b: [10, 5, 40] });
    // Measured on both: each exam shows its own measurement, whatever the registration says.
    expect(focusTargets({ a: [0, 0, 0], b: [10, 5, 40] }, registered)).toEqual({ a: [0, 0, 0], b: [10, 5, 40] });
    // By table position there is no corresponding place: that exam stays where it is.
    expect(focusTargets({ a: null, b: [10, 5, 40] }, TABLE_POSITION)).toEqual({ a: null, b: [10, 5, 40] });
  });
});
