import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../../../core/api/types';
import { latestMeasurementOn, measurementCentreLps } from './lesionFocus';

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
});
