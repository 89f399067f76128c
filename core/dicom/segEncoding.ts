/**
 * DICOM Segmentation encoding rules that a radiologist's data depends on, pure.
 * PS3.5 §8.1.1 and PS3.3 C.8.20.2: BINARY segmentation frames are one bit per pixel, least
 * significant bit first, and the frames follow one another bit for bit — a frame whose
 * rows × columns is not a multiple of 8 does NOT start on a byte boundary (writers that pad
 * each frame to a whole byte shift every later frame).
 */

/** Pack 0/1 frames (each rows × columns values) into BINARY Pixel Data: one bit per pixel, frames back to back. */
export function packBinaryFrames(frames: readonly ArrayLike<number>[]): Uint8Array {
  const total = frames.reduce((n, f) => n + f.length, 0);
  const out = new Uint8Array(Math.ceil(total / 8));
  let bit = 0;
  for (const f of frames)
    for (let p = 0; p < f.length; p++, bit++) if (f[p]) out[bit >>> 3] |= 1 << (bit & 7);
  return out;
}

/** The frame of one segment on one slice of the source grid. */
export interface SegFrameRef {
  segmentNumber: number;
  /** Slice index on the source grid (0 = first slice of the volume). */
  slice: number;
}

/**
 * The frames a SEG carries for masks on a source grid of `dims` [columns, rows, slices]: every
 * slice on which a segment has a voxel, segment by segment in slice order (empty slices are left
 * out, as highdicom and dcmqi do). Each mask is the source grid's size, x fastest.
 */
export function segFrames(segments: readonly { segmentNumber: number; mask: Uint8Array }[], dims: readonly [number, number, number]): { frames: SegFrameRef[]; pixels: Uint8Array[] } {
  const [nx, ny, nz] = dims;
  const sliceSize = nx * ny;
  const frames: SegFrameRef[] = [];
  const pixels: Uint8Array[] = [];
  for (const s of segments) {
    if (s.mask.length !== sliceSize * nz) throw new Error(`segment ${s.segmentNumber}: the mask has ${s.mask.length} voxels, the grid ${sliceSize * nz}`);
    for (let k = 0; k < nz; k++) {
      const slice = s.mask.subarray(k * sliceSize, (k + 1) * sliceSize);
      if (!slice.some((v) => v !== 0)) continue;
      frames.push({ segmentNumber: s.segmentNumber, slice: k });
      pixels.push(slice);
    }
  }
  return { frames, pixels };
}

/** Unpack BINARY Pixel Data back into 0/1 frames (the inverse of packBinaryFrames). */
export function unpackBinaryFrames(bytes: Uint8Array, frameCount: number, pixelsPerFrame: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let bit = 0;
  for (let f = 0; f < frameCount; f++) {
    const frame = new Uint8Array(pixelsPerFrame);
    for (let p = 0; p < pixelsPerFrame; p++, bit++) frame[p] = (bytes[bit >>> 3] >> (bit & 7)) & 1;
    out.push(frame);
  }
  return out;
}
