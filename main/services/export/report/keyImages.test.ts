/** Key images: radiological orientation, the soft-tissue window, the lesion centred, lines in place. */
import { describe, expect, it } from 'vitest';
import type { Mat3, VolumeGeometry } from '../../../../core/api/types';
import { SOFT_TISSUE_WINDOW, keyImageFovMm, renderKeyImage } from './keyImages';

const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function volume(direction: Mat3 = IDENTITY, originMm: [number, number, number] = [-50, -50, 0]) {
  const g: VolumeGeometry = { dims: [100, 100, 5], spacingMm: [1, 1, 2], originMm, direction };
  const v = new Int16Array(100 * 100 * 5).fill(60);
  return { g, v };
}

describe('renderKeyImage', () => {
  it('puts the patient left on the image right and posterior at the bottom, at W400/L40', () => {
    const { g, v } = volume();
    // A bright block at patient left-posterior (x > 0, y > 0), on slice 2 (z = 4 mm).
    for (let j = 60; j < 70; j++) for (let i = 60; i < 70; i++) v[i + 100 * (j + 100 * 2)] = 400;
    const img = renderKeyImage({ geometry: g, voxels: v, centreLps: [0, 0, 4], fovMm: 100, sizePx: 100 });
    expect(img.orientation).toEqual({ right: 'L', bottom: 'P' });
    expect(img.mmPerPixel).toBe(1);
    // 400 HU is above the window (white); 60 HU is (60 - (-160)) / 400 of the grey range.
    expect(img.pixels[65 * 100 + 65]).toBe(255);
    expect(img.pixels[35 * 100 + 35]).toBe(Math.round(((60 - (SOFT_TISSUE_WINDOW.center - SOFT_TISSUE_WINDOW.width / 2)) / SOFT_TISSUE_WINDOW.width) * 255));
    // Outside the volume is air: black.
    const off = renderKeyImage({ geometry: g, voxels: v, centreLps: [60, 0, 4], fovMm: 100, sizePx: 100 });
    expect(off.pixels[50 * 100 + 99]).toBe(0);
  });

  it('shows the same anatomy when the grid is stored flipped (a direction of -1 on x)', () => {
    const a = volume();
    const b = volume([-1, 0, 0, 0, 1, 0, 0, 0, 1], [49, -50, 0]);
    // The same patient point (x = 15, y = 15, z = 4) made bright in both grids.
    a.v[65 + 100 * (65 + 100 * 2)] = 1000;
    b.v[34 + 100 * (65 + 100 * 2)] = 1000;
    const ia = renderKeyImage({ geometry: a.g, voxels: a.v, centreLps: [0, 0, 4], fovMm: 100, sizePx: 100 });
    const ib = renderKeyImage({ geometry: b.g, voxels: b.v, centreLps: [0, 0, 4], fovMm: 100, sizePx: 100 });
    expect(Array.from(ib.pixels)).toEqual(Array.from(ia.pixels));
  });

  it('draws the measurement where it lies: long axis then short axis, in image pixels', () => {
    const { g, v } = volume();
    const img = renderKeyImage({
      geometry: g,
      voxels: v,
      centreLps: [10, 10, 4],
      fovMm: 80,
      sizePx: 160,
      pointsLps: [[0, 10, 4], [20, 10, 4], [10, 5, 4], [10, 15, 4]],
    });
    expect(img.lines).toEqual([
      { from: [60, 80], to: [100, 80], kind: 'long' },
      { from: [80, 70], to: [80, 90], kind: 'short' },
    ]);
  });

  it('keeps one field of view for a lesion: room around its largest diameter, 60 to 200 mm', () => {
    expect(keyImageFovMm(10)).toBe(60);
    expect(keyImageFovMm(41)).toBe(130);
    expect(keyImageFovMm(120)).toBe(200);
    expect(keyImageFovMm(null)).toBe(60);
  });
});
