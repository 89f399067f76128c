import { describe, expect, it } from 'vitest';
import { splitFrames, type EncapsulatedPixelData, type Fragment } from './encapsulated';

const SOI = [0xff, 0xd8, 0xff, 0xc3];

/** Fragments with item offsets as a writer would lay them out (8-byte item headers). */
function fragmentsOf(contents: number[][]): Fragment[] {
  let itemOffset = 0;
  return contents.map((content) => {
    const fragment = { itemOffset, data: new Uint8Array(content) };
    itemOffset += 8 + content.length;
    return fragment;
  });
}

const asArrays = (frames: Uint8Array[]): number[][] => frames.map((f) => Array.from(f));

describe('splitFrames (DICOM PS3.5 A.4)', () => {
  const fragments = fragmentsOf([[...SOI, 1, 1], [2, 2], [...SOI, 3, 3], [4, 4, 4, 4]]);
  const twoFrames = [
    [...SOI, 1, 1, 2, 2],
    [...SOI, 3, 3, 4, 4, 4, 4],
  ];

  it('joins every fragment of a single frame', () => {
    const pixelData: EncapsulatedPixelData = { basicOffsetTable: [], fragments };
    expect(asArrays(splitFrames(pixelData, 1, undefined, true))).toEqual([twoFrames.flat()]);
  });

  it('groups by the Basic Offset Table', () => {
    const pixelData: EncapsulatedPixelData = { basicOffsetTable: [0, 24], fragments };
    expect(asArrays(splitFrames(pixelData, 2, undefined, false))).toEqual(twoFrames);
  });

  it('prefers the Extended Offset Table, and ignores a table that does not land on fragments', () => {
    const noMarkers = fragmentsOf([[1], [2], [3], [4]]);
    const pixelData: EncapsulatedPixelData = { basicOffsetTable: [0, 5], fragments: noMarkers };
    expect(asArrays(splitFrames(pixelData, 2, [0, 18], false))).toEqual([[1, 2], [3, 4]]);
    expect(() => splitFrames(pixelData, 2, undefined, false)).toThrow(/cannot tell which of 4 fragments/);
    const broken: EncapsulatedPixelData = { basicOffsetTable: [0, 5], fragments };
    expect(asArrays(splitFrames(broken, 2, undefined, true))).toEqual(twoFrames);
  });

  it('without a table: one fragment per frame, else start-of-image markers', () => {
    expect(asArrays(splitFrames({ basicOffsetTable: [], fragments }, 4, undefined, true))).toHaveLength(4);
    expect(asArrays(splitFrames({ basicOffsetTable: [], fragments }, 2, undefined, true))).toEqual(twoFrames);
    expect(() => splitFrames({ basicOffsetTable: [], fragments }, 3, undefined, true)).toThrow(/cannot tell/);
    expect(() => splitFrames({ basicOffsetTable: [], fragments }, 5, undefined, true)).toThrow(
      /Number of Frames is 5 but the encapsulated Pixel Data holds only 4 fragments/,
    );
  });
});
