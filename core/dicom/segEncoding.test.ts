import { describe, expect, it } from 'vitest';
import { packBinaryFrames, segFrames, unpackBinaryFrames } from './segEncoding';

describe('BINARY SEG pixel data (PS3.5 §8.1.1)', () => {
  it('packs least significant bit first, frames back to back even when rows × columns is not a multiple of 8', () => {
    // Two 3 × 3 frames (9 pixels each): the second starts at bit 9, inside the second byte.
    const a = [1, 0, 0, 0, 0, 0, 0, 0, 1];
    const b = [0, 1, 0, 0, 0, 0, 0, 0, 0];
    const packed = packBinaryFrames([a, b]);
    expect(packed).toHaveLength(3);
    expect([...packed]).toEqual([0b00000001, 0b00000101, 0b00000000]);
    expect(unpackBinaryFrames(packed, 2, 9).map((f) => [...f])).toEqual([a, b]);
  });

  it('round-trips many frames of an odd size', () => {
    const frames = Array.from({ length: 7 }, (_, f) => Uint8Array.from({ length: 5 * 3 }, (_, p) => ((p * 7 + f * 3) % 5 === 0 ? 1 : 0)));
    expect(unpackBinaryFrames(packBinaryFrames(frames), 7, 15)).toEqual(frames);
  });

  it('keeps only the slices where each segment has a voxel, segment by segment', () => {
    const dims: [number, number, number] = [2, 2, 3];
    const m1 = Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    const m2 = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const { frames, pixels } = segFrames([{ segmentNumber: 1, mask: m1 }, { segmentNumber: 2, mask: m2 }], dims);
    expect(frames).toEqual([{ segmentNumber: 1, slice: 1 }, { segmentNumber: 1, slice: 2 }, { segmentNumber: 2, slice: 0 }]);
    expect(pixels.map((p) => [...p])).toEqual([[1, 0, 0, 0], [0, 0, 0, 1], [1, 1, 1, 1]]);
    expect(() => segFrames([{ segmentNumber: 3, mask: new Uint8Array(5) }], dims)).toThrow(/segment 3: the mask has 5 voxels, the grid 12/);
  });
});
