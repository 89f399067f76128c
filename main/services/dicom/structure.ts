/**
 * A bounded pre-scan of a DICOM data set's element structure (tag, VR, length), run before
 * the bytes reach dcmjs, which stays the parser of record for the header.
 *
 * dcmjs trusts every length it reads: a length past the end of the file, an undefined length
 * on a VR that cannot have one, or sequences nested thousands deep (each level copies what is
 * left of its item) can drive it to gigabytes of heap or to minutes of work on a file of a few
 * kilobytes. This scan walks the same elements the same way dcmjs will (the VR it will use,
 * 16- or 32-bit lengths, how it finds the end of an undefined-length item) and refuses, with a
 * reason a user can act on, anything that does not fit inside the bytes that hold it:
 * - every defined length must fit in what remains of its data set, item or sequence;
 * - an undefined length only where PS3.5 §7.1.2 and §7.5 allow one: sequences (SQ, and UN
 *   holding a sequence), items, and encapsulated data (OB/OW, PS3.5 A.4);
 * - sequences nested at most `maxDepth` deep; at most `maxElements` elements and items, and
 *   at most `maxNumericValues` binary numbers (US, FL, …) in one header;
 * - a deflated data set inflates to at most MAX_INFLATED_BYTES (see inflateBounded).
 * The work is linear in the bytes scanned (times the nesting depth), and nothing is allocated
 * but counters. The top-level Pixel Data is where the header ends (dcmjs stops there).
 */
import dcmjs from 'dcmjs';
import { inflateRawSync, inflateSync } from 'node:zlib';

export const UNDEFINED_LENGTH = 0xffffffff;
const PIXEL_DATA = 0x7fe00010;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;

export interface StructureLimits {
  /** Sequence nesting levels (an SR content tree uses well under ten). */
  maxDepth: number;
  /** Elements and items in one header. */
  maxElements: number;
  /** Values of the binary numeric VRs (US, SS, UL, SL, FL, FD, AT, UV), which dcmjs reads one by one. */
  maxNumericValues: number;
}

export const STRUCTURE_LIMITS: StructureLimits = { maxDepth: 24, maxElements: 200_000, maxNumericValues: 2_000_000 };

/** What a deflated data set (PS3.5 A.5) may inflate to before it is refused as a deflate bomb. */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** A structural problem, with a reason a user can act on (it names the element and the byte). */
export class DicomStructureError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DicomStructureError';
  }
}

export interface DatasetEncoding {
  littleEndian: boolean;
  implicit: boolean;
}

interface DcmjsVr {
  type: string;
  isLength32(): boolean;
  isBinary(): boolean;
  maxLength: number | null;
  noMultiple?: boolean;
}

const dcmjsData = dcmjs.data as unknown as {
  ValueRepresentation: { createByTypeString(type: string): DcmjsVr };
  DicomMetaDictionary: { dictionary: Record<string, { vr?: string } | undefined> };
};

/** How dcmjs treats a VR: its own type for it (unknown codes become UN), 32-bit length or not, and the size of one value it reads in a loop. */
interface VrRule {
  type: string;
  length32: boolean;
  /** Bytes per value of a binary numeric VR that dcmjs reads one value at a time; 0 otherwise. */
  valueSize: number;
  /** dcmjs reads an undefined length of this VR as encapsulated fragments (BinaryRepresentation). */
  fragments: boolean;
}

const vrRules = new Map<string, VrRule>();
const BINARY_BULK = new Set(['OB', 'OW', 'OF', 'OD', 'UN']);

function vrRule(code: string): VrRule {
  let rule = vrRules.get(code);
  if (!rule) {
    const vr = dcmjsData.ValueRepresentation.createByTypeString(code);
    rule = {
      type: vr.type,
      length32: vr.isLength32(),
      valueSize: vr.isBinary() && !vr.noMultiple && vr.maxLength ? vr.maxLength : 0,
      fragments: BINARY_BULK.has(vr.type),
    };
    vrRules.set(code, rule);
  }
  return rule;
}

function dictionaryVr(tag: number): string | undefined {
  const hex = tag.toString(16).toUpperCase().padStart(8, '0');
  return dcmjsData.DicomMetaDictionary.dictionary[`(${hex.slice(0, 4)},${hex.slice(4)})`]?.vr;
}

export function formatTag(tag: number): string {
  const hex = tag.toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

function isPrivateCreator(tag: number): boolean {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  return group % 2 === 1 && element >= 0x10 && element <= 0xff;
}

interface ElementHeader {
  tag: number;
  /** The VR code in the file (explicit), or '' (implicit). */
  fileVr: string;
  rule: VrRule;
  /** The VR dcmjs will parse the value as (for UN with a dictionary entry: the dictionary's). */
  parseAs: string;
  length: number;
  /** Offset of the element's tag. */
  offset: number;
  valueOffset: number;
}

class Scanner {
  private elements = 0;
  private numericValues = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: StructureLimits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private u16(offset: number, little: boolean): number {
    return this.view.getUint16(offset, little);
  }
  private u32(offset: number, little: boolean): number {
    return this.view.getUint32(offset, little);
  }
  private tagAt(offset: number, little: boolean): number {
    return ((this.u16(offset, little) << 16) | this.u16(offset + 2, little)) >>> 0;
  }

  private count(): void {
    if (++this.elements > this.limits.maxElements) {
      throw new DicomStructureError(`the header holds more than ${this.limits.maxElements.toLocaleString('en-US')} elements (corrupt, or not an image header)`);
    }
  }

  /**
   * The elements of a data set in [start, end), which they must fill exactly. Returns the
   * offset of the top-level Pixel Data when `stopAtPixelData` and it is there, else `end`.
   */
  dataset(start: number, end: number, enc: DatasetEncoding, depth: number, stopAtPixelData: boolean): number {
    let offset = start;
    while (offset < end) {
      if (end - offset < 8) {
        throw new DicomStructureError(`the file is truncated or corrupt: the data set ends inside an element header at byte ${offset}`);
      }
      const tag = this.tagAt(offset, enc.littleEndian);
      if (stopAtPixelData && tag === PIXEL_DATA) return offset;
      if (tag >>> 16 === 0xfffe) {
        throw new DicomStructureError(`unexpected ${tag === ITEM_DELIMITER ? 'item delimiter' : tag === SEQUENCE_DELIMITER ? 'sequence delimiter' : 'item'} ${formatTag(tag)} at byte ${offset} outside its sequence (corrupt data set)`);
      }
      const header = this.header(offset, end, enc, tag);
      this.count();
      offset = this.value(header, end, enc, depth);
    }
    return end;
  }

  private header(offset: number, end: number, enc: DatasetEncoding, tag: number): ElementHeader {
    const little = enc.littleEndian;
    if (enc.implicit) {
      const length = this.u32(offset + 4, little);
      // dcmjs: the dictionary's VR; else a sequence for an undefined length, OW for pixel data, LO for a private creator, UN.
      const known = dictionaryVr(tag);
      const code = known ?? (length === UNDEFINED_LENGTH ? 'SQ' : tag === PIXEL_DATA ? 'OW' : isPrivateCreator(tag) ? 'LO' : 'UN');
      const rule = vrRule(code);
      return { tag, fileVr: '', rule, parseAs: rule.type, length, offset, valueOffset: offset + 8 };
    }
    const c0 = this.bytes[offset + 4];
    const c1 = this.bytes[offset + 5];
    if (c0 < 0x41 || c0 > 0x5a || c1 < 0x41 || c1 > 0x5a) {
      throw new DicomStructureError(
        `element ${formatTag(tag)} at byte ${offset} has no valid value representation (bytes ${c0.toString(16).padStart(2, '0')} ${c1.toString(16).padStart(2, '0')}): corrupt, or not the transfer syntax the file declares`,
      );
    }
    const fileVr = String.fromCharCode(c0, c1);
    const rule = vrRule(fileVr);
    // dcmjs parses UN as the dictionary's VR when it knows the tag (PS3.5 6.2.2), still with a 32-bit length.
    const parseAs = fileVr === 'UN' ? (dictionaryVr(tag) ? vrRule(dictionaryVr(tag)!).type : 'UN') : rule.type;
    if (rule.length32) {
      if (end - offset < 12) throw new DicomStructureError(`the file is truncated or corrupt: the data set ends inside the header of element ${formatTag(tag)} at byte ${offset}`);
      return { tag, fileVr, rule, parseAs, length: this.u32(offset + 8, little), offset, valueOffset: offset + 12 };
    }
    return { tag, fileVr, rule, parseAs, length: this.u16(offset + 6, little), offset, valueOffset: offset + 8 };
  }

  /** Checks an element's value and returns the offset after it. */
  private value(h: ElementHeader, end: number, enc: DatasetEncoding, depth: number): number {
    const vrName = h.fileVr || h.rule.type;
    if (h.length === UNDEFINED_LENGTH) {
      if (h.rule.type === 'SQ') return this.sequence(h, h.valueOffset, end, enc, depth + 1);
      if (h.fileVr === 'UN' && h.parseAs !== 'UN') {
        // dcmjs would read it as encapsulated fragments and then parse the first one as a sequence.
        throw new DicomStructureError(`element ${formatTag(h.tag)} is a ${h.parseAs} encoded as UN with an undefined length, which cannot be read reliably (PS3.5 6.2.2); convert the file (e.g. dcmtk "dcmconv")`);
      }
      if (h.rule.fragments) return this.fragments(h, end, enc);
      throw new DicomStructureError(
        `element ${formatTag(h.tag)} (VR ${vrName}) has an undefined length, which PS3.5 §7.1.2 allows only for sequences, items and encapsulated pixel data (corrupt length)`,
      );
    }
    const remaining = end - h.valueOffset;
    if (h.length > remaining) {
      throw new DicomStructureError(
        `the file is truncated or corrupt: element ${formatTag(h.tag)} (VR ${vrName}) at byte ${h.offset} claims ${h.length} bytes, only ${Math.max(0, remaining)} remain`,
      );
    }
    const valueEnd = h.valueOffset + h.length;
    if (h.parseAs === 'SQ') {
      // A UN-encoded sequence is parsed by dcmjs in the data set's own encoding.
      if (h.length > 0) this.sequence(h, h.valueOffset, valueEnd, enc, depth + 1, h.length);
      return valueEnd;
    }
    const valueSize = h.fileVr === 'UN' ? vrRule(h.parseAs).valueSize : h.rule.valueSize;
    if (valueSize > 0 && h.length % valueSize !== 0) {
      // dcmjs reads whole values: a partial one would make it read past the element.
      throw new DicomStructureError(`element ${formatTag(h.tag)} (VR ${h.parseAs}) has a length of ${h.length} bytes, not a multiple of ${valueSize} (corrupt)`);
    }
    if (valueSize > 0 && h.length > valueSize) {
      this.numericValues += Math.ceil(h.length / valueSize);
      if (this.numericValues > this.limits.maxNumericValues) {
        throw new DicomStructureError(
          `the header holds more than ${this.limits.maxNumericValues.toLocaleString('en-US')} numeric values (element ${formatTag(h.tag)}, VR ${h.parseAs}: ${h.length} bytes); corrupt, or not an image header`,
        );
      }
    }
    return valueEnd;
  }

  /**
   * Items of a sequence starting at `start`: of defined `length` (the items fill it exactly)
   * or undefined (ended by a sequence delimiter before `end`). Returns the offset after it.
   */
  private sequence(h: ElementHeader, start: number, end: number, enc: DatasetEncoding, depth: number, length?: number): number {
    if (depth > this.limits.maxDepth) {
      throw new DicomStructureError(`sequences are nested deeper than ${this.limits.maxDepth} levels at element ${formatTag(h.tag)}, byte ${start} (corrupt data set)`);
    }
    const little = enc.littleEndian;
    const defined = length !== undefined;
    const seqEnd = defined ? start + length : end;
    let offset = start;
    for (;;) {
      if (defined && offset === seqEnd) return offset;
      if (seqEnd - offset < 8) {
        throw new DicomStructureError(
          defined
            ? `sequence ${formatTag(h.tag)}: its items do not fill its length of ${length} bytes (corrupt length or item at byte ${offset})`
            : `sequence ${formatTag(h.tag)} never ends: no sequence delimiter before the end of the data (truncated or corrupt)`,
        );
      }
      const tag = this.tagAt(offset, little);
      const itemLength = this.u32(offset + 4, little);
      if (tag === SEQUENCE_DELIMITER) {
        if (defined) throw new DicomStructureError(`sequence ${formatTag(h.tag)} has a defined length but a sequence delimiter at byte ${offset} (corrupt)`);
        return offset + 8;
      }
      if (tag !== ITEM) {
        throw new DicomStructureError(`sequence ${formatTag(h.tag)}: expected an item (FFFE,E000) at byte ${offset}, found ${formatTag(tag)} (corrupt data set)`);
      }
      this.count();
      const contentStart = offset + 8;
      if (itemLength === UNDEFINED_LENGTH) {
        // dcmjs finds the end of the item by scanning for its delimiter; the elements must end exactly there.
        const contentEnd = this.itemEndAsDcmjsFindsIt(h, contentStart, seqEnd, little);
        this.dataset(contentStart, contentEnd, enc, depth, false);
        offset = contentEnd + 8;
      } else {
        if (itemLength > seqEnd - contentStart) {
          throw new DicomStructureError(
            `the file is truncated or corrupt: an item of sequence ${formatTag(h.tag)} at byte ${offset} claims ${itemLength} bytes, only ${Math.max(0, seqEnd - contentStart)} remain`,
          );
        }
        this.dataset(contentStart, contentStart + itemLength, enc, depth, false);
        offset = contentStart + itemLength;
      }
    }
  }

  /**
   * The end of an undefined-length item's content, found the way dcmjs finds it (a scan for an
   * item delimiter that counts the undefined-length items nested in it), checked to be the
   * delimiter the element structure reaches too.
   */
  private itemEndAsDcmjsFindsIt(h: ElementHeader, start: number, end: number, little: boolean): number {
    let offset = start;
    let stack = 0;
    let counted = 0;
    for (;;) {
      if (end - offset < 2) break;
      const word = this.u16(offset, little);
      offset += 2;
      if (word !== 0xfffe) {
        counted += 2;
        continue;
      }
      if (end - offset < 6) break;
      const element = this.u16(offset, little);
      const length = this.u32(offset + 2, little);
      offset += 2;
      if (element === 0xe00d) {
        if (length !== 0) {
          throw new DicomStructureError(`sequence ${formatTag(h.tag)}: item delimiter with a non-zero length at byte ${offset - 4} (corrupt data set)`);
        }
        if (--stack < 0) {
          const contentEnd = offset - 4;
          if (contentEnd - start !== counted) break;
          return contentEnd;
        }
        counted += 4;
      } else if (element === 0xe000) {
        counted += 4;
        if (length === UNDEFINED_LENGTH) stack++;
      } else {
        counted += 2;
        offset -= 2;
      }
    }
    throw new DicomStructureError(`sequence ${formatTag(h.tag)}: an item that starts at byte ${start - 8} never ends (no item delimiter; truncated or corrupt)`);
  }

  /**
   * Encapsulated data of undefined length inside the header (an icon's pixel data, a private
   * OB): a Basic Offset Table item, then items of defined length, then a sequence delimiter,
   * read by dcmjs in one flat pass (PS3.5 A.4). More than one frame is refused: dcmjs copies
   * the whole data set once per frame of such an element.
   */
  private fragments(h: ElementHeader, end: number, enc: DatasetEncoding): number {
    const little = enc.littleEndian;
    let offset = h.valueOffset;
    const what = `encapsulated value of element ${formatTag(h.tag)}`;
    if (end - offset < 8 || this.tagAt(offset, little) !== ITEM) {
      throw new DicomStructureError(`the ${what} does not start with an item (corrupt or truncated)`);
    }
    const tableLength = this.u32(offset + 4, little);
    if (tableLength === UNDEFINED_LENGTH || tableLength % 4 !== 0 || tableLength > end - offset - 8) {
      throw new DicomStructureError(`the ${what} has a corrupt offset table (length ${tableLength} at byte ${offset + 4})`);
    }
    if (tableLength > 4 || (tableLength === 4 && this.u32(offset + 8, little) !== 0)) {
      throw new DicomStructureError(`the ${what} lists ${tableLength / 4} frames in its offset table; encapsulated data inside the header may hold one`);
    }
    offset += 8 + tableLength;
    for (;;) {
      if (end - offset < 8) throw new DicomStructureError(`the ${what} never ends: no sequence delimiter before the end of the data (truncated or corrupt)`);
      const tag = this.tagAt(offset, little);
      const length = this.u32(offset + 4, little);
      if (tag === SEQUENCE_DELIMITER) {
        if (length !== 0) throw new DicomStructureError(`the ${what} ends with a sequence delimiter of non-zero length at byte ${offset} (corrupt)`);
        return offset + 8;
      }
      if (tag !== ITEM || length === UNDEFINED_LENGTH) {
        throw new DicomStructureError(`the ${what} has a malformed fragment at byte ${offset} (corrupt data set)`);
      }
      if (length > end - offset - 8) {
        throw new DicomStructureError(`the file is truncated or corrupt: a fragment of the ${what} at byte ${offset} claims ${length} bytes, only ${Math.max(0, end - offset - 8)} remain`);
      }
      this.count();
      offset += 8 + length;
    }
  }
}

/**
 * Checks the file meta information (PS3.10 7.1): the group length (0002,0000) as the first
 * element, and the group's elements inside the length it gives. Returns the offset where the
 * data set starts.
 */
export function checkMetaInformation(bytes: Uint8Array, limits: StructureLimits = STRUCTURE_LIMITS): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 144) throw new DicomStructureError('the file is truncated inside its file meta information');
  const tag = ((view.getUint16(132, true) << 16) | view.getUint16(134, true)) >>> 0;
  const vr = String.fromCharCode(bytes[136], bytes[137]);
  if (tag !== 0x00020000 || vr !== 'UL' || view.getUint16(138, true) !== 4) {
    throw new DicomStructureError('the file meta information group length (0002,0000) is missing or malformed');
  }
  const metaLength = view.getUint32(140, true);
  if (metaLength > bytes.byteLength - 144) {
    throw new DicomStructureError(`the file is truncated or corrupt: the file meta information claims ${metaLength} bytes, only ${bytes.byteLength - 144} remain`);
  }
  new Scanner(bytes, limits).dataset(144, 144 + metaLength, { littleEndian: true, implicit: false }, 0, false);
  return 144 + metaLength;
}

/**
 * Checks the structure of the data set in bytes[start, end) (end: the end of `bytes`), up to the
 * top-level Pixel Data. Returns the offset of that Pixel Data, or null when there is none.
 */
export function checkDataSet(bytes: Uint8Array, start: number, enc: DatasetEncoding, limits: StructureLimits = STRUCTURE_LIMITS): number | null {
  const end = bytes.byteLength;
  const stop = new Scanner(bytes, limits).dataset(start, end, enc, 0, true);
  return stop < end ? stop : null;
}

/**
 * Inflates a deflated data set (PS3.5 A.5: raw DEFLATE; a zlib header is accepted too) to at
 * most `maxBytes`, refusing a deflate bomb by name rather than filling memory.
 */
export function inflateBounded(deflated: Uint8Array, maxBytes: number = MAX_INFLATED_BYTES): Uint8Array {
  const tooLarge = (e: unknown) => (e as { code?: string } | null)?.code === 'ERR_BUFFER_TOO_LARGE' || /larger than|too large/i.test(String((e as Error)?.message));
  const bomb = () =>
    new DicomStructureError(`the deflated data set inflates to more than ${Math.round(maxBytes / 2 ** 20)} MB: a deflate bomb or a corrupt stream; not read`);
  try {
    return inflateRawSync(deflated, { maxOutputLength: maxBytes });
  } catch (rawError) {
    if (tooLarge(rawError)) throw bomb();
    try {
      return inflateSync(deflated, { maxOutputLength: maxBytes });
    } catch (zlibError) {
      if (tooLarge(zlibError)) throw bomb();
      const truncated = /unexpected end/i.test(String((rawError as Error).message));
      throw new DicomStructureError(truncated ? 'the deflated data set is truncated' : 'the deflated data set cannot be inflated (corrupt data)');
    }
  }
}
