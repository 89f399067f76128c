import { describe, expect, it } from 'vitest';
import { indexToLps, lpsToIndex, orientationLabel, stackSlices, type SlicePlane } from './geometry';

const axial: SlicePlane['orientation'] = [1, 0, 0, 0, 1, 0];

function plane(z: number, extra: Partial<SlicePlane> = {}): SlicePlane {
  return { positionMm: [-100, -120, z], orientation: axial, pixelSpacingMm: [0.8, 0.7], rows: 4, columns: 5, ...extra };
}

describe('stackSlices', () => {
  it('sorts by position along the normal, not by input order, and takes spacing from positions', () => {
    const slices = [plane(10), plane(0), plane(5), plane(2.5), plane(7.5)];
    const r = stackSlices(slices, (p) => p);
    expect(r.ordered.map((p) => p.positionMm[2])).toEqual([0, 2.5, 5, 7.5, 10]);
    expect(r.geometry.dims).toEqual([5, 4, 5]);
    // PixelSpacing is [row spacing, column spacing]: x (along a row) uses the column spacing.
    expect(r.geometry.spacingMm).toEqual([0.7, 0.8, 2.5]);
    expect(r.geometry.originMm).toEqual([-100, -120, 0]);
    expect(r.warnings).toEqual([]);
    expect(r.gantryTiltDeg).toBe(0);
  });

  it('sorts along a non-axial normal (sagittal: row = +y, column = −z, normal = −x)', () => {
    const o: SlicePlane['orientation'] = [0, 1, 0, 0, 0, -1];
    const slices = [0, 3, 6, 9].map((x) => plane(0, { positionMm: [x, 0, 0], orientation: o }));
    const r = stackSlices(slices, (p) => p);
    // normal = row × column = (0,1,0) × (0,0,−1) = (−1,0,0): increasing k goes to patient right.
    expect(r.ordered.map((p) => p.positionMm[0])).toEqual([9, 6, 3, 0]);
    expect(r.geometry.spacingMm[2]).toBeCloseTo(3);
    expect(r.geometry.direction.slice(6)).toEqual([-1, 0, 0]);
  });

  it('reports missing slices with their place', () => {
    const r = stackSlices([0, 1, 2, 5, 6].map((z) => plane(z)), (p) => p);
    expect(r.geometry.spacingMm[2]).toBe(1);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^2 missing slices \(2 between 2 mm and 5 mm\)/);
  });

  it('reports uneven spacing', () => {
    const r = stackSlices([0, 1, 2, 3.4, 4.4, 5.4].map((z) => plane(z)), (p) => p);
    expect(r.warnings.join()).toMatch(/uneven slice spacing: intervals from 1 mm to 1\.4 mm/);
  });

  it('detects gantry tilt and keeps voxels at the true positions', () => {
    // Axial slices whose origins move 1 mm in y per 2 mm in z: a tilt of atan(1/2) = 26.57°.
    const slices = [0, 1, 2, 3].map((k) => plane(2 * k, { positionMm: [-100, -120 + k, 2 * k] }));
    const r = stackSlices(slices, (p) => p);
    expect(r.gantryTiltDeg).toBeCloseTo(26.57, 1);
    expect(r.warnings.join()).toMatch(/gantry tilt of 26\.57°/);
    const last = indexToLps(r.geometry, [0, 0, 3]);
    expect(last[1]).toBeCloseTo(-117, 6);
    expect(last[2]).toBeCloseTo(6, 6);
  });

  it('excludes duplicates and images on another grid, with reasons', () => {
    const odd = plane(3, { rows: 8 });
    const r = stackSlices([plane(0), plane(1), plane(1), plane(2), odd], (p) => p);
    expect(r.ordered).toHaveLength(3);
    expect(r.excluded.map((e) => e.reason)).toEqual([
      'image size, orientation or pixel spacing differs from the rest of the series',
      'duplicate slice position (1 mm along the normal)',
    ]);
    expect(r.warnings).toHaveLength(2);
  });

  it('accepts a single image with a warning', () => {
    const r = stackSlices([plane(0)], (p) => p);
    expect(r.geometry.dims[2]).toBe(1);
    expect(r.warnings[0]).toMatch(/single image/);
  });
});

describe('index ↔ LPS', () => {
  it('round-trips through an oblique geometry', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const g = {
      dims: [10, 10, 10] as [number, number, number],
      spacingMm: [0.7, 0.8, 2.5] as [number, number, number],
      originMm: [5, -3, 12] as [number, number, number],
      direction: [c, s, 0, -s, c, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number],
    };
    const p = indexToLps(g, [3, 4, 5]);
    const ijk = lpsToIndex(g, p);
    expect(ijk[0]).toBeCloseTo(3, 9);
    expect(ijk[1]).toBeCloseTo(4, 9);
    expect(ijk[2]).toBeCloseTo(5, 9);
  });
});

describe('orientationLabel', () => {
  it('names LPS directions as in PS3.3 C.7.6.1.1.1', () => {
    expect(orientationLabel([1, 0, 0])).toBe('L');
    expect(orientationLabel([-1, 0, 0])).toBe('R');
    expect(orientationLabel([0, -1, 0])).toBe('A');
    expect(orientationLabel([0, 0, 1])).toBe('S');
    expect(orientationLabel([0.8, 0.5, 0])).toBe('LP');
  });

  it('labels the same tilt out of the axial plane alike, whatever the in-plane rotation', () => {
    // 12° towards the head is under the 14.5° (component 0.25) of a letter of its own.
    const tilt = (12 * Math.PI) / 180;
    const c = Math.cos(tilt);
    const s = Math.sin(tilt);
    expect(orientationLabel([c, 0, s])).toBe('L');
    expect(orientationLabel([c * Math.SQRT1_2, c * Math.SQRT1_2, s])).toBe('LP');
    // 20° is over it, on a straight and on a 45° in-plane oblique direction.
    const t20 = (20 * Math.PI) / 180;
    expect(orientationLabel([Math.cos(t20), 0, Math.sin(t20)])).toBe('LS');
    expect(orientationLabel([Math.cos(t20) * Math.SQRT1_2, -Math.cos(t20) * Math.SQRT1_2, -Math.sin(t20)])).toMatch(/^(LA|AL)I$/);
    expect(orientationLabel([0, 0, 0])).toBe('');
  });
});
