/**
 * A minimal DICOM Part 10 writer for CT slices: Explicit VR Little Endian,
 * one frame of 16-bit pixels per file. Written by hand rather than through
 * dcmjs's per-element path because benchmarks write 300 × 512 KiB slices and
 * the header is ~50 elements; encoding it directly costs microseconds and the
 * pixel bytes go to disk without a copy. dcmjs and dciodvfy check the output
 * in the tests.
 */
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './uid';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

type StringVr = 'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'ST' | 'TM' | 'UI';

export type DicomElement =
  | { tag: number; vr: StringVr; value: string | readonly string[] }
  | { tag: number; vr: 'US' | 'UL' | 'SS'; value: readonly number[] }
  | { tag: number; vr: 'OB' | 'OW'; value: Uint8Array };

/** VRs whose length field is 32-bit after two reserved bytes (PS3.5 7.1.2). */
const LONG_LENGTH_VRS = new Set<string>(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SQ', 'UC', 'UR', 'UT', 'UN', 'SV', 'UV']);

/** Maximum value lengths, PS3.5 Table 6.2-1, checked so a bad value fails here, not in a viewer. */
const MAX_LENGTH: Partial<Record<StringVr, number>> = {
  AE: 16, AS: 4, CS: 16, DA: 8, DS: 16, IS: 12, LO: 64, PN: 64, SH: 16, TM: 14, UI: 64, ST: 1024, LT: 10240,
};

export function tag(group: number, element: number): number {
  return ((group << 16) | element) >>> 0;
}

/**
 * Decimal String (PS3.5 6.2): at most 16 characters. Drops precision until
 * the value fits, which keeps sub-micrometre accuracy for any plausible
 * millimetre coordinate.
 */
export function formatDs(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`DS value must be finite, got ${value}`);
  if (Object.is(value, -0) || value === 0) return '0';
  for (let precision = 15; precision >= 1; precision--) {
    const s = String(Number(value.toPrecision(precision)));
    if (s.length <= 16) return s;
  }
  throw new Error(`cannot format ${value} as a DICOM DS`);
}

export function formatIs(value: number): string {
  if (!Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) throw new Error(`IS value must be a 32-bit integer, got ${value}`);
  return String(value);
}

function encodeString(vr: StringVr, value: string | readonly string[], tagHex: string): Buffer {
  const parts = typeof value === 'string' ? [value] : value;
  const max = MAX_LENGTH[vr];
  for (const p of parts) {
    if (max !== undefined && p.length > max) throw new Error(`(${tagHex}) ${vr} value "${p}" exceeds ${max} characters`);
    if (!/^[\x20-\x7e]*$/.test(p)) throw new Error(`(${tagHex}) value "${p}" is not plain ASCII`);
  }
  let text = parts.join('\\');
  // Even length: UIDs pad with NUL, other strings with a space (PS3.5 6.2).
  if (text.length % 2 === 1) text += vr === 'UI' ? '\0' : ' ';
  return Buffer.from(text, 'latin1');
}

function encodeValue(e: DicomElement, tagHex: string): Buffer {
  switch (e.vr) {
    case 'US': {
      const b = Buffer.alloc(2 * e.value.length);
      e.value.forEach((v, i) => b.writeUInt16LE(v, 2 * i));
      return b;
    }
    case 'SS': {
      const b = Buffer.alloc(2 * e.value.length);
      e.value.forEach((v, i) => b.writeInt16LE(v, 2 * i));
      return b;
    }
    case 'UL': {
      const b = Buffer.alloc(4 * e.value.length);
      e.value.forEach((v, i) => b.writeUInt32LE(v, 4 * i));
      return b;
    }
    case 'OB':
    case 'OW':
      if (e.value.length % 2 === 1) throw new Error(`(${tagHex}) ${e.vr} value must have even length`);
      return Buffer.from(e.value.buffer, e.value.byteOffset, e.value.byteLength);
    default:
      return encodeString(e.vr, e.value, tagHex);
  }
}

function elementHeader(tagValue: number, vr: string, length: number): Buffer {
  const long = LONG_LENGTH_VRS.has(vr);
  const h = Buffer.alloc(long ? 12 : 8);
  h.writeUInt16LE(tagValue >>> 16, 0);
  h.writeUInt16LE(tagValue & 0xffff, 2);
  h.write(vr, 4, 'latin1');
  if (long) h.writeUInt32LE(length, 8);
  else {
    if (length > 0xffff) throw new Error(`value of VR ${vr} too long (${length} bytes)`);
    h.writeUInt16LE(length, 6);
  }
  return h;
}

/** Encode elements in ascending tag order (PS3.5 7.1), Explicit VR Little Endian. */
export function encodeElements(elements: readonly DicomElement[]): Buffer {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  const chunks: Buffer[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i];
    if (i > 0 && sorted[i - 1].tag === e.tag) throw new Error(`duplicate tag ${e.tag.toString(16)}`);
    const tagHex = e.tag.toString(16).padStart(8, '0').replace(/^(....)/, '$1,');
    const value = encodeValue(e, tagHex);
    chunks.push(elementHeader(e.tag, e.vr, value.length), value);
  }
  return Buffer.concat(chunks);
}

/** 128-byte preamble, "DICM", and the File Meta Information group (PS3.10 7.1). */
export function encodeFileMeta(sopClassUid: string, sopInstanceUid: string): Buffer {
  const group = encodeElements([
    { tag: tag(0x0002, 0x0001), vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: tag(0x0002, 0x0002), vr: 'UI', value: sopClassUid },
    { tag: tag(0x0002, 0x0003), vr: 'UI', value: sopInstanceUid },
    { tag: tag(0x0002, 0x0010), vr: 'UI', value: EXPLICIT_VR_LITTLE_ENDIAN },
    { tag: tag(0x0002, 0x0012), vr: 'UI', value: IMPLEMENTATION_CLASS_UID },
    { tag: tag(0x0002, 0x0013), vr: 'SH', value: IMPLEMENTATION_VERSION_NAME },
  ]);
  const groupLength = encodeElements([{ tag: tag(0x0002, 0x0000), vr: 'UL', value: [group.length] }]);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, groupLength, group]);
}

/**
 * The bytes of one file, as a list of buffers for writev-style output: meta +
 * header, then the pixel element header, then the pixel bytes themselves
 * (referenced, not copied).
 */
export function encodeImageFile(
  sopClassUid: string,
  sopInstanceUid: string,
  elements: readonly DicomElement[],
  pixelBytes: Uint8Array,
): Buffer[] {
  if (elements.some((e) => e.tag === tag(0x7fe0, 0x0010))) throw new Error('pass pixel data separately');
  if (pixelBytes.byteLength % 2 === 1) throw new Error('pixel data must have even length');
  return [
    encodeFileMeta(sopClassUid, sopInstanceUid),
    encodeElements(elements),
    elementHeader(tag(0x7fe0, 0x0010), 'OW', pixelBytes.byteLength),
    Buffer.from(pixelBytes.buffer, pixelBytes.byteOffset, pixelBytes.byteLength),
  ];
}
