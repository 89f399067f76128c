// Encapsulated Pixel Data (DICOM PS3.5 A.4): a Basic Offset Table item, then
// fragments, then a sequence delimiter. A frame may span several fragments.

import { PixelDataProblem } from './decodeError';
import { Tag } from './dicomParse';

export interface Fragment {
  /** Offset of the fragment's item tag, relative to the first fragment's item tag (the origin of the offset tables). */
  itemOffset: number;
  /** Fragment value (without its item header) — a view, not a copy. */
  data: Uint8Array;
}

export interface EncapsulatedPixelData {
  /** Basic Offset Table entries; empty when the table is empty. */
  basicOffsetTable: number[];
  fragments: Fragment[];
}

const UNDEFINED_LENGTH = 0xffffffff;

/** Reads the items of encapsulated Pixel Data starting at its first item. Items are always little endian. */
export function readEncapsulated(bytes: Uint8Array, firstItemOffset: number): EncapsulatedPixelData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = firstItemOffset;
  const readItemHeader = (): { tag: number; length: number } | undefined => {
    if (offset + 8 > bytes.length) return undefined;
    const tag = ((view.getUint16(offset, true) << 16) | view.getUint16(offset + 2, true)) >>> 0;
    const length = view.getUint32(offset + 4, true);
    return { tag, length };
  };

  const tableItem = readItemHeader();
  if (!tableItem) {
    throw new PixelDataProblem('truncated', 'the file is truncated inside the encapsulated Pixel Data');
  }
  if (tableItem.tag !== Tag.item || tableItem.length === UNDEFINED_LENGTH || tableItem.length % 4 !== 0) {
    throw new PixelDataProblem('corrupt', 'encapsulated Pixel Data does not start with a valid Basic Offset Table item');
  }
  offset += 8;
  if (offset + tableItem.length > bytes.length) {
    throw new PixelDataProblem('truncated', 'the file is truncated inside the Basic Offset Table');
  }
  const basicOffsetTable: number[] = [];
  for (let i = 0; i < tableItem.length; i += 4) basicOffsetTable.push(view.getUint32(offset + i, true));
  offset += tableItem.length;

  const origin = offset;
  const fragments: Fragment[] = [];
  for (;;) {
    const header = readItemHeader();
    if (!header) {
      // A file that ends after whole fragments but without the delimiter is still
      // truncated: frames or their ends may be missing.
      throw new PixelDataProblem('truncated', 'the file is truncated inside the encapsulated Pixel Data (no sequence delimiter)');
    }
    if (header.tag === Tag.sequenceDelimitation) break;
    if (header.tag !== Tag.item || header.length === UNDEFINED_LENGTH) {
      throw new PixelDataProblem('corrupt', `malformed fragment item in encapsulated Pixel Data at byte ${offset}`);
    }
    const valueStart = offset + 8;
    if (valueStart + header.length > bytes.length) {
      throw new PixelDataProblem(
        'truncated',
        `the file is truncated: fragment ${fragments.length + 1} needs ${header.length} bytes, ${bytes.length - valueStart} remain`,
      );
    }
    fragments.push({ itemOffset: offset - origin, data: bytes.subarray(valueStart, valueStart + header.length) });
    offset = valueStart + header.length;
  }
  if (fragments.length === 0) {
    throw new PixelDataProblem('missing-attribute', 'encapsulated Pixel Data has no fragments');
  }
  return { basicOffsetTable, fragments };
}

/** Returns true where a fragment begins a new codestream (start of image), which marks a frame boundary. */
function startsCodestream(data: Uint8Array): boolean {
  if (data.length < 4) return false;
  // JPEG, JPEG-LS, JPEG lossless: SOI FFD8. JPEG 2000: SOC FF4F then SIZ FF51.
  if (data[0] === 0xff && (data[1] === 0xd8 || (data[1] === 0x4f && data[2] === 0xff && data[3] === 0x51))) return true;
  // JP2 file signature box.
  return data.length >= 12 && data[4] === 0x6a && data[5] === 0x50 && data[6] === 0x20 && data[7] === 0x20;
}

/**
 * Groups fragments into frames: by the Extended Offset Table, else the Basic
 * Offset Table, else one fragment per frame, else by start-of-codestream
 * markers. A table whose offsets do not land on fragment boundaries is ignored
 * rather than trusted, since some writers emit broken tables.
 */
export function splitFrames(
  pixelData: EncapsulatedPixelData,
  frameCount: number,
  extendedOffsetTable: number[] | undefined,
  markersDelimitFrames: boolean,
): Uint8Array[] {
  const { fragments } = pixelData;
  if (frameCount === 1) return [concatenate(fragments)];

  for (const table of [extendedOffsetTable, pixelData.basicOffsetTable]) {
    if (!table || table.length !== frameCount) continue;
    const frames = groupByOffsets(fragments, table);
    if (frames) return frames;
  }
  if (fragments.length === frameCount) return fragments.map((fragment) => fragment.data);
  if (fragments.length < frameCount) {
    throw new PixelDataProblem(
      'truncated',
      `Number of Frames is ${frameCount} but the encapsulated Pixel Data holds only ${fragments.length} fragments`,
    );
  }
  if (markersDelimitFrames) {
    const groups: Fragment[][] = [];
    for (const fragment of fragments) {
      if (groups.length === 0 || startsCodestream(fragment.data)) groups.push([fragment]);
      else groups[groups.length - 1].push(fragment);
    }
    if (groups.length === frameCount) return groups.map(concatenate);
  }
  throw new PixelDataProblem(
    'corrupt',
    `cannot tell which of ${fragments.length} fragments belong to which of ${frameCount} frames (no usable offset table)`,
  );
}

function groupByOffsets(fragments: Fragment[], offsets: number[]): Uint8Array[] | undefined {
  const indexByOffset = new Map<number, number>();
  fragments.forEach((fragment, index) => indexByOffset.set(fragment.itemOffset, index));
  const starts: number[] = [];
  for (const offset of offsets) {
    const index = indexByOffset.get(offset);
    if (index === undefined) return undefined;
    if (starts.length > 0 && index <= starts[starts.length - 1]) return undefined;
    starts.push(index);
  }
  if (starts[0] !== 0) return undefined;
  return starts.map((start, i) => concatenate(fragments.slice(start, i + 1 < starts.length ? starts[i + 1] : fragments.length)));
}

function concatenate(fragments: Fragment[]): Uint8Array {
  if (fragments.length === 1) return fragments[0].data;
  let length = 0;
  for (const fragment of fragments) length += fragment.data.length;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const fragment of fragments) {
    joined.set(fragment.data, offset);
    offset += fragment.data.length;
  }
  return joined;
}
