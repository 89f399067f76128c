import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSlice } from './dicomTestUtils';
import { CT_IMAGE_STORAGE, encodeElements, encodeImageFile, formatDs, tag } from './dicomWriter';
import { phantomUid } from './uid';

const dir = mkdtempSync(join(tmpdir(), 'lgp-dicomwriter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('formatDs', () => {
  it('keeps every value within 16 characters (PS3.5 DS)', () => {
    for (const v of [-188.515625, 0.7421875, -0.000123456789012, 123456.7890123456, 1e-12, -12345678901234.5, 0.1 + 0.2]) {
      const s = formatDs(v);
      expect(s.length).toBeLessThanOrEqual(16);
      expect(Math.abs(Number(s) - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-9 + 1e-12);
    }
    expect(formatDs(-0)).toBe('0');
    expect(formatDs(2)).toBe('2');
    expect(() => formatDs(Number.NaN)).toThrow(/finite/);
  });
});

describe('encodeElements', () => {
  it('sorts by tag and pads odd values (UI with NUL, text with space)', () => {
    const bytes = encodeElements([
      { tag: tag(0x0010, 0x0020), vr: 'LO', value: 'ABC' },
      { tag: tag(0x0008, 0x0018), vr: 'UI', value: '1.2.3' },
    ]);
    // (0008,0018) first: group, element, "UI", length 6, "1.2.3\0".
    expect(bytes.readUInt16LE(0)).toBe(0x0008);
    expect(bytes.readUInt16LE(2)).toBe(0x0018);
    expect(bytes.toString('latin1', 4, 6)).toBe('UI');
    expect(bytes.readUInt16LE(6)).toBe(6);
    expect(bytes.toString('latin1', 8, 14)).toBe('1.2.3\0');
    expect(bytes.readUInt16LE(14)).toBe(0x0010);
    expect(bytes.toString('latin1', 22, 26)).toBe('ABC ');
    expect(bytes.length).toBe(26);
  });

  it('rejects values a reader would choke on', () => {
    expect(() => encodeElements([{ tag: tag(0x0010, 0x0040), vr: 'CS', value: 'X'.repeat(17) }])).toThrow(/exceeds 16/);
    expect(() => encodeElements([{ tag: tag(0x0010, 0x0010), vr: 'PN', value: 'Müller' }])).toThrow(/ASCII/);
    expect(() =>
      encodeElements([
        { tag: tag(0x0010, 0x0020), vr: 'LO', value: 'a' },
        { tag: tag(0x0010, 0x0020), vr: 'LO', value: 'b' },
      ]),
    ).toThrow(/duplicate/);
  });
});

describe('encodeImageFile', () => {
  it('writes a Part 10 file that dcmjs reads back with the same values', () => {
    const uid = phantomUid('writer-test', 1);
    const pixels = new Int16Array([-1000, 0, 40, 1000, -1024, 3071]);
    const file = join(dir, 'one.dcm');
    writeFileSync(
      file,
      Buffer.concat(
        encodeImageFile(
          CT_IMAGE_STORAGE,
          uid,
          [
            { tag: tag(0x0008, 0x0016), vr: 'UI', value: CT_IMAGE_STORAGE },
            { tag: tag(0x0008, 0x0018), vr: 'UI', value: uid },
            { tag: tag(0x0020, 0x0032), vr: 'DS', value: [formatDs(-188.515625), '0', formatDs(-12.5)] },
            { tag: tag(0x0028, 0x0010), vr: 'US', value: [2] },
            { tag: tag(0x0028, 0x0011), vr: 'US', value: [3] },
            { tag: tag(0x0028, 0x0100), vr: 'US', value: [16] },
            { tag: tag(0x0028, 0x0101), vr: 'US', value: [16] },
            { tag: tag(0x0028, 0x0103), vr: 'US', value: [1] },
            { tag: tag(0x0028, 0x1052), vr: 'DS', value: '0' },
            { tag: tag(0x0028, 0x1053), vr: 'DS', value: '1' },
          ],
          new Uint8Array(pixels.buffer),
        ),
      ),
    );
    const read = readSlice(file);
    expect((read.meta['00020010'].Value ?? [])[0]).toBe('1.2.840.10008.1.2.1');
    expect((read.meta['00020003'].Value ?? [])[0]).toBe(uid);
    expect(read.dataset.ImagePositionPatient).toEqual([-188.515625, 0, -12.5]);
    expect(read.dict['7FE00010'].vr).toBe('OW');
    expect(Array.from(read.hu)).toEqual(Array.from(pixels));
  });
});

describe('phantomUid', () => {
  it('is a valid 2.25 UID, reproducible and distinct per role', () => {
    const a = phantomUid('seed', 'series', 0);
    expect(a).toMatch(/^2\.25\.[1-9]\d*$/);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(phantomUid('seed', 'series', 0)).toBe(a);
    expect(phantomUid('seed', 'series', 1)).not.toBe(a);
  });
});
