import { describe, expect, it } from 'vitest';
import { measurementLines } from './measurementText';

describe('measurement readouts', () => {
  it('reads a bidirectional measurement as the tumor board does', () => {
    expect(measurementLines('L1', 'bidirectional', { longAxisMm: 32.04, shortAxisMm: 20.06, areaMm2: null, hu: null })).toEqual(['L1  32.0 × 20.1 mm']);
    expect(measurementLines('L3', 'length', { longAxisMm: 8.25, shortAxisMm: null, areaMm2: null, hu: null })).toEqual(['L3  8.3 mm']);
  });

  it('gives an ROI its area and HU mean, SD, min and max', () => {
    const lines = measurementLines('L2', 'freehand', {
      longAxisMm: null,
      shortAxisMm: null,
      areaMm2: 512.4,
      hu: { meanHu: 48.6, sdHu: 11.2, minHu: -12, maxHu: 96, voxelCount: 900 },
    });
    expect(lines).toEqual(['L2  5.12 cm²', 'mean 49 ± 11 HU', 'min −12 · max 96 HU']);
    const ellipse = measurementLines('L2', 'ellipse', { longAxisMm: 30, shortAxisMm: 20, areaMm2: 47.1, hu: null });
    expect(ellipse).toEqual(['L2  30.0 × 20.0 mm', '47.1 mm²']);
  });
});
