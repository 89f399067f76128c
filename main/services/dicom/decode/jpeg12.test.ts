import { describe, expect, it } from 'vitest';
import { preloadCodecs } from './codecs';
import { checkJpeg12Decoder, loadJpeg12, type JpegImage, type JpegImageClass } from './jpeg12';

describe('12-bit JPEG decoder (pdf.js decoder of @cornerstonejs/dicom-image-loader)', () => {
  it('loads under Node without DOM globals and passes its self-check (once per thread)', async () => {
    for (const name of ['window', 'document', 'self', 'XMLHttpRequest']) expect(name in globalThis, name).toBe(false);
    const first = loadJpeg12();
    expect(loadJpeg12()).toBe(first);
    expect(typeof (await first)).toBe('function');
    await expect(preloadCodecs()).resolves.toBeUndefined();
  });

  it('the self-check refuses a decoder that shifts or clips 12-bit samples', async () => {
    const Real = await loadJpeg12();
    // Behaves like an unguarded decoder would: values 15 too high (the one
    // this code corrects), then again clipped at the top.
    const shifted = (change: (value: number) => number): JpegImageClass =>
      class extends (Real as new () => JpegImage) {
        override getData16(width: number, height: number): Uint16Array {
          return super.getData16(width, height).map(change);
        }
      } as JpegImageClass;
    expect(() => checkJpeg12Decoder(Real)).not.toThrow();
    expect(() => checkJpeg12Decoder(shifted((v) => v + 15))).toThrow(/failed its self-check.*sample 0 is 2163, expected 2148/);
    expect(() => checkJpeg12Decoder(shifted((v) => Math.min(v, 30976 + 4080)))).toThrow(/sample 8 is 4080, expected 4090/);
  });
});
