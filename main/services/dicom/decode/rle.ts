// DICOM PS3.5 Annex G: RLE Lossless. A frame is one fragment: a 64-byte
// header (segment count, then 15 segment offsets, little endian), then one
// PackBits-coded segment per byte plane, most significant byte first.

import { PixelDataProblem } from './decodeError';

const HEADER_BYTES = 64;
const MAX_SEGMENT_SLACK_BYTES = 8;

/**
 * Decodes one RLE frame of single-sample pixels into stored values in a
 * container of bytesPerSample (1 → Uint8Array, 2 → Uint16Array).
 */
export function decodeRleFrame(
  frame: Uint8Array,
  pixelCount: number,
  bytesPerSample: 1 | 2,
): Uint8Array | Uint16Array {
  if (frame.length < HEADER_BYTES) {
    throw new PixelDataProblem('corrupt', `RLE frame of ${frame.length} bytes is shorter than its 64-byte header`);
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segmentCount = view.getUint32(0, true);
  if (segmentCount !== bytesPerSample) {
    throw new PixelDataProblem(
      'corrupt',
      `RLE frame has ${segmentCount} segments; ${bytesPerSample} expected for one ${bytesPerSample * 8}-bit sample per pixel`,
    );
  }
  const offsets: number[] = [];
  for (let i = 0; i < segmentCount; i++) offsets.push(view.getUint32(4 + 4 * i, true));
  offsets.push(frame.length);

  const planes: Uint8Array[] = [];
  for (let i = 0; i < segmentCount; i++) {
    const start = offsets[i];
    const end = offsets[i + 1];
    if (start < HEADER_BYTES || end < start || end > frame.length) {
      throw new PixelDataProblem('corrupt', `RLE segment ${i + 1} has an invalid offset ${start}`);
    }
    planes.push(unpackBits(frame.subarray(start, end), pixelCount, i + 1));
  }
  if (bytesPerSample === 1) return planes[0];

  const samples = new Uint16Array(pixelCount);
  const high = planes[0];
  const low = planes[1];
  for (let i = 0; i < pixelCount; i++) samples[i] = (high[i] << 8) | low[i];
  return samples;
}

/** PackBits (PS3.5 G.3.1): n ≥ 0 copies n+1 literal bytes, −127…−1 repeats the next byte 1−n times, −128 is a no-op. */
function unpackBits(segment: Uint8Array, outputLength: number, segmentNumber: number): Uint8Array {
  const output = new Uint8Array(outputLength);
  let input = 0;
  let written = 0;
  const inputLength = segment.length;
  while (written < outputLength && input < inputLength) {
    const header = segment[input++];
    if (header < 128) {
      const count = header + 1;
      if (input + count > inputLength) break;
      // A literal run past the plane end is clipped; padding after the plane is allowed.
      const n = Math.min(count, outputLength - written);
      output.set(segment.subarray(input, input + n), written);
      written += n;
      input += count;
    } else if (header > 128) {
      const count = 257 - header;
      if (input >= inputLength) break;
      const n = Math.min(count, outputLength - written);
      output.fill(segment[input++], written, written + n);
      written += n;
    }
  }
  if (written < outputLength) {
    throw new PixelDataProblem(
      'corrupt',
      `RLE segment ${segmentNumber} decodes to ${written} bytes, ${outputLength} expected (corrupt or truncated)`,
    );
  }
  // PackBits has no checksum; a corrupt run header shifts everything after it,
  // so a plane that fills up well before its segment ends is corrupt. A pad
  // byte to even length and a few trailing no-ops are tolerated.
  const leftoverBytes = inputLength - input;
  if (leftoverBytes > MAX_SEGMENT_SLACK_BYTES) {
    throw new PixelDataProblem(
      'corrupt',
      `RLE segment ${segmentNumber} fills its ${outputLength}-byte plane with ${leftoverBytes} bytes left over (corrupt data)`,
    );
  }
  return output;
}
