import { describe, expect, it } from 'vitest';
import { PixelDataProblem } from './decodeError';
import { decodeRleFrame } from './rle';

/** An RLE frame: the 64-byte header (segment count, offsets) then the segments. */
function rleFrame(segments: number[][]): Uint8Array {
  const header = new DataView(new ArrayBuffer(64));
  header.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((segment, i) => {
    header.setUint32(4 + 4 * i, offset, true);
    offset += segment.length;
  });
  return new Uint8Array([...new Uint8Array(header.buffer), ...segments.flat()]);
}

// The PackBits example of Apple Technical Note TN1023, which DICOM PS3.5 G.3 follows.
const PACKBITS_IN = [0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa];
const PACKBITS_OUT = [
  0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22,
  0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
];

describe('decodeRleFrame (DICOM PS3.5 Annex G)', () => {
  it('decodes the TN1023 PackBits example as an 8-bit plane (the padding byte after it is allowed)', () => {
    const samples = decodeRleFrame(rleFrame([[...PACKBITS_IN, 0x80]]), 24, 1);
    expect(samples).toBeInstanceOf(Uint8Array);
    expect(Array.from(samples)).toEqual(PACKBITS_OUT);
  });

  it('puts the first segment in the high byte of 16-bit samples', () => {
    // High plane: 0x04, 0xFC (−1024 as int16 = 0xFC00); low plane: 0x00, 0x00.
    const samples = decodeRleFrame(rleFrame([[0x01, 0x04, 0xfc], [0xff, 0x00]]), 2, 2);
    expect(Array.from(samples)).toEqual([0x0400, 0xfc00]);
  });

  it('refuses a wrong segment count, a short segment, and a segment with data left over', () => {
    expect(() => decodeRleFrame(rleFrame([[0xff, 0x00]]), 2, 2)).toThrow(/1 segments; 2 expected/);
    expect(() => decodeRleFrame(rleFrame([[0x00, 0x07]]), 2, 1)).toThrow(/decodes to 1 bytes, 2 expected/);
    const leftover = [0x01, 1, 2, 0x01, 3, 4, 0x01, 5, 6, 0x01, 7, 8, 0x01, 9, 10];
    expect(() => decodeRleFrame(rleFrame([leftover]), 2, 1)).toThrow(PixelDataProblem);
    expect(() => decodeRleFrame(new Uint8Array(10), 2, 1)).toThrow(/shorter than its 64-byte header/);
  });
});
