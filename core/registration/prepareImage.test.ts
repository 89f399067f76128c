import { describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import { checkRegistrationVolume, cropToMask, prepareRegistrationImage, RegistrationError, registrationSpacing, type PreparedImage } from './prepareImage';

describe('registration image preparation', () => {
  const g: VolumeGeometry = { dims: [10, 20, 30], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [0, 1, 0, 0, 0, 1, 1, 0, 0] };

  it('keeps at least 16 voxels per axis and never goes finer than the series', () => {
    expect(registrationSpacing({ ...g, dims: [512, 512, 40], spacingMm: [0.7, 0.7, 5] }, 3)).toEqual([3, 3, 5]);
    expect(registrationSpacing({ ...g, dims: [512, 512, 20], spacingMm: [0.7, 0.7, 2] }, 3)).toEqual([3, 3, 2.5]);
  });

  it('crops to the mask box plus the margin, keeping LPS positions', () => {
    const data = Float32Array.from({ length: 40 * 40 * 40 }, (_, i) => i);
    const img: PreparedImage = { data, geometry: { dims: [40, 40, 40], spacingMm: [2, 2, 2], originMm: [-40, -40, -40], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] } };
    const mask = new Uint8Array(data.length);
    mask[(20 * 40 + 20) * 40 + 20] = 1;
    const c = cropToMask(img, mask, img.geometry, 10);
    // 1 voxel ± 5 voxels of margin = 11, widened to the pyramid's 16.
    expect(c.geometry.dims).toEqual([16, 16, 16]);
    const first = indexToLps(c.geometry, [0, 0, 0]);
    const src = [0, 1, 2].map((a) => (first[a] + 40) / 2);
    expect(c.data[0]).toBe(data[(src[2] * 40 + src[1]) * 40 + src[0]]);
  });

  it('downsamples to the registration grid and clamps to the HU window', () => {
    // 64 × 64 × 32 voxels of 1 × 1 × 2 mm: left half air (−1000 HU), right half bone (1500 HU).
    const geometry: VolumeGeometry = { dims: [64, 64, 32], spacingMm: [1, 1, 2], originMm: [-32, -32, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const hu = Int16Array.from({ length: 64 * 64 * 32 }, (_, n) => (n % 64 < 32 ? -1000 : 1500));
    const img = prepareRegistrationImage({ hu, geometry }, 4, [-200, 300]);
    expect(img.geometry.spacingMm).toEqual([4, 4, 4]);
    expect(img.geometry.originMm).toEqual([-32, -32, 0]);
    expect(Math.min(...img.data)).toBe(-200);
    expect(Math.max(...img.data)).toBe(300);
  });

  it('names a volume whose voxels do not fill its grid', () => {
    const geometry: VolumeGeometry = { dims: [4, 4, 4], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    expect(() => checkRegistrationVolume({ hu: new Int16Array(63), geometry }, 'fixed (baseline)')).toThrow(RegistrationError);
    expect(() => checkRegistrationVolume({ hu: new Int16Array(63), geometry }, 'fixed (baseline)')).toThrow(/fixed \(baseline\) volume has 63 voxels but its geometry needs 64/);
    expect(() => checkRegistrationVolume({ hu: new Int16Array(64), geometry: { ...geometry, spacingMm: [1, 0, 1] } }, 'moving')).toThrow(/non-positive voxel spacing/);
  });
});
