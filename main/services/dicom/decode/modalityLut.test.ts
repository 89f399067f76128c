import { describe, expect, it } from 'vitest';
import { huLookupTable, storedToHu } from './modalityLut';

describe('modality LUT (DICOM PS3.3 C.11.1)', () => {
  it('maps signed 16-bit stored values through slope 1, intercept −1024', () => {
    const stored = new Uint16Array([0xf830, 0x0000, 0x0400, 0x7fff]); // −2000, 0, 1024, 32767
    const hu = storedToHu(stored, { bitsStored: 16, signed: true, shiftBits: 0 }, { slope: 1, intercept: -1024 });
    expect(Array.from(hu)).toEqual([-3024, -1024, 0, 31743]);
  });

  it('treats the same bits as unsigned when Pixel Representation is 0', () => {
    const hu = storedToHu(new Uint16Array([0xf830]), { bitsStored: 16, signed: false, shiftBits: 0 }, { slope: 1, intercept: -1024 });
    expect(Array.from(hu)).toEqual([32767]); // 63536 − 1024 clamps to Int16
  });

  it('masks to Bits Stored after shifting the High Bit down', () => {
    const stored = new Uint16Array([(0x0800 << 4) | 0x000f]); // 12-bit −2048 in bits 4–15, junk below
    const hu = storedToHu(stored, { bitsStored: 12, signed: true, shiftBits: 4 }, { slope: 1, intercept: 0 });
    expect(Array.from(hu)).toEqual([-2048]);
  });

  it('reuses one table for a series that shares its rescale', () => {
    const a = huLookupTable(16, true, { slope: 1, intercept: -1024 });
    expect(huLookupTable(16, true, { slope: 1, intercept: -1024 })).toBe(a);
    expect(huLookupTable(16, true, { slope: 1, intercept: -1000 })).not.toBe(a);
  });
});
