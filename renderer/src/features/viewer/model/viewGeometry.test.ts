import { describe, expect, it } from 'vitest';
import type { Mat3, Vec3, VolumeGeometry } from '../../../../../core/api/types';
import {
  canvasToWorld,
  edgeLabels,
  sliceAxes,
  sliceCamera,
  sliceIndexAt,
  stepSlice,
  viewFrame,
  worldToCanvas,
  zoomAboutPoint,
  IDENTITY_VIEW_TRANSFORM,
} from './viewGeometry';
import { indexToLps, lpsToIndex, orientationLabel } from '../../../../../core/dicom/geometry';

const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function axialCt(direction: Mat3 = IDENTITY): VolumeGeometry {
  return { dims: [512, 512, 100], spacingMm: [0.7, 0.7, 2.5], originMm: [-180, -200, -300], direction };
}

const close = (a: number[], b: number[], digits = 6) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));

describe('radiological display convention', () => {
  it('shows an ordinary axial CT with patient right on screen left and anterior up', () => {
    const g = axialCt();
    const labels = (kind: 'axial' | 'coronal' | 'sagittal') => {
      const f = viewFrame(kind, g);
      return edgeLabels(f.right, f.up);
    };
    expect(labels('axial')).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(labels('coronal')).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    expect(labels('sagittal')).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
  });

  it('keeps the same labels when the slices are stored head-first or the rows are flipped', () => {
    // k towards the feet, i towards the patient's right.
    const g = axialCt([-1, 0, 0, 0, 1, 0, 0, 0, -1]);
    for (const kind of ['axial', 'coronal', 'sagittal'] as const) {
      const f = viewFrame(kind, g);
      expect(edgeLabels(f.right, f.up)).toEqual(edgeLabels(viewFrame(kind, axialCt()).right, viewFrame(kind, axialCt()).up));
    }
  });

  it('slices a coronal acquisition (rows +x, columns −z, stack +y) axially along its column axis', () => {
    const g: VolumeGeometry = { dims: [256, 80, 160], spacingMm: [1.3, 2.5, 2], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 0, -1, 0, 1, 0] };
    expect(sliceAxes(g.direction)).toEqual({ axial: 1, coronal: 2, sagittal: 0 });
    const f = viewFrame('axial', g);
    expect(edgeLabels(f.right, f.up)).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
  });

  it('shows an acquisition rotated 20° in-plane upright, with plain labels', () => {
    const a = (20 * Math.PI) / 180;
    const g = axialCt([Math.cos(a), Math.sin(a), 0, -Math.sin(a), Math.cos(a), 0, 0, 0, 1]);
    const f = viewFrame('axial', g);
    close(f.up, [0, -1, 0]);
    expect(edgeLabels(f.right, f.up)).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
  });

  it('labels a 30° gantry-tilted axial plane as oblique on its top and bottom edges', () => {
    const t = (30 * Math.PI) / 180;
    // Slices stacked along (0, sin t, cos t); rows along x; columns along (0, cos t, −sin t).
    const g = axialCt([1, 0, 0, 0, Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t)]);
    const f = viewFrame('axial', g);
    expect(edgeLabels(f.right, f.up)).toEqual({ left: 'R', right: 'L', top: 'AS', bottom: 'PI' });
  });

  it('labels an oblique direction with two letters, strongest first', () => {
    expect(orientationLabel([0.8, -0.6, 0])).toBe('LA');
    expect(orientationLabel([0, 0, -1])).toBe('I');
  });
});

describe('index ↔ LPS', () => {
  it('round-trips through a rotated direction', () => {
    const c = Math.cos(0.3), s = Math.sin(0.3);
    const g = axialCt([c, s, 0, -s, c, 0, 0, 0, 1]);
    const ijk: Vec3 = [10.5, 200, 42];
    close(lpsToIndex(g, indexToLps(g, ijk)), ijk);
  });

  it('puts voxel (0,0,0) at the origin and steps by the spacing', () => {
    const g = axialCt();
    close(indexToLps(g, [0, 0, 0]), [-180, -200, -300]);
    close(indexToLps(g, [1, 2, 3]), [-179.3, -198.6, -292.5]);
  });
});

describe('slices and scrolling', () => {
  it('finds the axial slice of a point and scrolls towards the feet on "down"', () => {
    const g = axialCt();
    const f = viewFrame('axial', g);
    const p = indexToLps(g, [100, 100, 40]);
    expect(sliceIndexAt(g, f, p)).toBe(40);
    expect(sliceIndexAt(g, f, stepSlice(g, f, p, 1))).toBe(39); // k increases superiorly here
    expect(sliceIndexAt(g, f, stepSlice(g, f, p, -100))).toBe(99); // clamped
  });
});

describe('screen mapping', () => {
  const g = axialCt();
  const cursor = indexToLps(g, [255, 255, 50]);

  it('maps the volume centre to the canvas centre at zoom 1 and inverts', () => {
    const cam = sliceCamera(g, 'axial', IDENTITY_VIEW_TRANSFORM, cursor, [800, 600]);
    const center = indexToLps(g, [255.5, 255.5, 50]);
    close(worldToCanvas(cam, center), [400, 300]);
    const p: Vec3 = [12, -34, cursor[2]];
    close(canvasToWorld(cam, worldToCanvas(cam, p), cursor), p);
  });

  it('draws a point on the patient right to the left of one on the patient left', () => {
    const cam = sliceCamera(g, 'axial', IDENTITY_VIEW_TRANSFORM, cursor, [800, 600]);
    const [xRight] = worldToCanvas(cam, [-50, 0, cursor[2]]);
    const [xLeft] = worldToCanvas(cam, [50, 0, cursor[2]]);
    expect(xRight).toBeLessThan(xLeft);
    const [, yAnterior] = worldToCanvas(cam, [0, -50, cursor[2]]);
    const [, yPosterior] = worldToCanvas(cam, [0, 50, cursor[2]]);
    expect(yAnterior).toBeLessThan(yPosterior);
  });

  it('fits 358 mm of field of view into 600 px at zoom 1 and keeps the mouse point fixed when zooming', () => {
    const cam = sliceCamera(g, 'axial', IDENTITY_VIEW_TRANSFORM, cursor, [800, 600]);
    // 512 × 0.7 mm = 358.4 mm, plus the 4% margin.
    expect(cam.parallelScaleMm * 2).toBeCloseTo(358.4 * 1.04, 6);
    const mouse: [number, number] = [250, 180];
    const anchor = canvasToWorld(cam, mouse, cursor);
    const zoomed = zoomAboutPoint(g, 'axial', IDENTITY_VIEW_TRANSFORM, 3, mouse, cursor, [800, 600]);
    close(worldToCanvas(sliceCamera(g, 'axial', zoomed, cursor, [800, 600]), anchor), mouse);
  });
});
