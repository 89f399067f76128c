/**
 * The header reader on hostile bytes: real third-party files from ../shared/data, mutated
 * here, each refused quickly with a named reason instead of filling the heap or looping.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DicomReadError, readDicomHeader } from './header';
import { checkDataSet, DicomStructureError, inflateBounded, MAX_INFLATED_BYTES, STRUCTURE_LIMITS } from './structure';

const DATA = join(__dirname, '..', '..', '..', '..', 'shared', 'data');
const CT_IMPLICIT = join(DATA, 'dcmqi', 'ct-3slice', '01.dcm');
const CT_EXPLICIT = join(DATA, 'highdicom', 'ct_image.dcm');
const SR = join(DATA, 'highdicom', 'sr_document.dcm');

/** Offset of the first occurrence of a tag (little endian) after the preamble. */
function tagAt(bytes: Buffer, group: number, element: number): number {
  const at = bytes.indexOf(Buffer.from([group & 0xff, group >> 8, element & 0xff, element >> 8]), 132);
  if (at < 0) throw new Error(`tag ${group.toString(16)},${element.toString(16)} not found`);
  return at;
}

/** Reads the header, expecting a refusal; returns the reason and how long it took. */
function refused(bytes: Buffer): { reason: string; ms: number } {
  const started = performance.now();
  try {
    readDicomHeader(bytes, 'mutant.dcm');
  } catch (err) {
    expect(err).toBeInstanceOf(DicomReadError);
    expect((err as DicomReadError).unexpected).toBeUndefined();
    return { reason: (err as DicomReadError).reason, ms: performance.now() - started };
  }
  throw new Error('the mutant was accepted');
}

/** `levels` nested undefined-length sequences and items, in a private element, closed or never closed. */
function nested(levels: number, explicit: boolean, closed = false): Buffer {
  const one = Buffer.alloc(explicit ? 20 : 16);
  one.writeUInt16LE(0x0029, 0);
  one.writeUInt16LE(0x1010, 2);
  let o = 4;
  if (explicit) {
    one.write('SQ', 4, 'latin1');
    o = 8;
  }
  one.writeUInt32LE(0xffffffff, o);
  one.writeUInt16LE(0xfffe, o + 4);
  one.writeUInt16LE(0xe000, o + 6);
  one.writeUInt32LE(0xffffffff, o + 8);
  const close = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return Buffer.concat([...Array.from({ length: levels }, () => one), ...(closed ? Array.from({ length: levels }, () => close) : [])]);
}

describe('bounded header parsing (structure check before dcmjs)', () => {
  it('every real file still reads as before', () => {
    const files: string[] = [];
    const walk = (d: string) => readdirSync(d).forEach((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : files.push(join(d, n))));
    walk(DATA);
    const dicom = files.filter((f) => readFileSync(f).subarray(128, 132).toString('latin1') === 'DICM');
    expect(dicom.length).toBeGreaterThanOrEqual(30);
    for (const f of dicom) expect(() => readDicomHeader(readFileSync(f), f), f).not.toThrow();
  });

  it('a length of 0xFFFFFFFF on an element that cannot have an undefined length (implicit VR CT, Rows)', () => {
    const bytes = Buffer.from(readFileSync(CT_IMPLICIT));
    bytes.writeUInt32LE(0xffffffff, tagAt(bytes, 0x0028, 0x0010) + 4);
    const { reason, ms } = refused(bytes);
    expect(reason).toMatch(/^element \(0028,0010\) \(VR US\) has an undefined length, which PS3\.5 §7\.1\.2 allows only for sequences, items and encapsulated pixel data/);
    expect(ms).toBeLessThan(1000);
  });

  it('a length past the end of the file (implicit VR CT, Study Description), and in an explicit VR file (UT)', () => {
    const implicit = Buffer.from(readFileSync(CT_IMPLICIT));
    implicit.writeUInt32LE(0xfffffff0, tagAt(implicit, 0x0008, 0x1030) + 4);
    expect(refused(implicit).reason).toMatch(/^the file is truncated or corrupt: element \(0008,1030\) \(VR LO\) at byte \d+ claims 4294967280 bytes, only \d+ remain$/);

    // An explicit VR file: a short element turned into UT with an undefined length.
    const explicit = readFileSync(CT_EXPLICIT);
    const at = tagAt(explicit, 0x0008, 0x0060);
    const header = Buffer.alloc(12);
    header.writeUInt16LE(0x0008, 0);
    header.writeUInt16LE(0x0060, 2);
    header.write('UT', 4, 'latin1');
    header.writeUInt32LE(0xffffffff, 8);
    const mutated = Buffer.concat([explicit.subarray(0, at), header, explicit.subarray(at + 8)]);
    expect(refused(mutated).reason).toMatch(/^element \(0008,0060\) \(VR UT\) has an undefined length/);
  });

  it('sequences nested too deep, and a sequence that never ends', () => {
    for (const [file, explicit] of [
      [CT_IMPLICIT, false],
      [CT_EXPLICIT, true],
    ] as const) {
      const bytes = readFileSync(file);
      const pixels = tagAt(bytes, 0x7fe0, 0x0010);
      // 20,000 levels: dcmjs alone would copy the rest of the file at every level.
      const deep = Buffer.concat([bytes.subarray(0, pixels), nested(20_000, explicit, true), bytes.subarray(pixels)]);
      const { reason, ms } = refused(deep);
      expect(reason).toMatch(new RegExp(`^sequences are nested deeper than ${STRUCTURE_LIMITS.maxDepth} levels at element \\(0029,1010\\)`));
      expect(ms).toBeLessThan(1000);
      const endless = Buffer.concat([bytes.subarray(0, pixels), nested(3, explicit)]);
      expect(refused(endless).reason).toMatch(/never ends/);
    }
    // In a real SR: the content sequence loses its delimiters.
    const sr = Buffer.from(readFileSync(SR));
    for (let at = sr.indexOf(Buffer.from([0xfe, 0xff, 0xdd, 0xe0])); at >= 0; at = sr.indexOf(Buffer.from([0xfe, 0xff, 0xdd, 0xe0]), at + 4)) sr.writeUInt16LE(0x1234, at + 2);
    const content = tagAt(sr, 0x0040, 0xa730);
    sr.writeUInt32LE(0xffffffff, content + 8);
    expect(refused(sr).reason).toMatch(/sequence \(0040,A730\)|\(FFFE,1234\)|never ends/);
  });

  it('a deflate bomb is refused by name, without inflating it', () => {
    const bytes = readFileSync(CT_EXPLICIT);
    // The file's meta group declaring Deflated Explicit VR Little Endian, then 80 MB of deflated zeros.
    const metaEnd = 144 + bytes.readUInt32LE(140);
    const meta = Buffer.from(bytes.subarray(0, metaEnd)).toString('latin1').replace('1.2.840.10008.1.2.1\0', '1.2.840.10008.1.2.1.99');
    const metaBytes = Buffer.from(meta, 'latin1');
    const tsAt = metaBytes.indexOf('1.2.840.10008.1.2.1.99');
    metaBytes.writeUInt16LE(22, tsAt - 2);
    metaBytes.writeUInt32LE(metaBytes.length - 144, 140);
    const bomb = deflateRawSync(Buffer.alloc(80 * 2 ** 20), { level: 9 });
    expect(bomb.length).toBeLessThan(1_000_000);
    const { reason } = refused(Buffer.concat([metaBytes, bomb]));
    expect(reason).toBe(`the deflated data set inflates to more than ${MAX_INFLATED_BYTES / 2 ** 20} MB: a deflate bomb or a corrupt stream; not read`);
    expect(() => inflateBounded(bomb, 1 << 20)).toThrow(DicomStructureError);
    // The same file, honestly deflated, reads.
    const honest = Buffer.concat([metaBytes, deflateRawSync(bytes.subarray(metaEnd))]);
    expect(readDicomHeader(honest, 'deflated.dcm')).toMatchObject({ rows: 128, columns: 128, transferSyntaxUid: '1.2.840.10008.1.2.1.99' });
  });

  it('too many binary numbers or elements: refused before dcmjs builds them', () => {
    const bytes = readFileSync(CT_IMPLICIT);
    const pixels = tagAt(bytes, 0x7fe0, 0x0010);
    const header = Buffer.alloc(8);
    header.writeUInt16LE(0x0018, 0);
    header.writeUInt16LE(0x9087, 2); // Diffusion b-value, FD
    header.writeUInt32LE(2_100_000 * 8, 4);
    const many = Buffer.concat([bytes.subarray(0, pixels), header, Buffer.alloc(2_100_000 * 8), bytes.subarray(pixels)]);
    expect(refused(many).reason).toMatch(/^the header holds more than 2,000,000 numeric values \(element \(0018,9087\), VR FD/);
    const structure = checkDataSet(new Uint8Array(bytes), 144 + bytes.readUInt32LE(140), { littleEndian: true, implicit: true });
    expect(structure).toBe(pixels);
  });

  it('dcmjs errors that are not structural become named reasons or a logged "could not be read"', () => {
    const bytes = readFileSync(CT_EXPLICIT);
    const at = tagAt(bytes, 0x0008, 0x0005);
    const len = bytes.readUInt16LE(at + 6);
    const value = Buffer.from('ISO_IR 999'.padEnd(len, ' ').slice(0, len), 'latin1');
    const mutated = Buffer.concat([bytes.subarray(0, at + 8), value, bytes.subarray(at + 8 + len)]);
    expect(refused(mutated).reason).toMatch(/^unsupported Specific Character Set \(0008,0005\)/);
  });
});
