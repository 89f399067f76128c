// JPEG with 12-bit samples (ITU T.81 extended sequential, DICOM JPEG Extended
// 1.2.840.10008.1.2.4.51) through the pdf.js-derived decoder that
// @cornerstonejs/dicom-image-loader ships for the same purpose
// (dist/esm/codecs/jpeg.js, used by its decodeJPEGBaseline12Bit). The
// package's "exports" map does not expose that file, so it is imported by file
// URL from the package directory; it is plain JavaScript that touches no DOM
// or other global when loaded or used as here (only its unused load() does),
// so it needs nothing provided, in the main thread or a worker thread. It is
// loaded once per thread, on the first 12-bit frame or preloadCodecs().
//
// One correction is needed. The decoder's last step (quantizeAndInverse)
// level-shifts, rounds and clamps each IDCT output q with constants scaled by
// (2^P − 1)/255, P being the frame's sample precision. That is right for P = 8
// only: for P = 12 it computes (q + 33016.9) >> 4 where ITU T.81 wants
// (q + 2048·16 + 8) >> 4, so every sample comes out 15 too high, and it clamps
// from q ≥ 32503.5, so every value from 4080 up comes out as 4095. For P = 16
// the scale is exactly 257 and the step becomes (q + 528392) >> 4 =
// ⌊(q + 32776) / 16⌋ + 30976 with neither clamp reachable: the correct 12-bit
// value plus 30976, which its Int16 block buffer and Uint16 output carry
// modulo 2^16 unharmed. The decoder reads P nowhere else. So each frame is
// decoded from a copy whose start-of-frame header says 16 bits; the offset is
// taken off here and the result clamped to 0–4095, as libjpeg's range limit
// does. checkJpeg12Decoder() proves this on a built codestream when the decoder loads,
// so a release that changes the decoder refuses 12-bit frames instead of
// shifting their values.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PixelDataProblem } from './decodeError';

const require = createRequire(import.meta.url);

/** The part of the decoder's JpegImage class used here (it ships a loose jpeg.d.ts of its own). */
export interface JpegImage {
  parse(data: Uint8Array): void;
  width: number;
  height: number;
  components: unknown[];
  colorTransform: boolean;
  getData16(width: number, height: number): Uint16Array;
}
export type JpegImageClass = new () => JpegImage;

const LABEL = 'JPEG 12-bit (pdf.js decoder of @cornerstonejs/dicom-image-loader)';
const DECODER_FILE = 'dist/esm/codecs/jpeg.js';
/** Sample precision written into the copy the decoder sees; see the comment at the top. */
const DECLARED_PRECISION = 16;
/** What that makes the decoder add to every 12-bit sample: (2056·257 − (2048·16 + 8)) / 16. */
const SAMPLE_OFFSET = 30976;
const MAX_SAMPLE = 4095;

let decoderPromise: Promise<JpegImageClass> | undefined;

export function loadJpeg12(): Promise<JpegImageClass> {
  decoderPromise ??= importDecoder().catch((error: unknown) => {
    decoderPromise = undefined;
    throw error;
  });
  return decoderPromise;
}

async function importDecoder(): Promise<JpegImageClass> {
  let JpegImage: unknown;
  try {
    const packageDir = dirname(require.resolve('@cornerstonejs/dicom-image-loader/package.json'));
    const url = pathToFileURL(join(packageDir, DECODER_FILE)).href;
    JpegImage = ((await import(/* @vite-ignore */ url)) as { default?: unknown }).default;
  } catch (error) {
    throw new PixelDataProblem(
      'unsupported-transfer-syntax',
      `${LABEL} could not be loaded (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  if (typeof JpegImage !== 'function' || typeof (JpegImage.prototype as Partial<JpegImage>).getData16 !== 'function') {
    throw new PixelDataProblem('unsupported-transfer-syntax', `${LABEL}: ${DECODER_FILE} no longer exports the JpegImage class`);
  }
  checkJpeg12Decoder(JpegImage as JpegImageClass);
  return JpegImage as JpegImageClass;
}

/**
 * Decodes one 12-bit frame. sofOffset is where its start-of-frame marker is
 * (the precision byte is 4 bytes on). Returns 12-bit samples at bit 0.
 */
export async function decodeJpeg12(encoded: Uint8Array, sofOffset: number, pixelCount: number): Promise<Uint16Array> {
  const JpegImage = await loadJpeg12();
  return decodeWith(JpegImage, encoded, sofOffset, pixelCount);
}

function decodeWith(JpegImage: JpegImageClass, encoded: Uint8Array, sofOffset: number, pixelCount: number): Uint16Array {
  const patched = encoded.slice();
  patched[sofOffset + 4] = DECLARED_PRECISION;
  let image: JpegImage;
  let samples: Uint16Array;
  try {
    image = new JpegImage();
    image.parse(patched);
    image.colorTransform = false;
    if (image.components.length !== 1) {
      throw new PixelDataProblem(
        'unsupported-image',
        `${LABEL} decoded ${image.components.length} components; only monochrome (1 component) is supported`,
      );
    }
    if (image.width * image.height !== pixelCount) {
      throw new PixelDataProblem(
        'corrupt',
        `${LABEL} decoded ${image.width}×${image.height} pixels, which does not match Rows × Columns`,
      );
    }
    // Its own size, so that getData16 copies rather than resamples.
    samples = image.getData16(image.width, image.height);
  } catch (error) {
    if (error instanceof PixelDataProblem) throw error;
    // It throws strings ('marker was not found', 'invalid huffman sequence', …) as well as errors.
    const detail = error instanceof Error ? error.message : String(error);
    throw new PixelDataProblem('corrupt', `${LABEL} could not decode the frame (corrupt data): ${detail}`, {
      cause: error,
    });
  }
  if (samples.length !== pixelCount) {
    throw new PixelDataProblem('corrupt', `${LABEL} returned ${samples.length} samples for ${pixelCount} pixels`);
  }
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i] - SAMPLE_OFFSET;
    samples[i] = value < 0 ? 0 : value > MAX_SAMPLE ? MAX_SAMPLE : value;
  }
  return samples;
}

/** Values of the two 8×8 blocks of the self-check image. */
const CHECK_VALUES = [2148, 4090];

/**
 * Decodes a 16×8 codestream of two flat blocks, 2148 and 4090, through the
 * same path as real frames and requires them back exactly: the first shows the
 * offset, the second that nothing from 4080 up is clamped.
 */
export function checkJpeg12Decoder(JpegImage: JpegImageClass): void {
  const { codestream, sofOffset } = checkCodestream();
  let samples: Uint16Array | undefined;
  let failure = '';
  try {
    samples = decodeWith(JpegImage, codestream, sofOffset, 16 * 8);
  } catch (error) {
    failure = `: ${error instanceof Error ? error.message : String(error)}`;
  }
  const expected = (i: number): number => CHECK_VALUES[(i & 15) >> 3];
  const wrong = samples ? samples.findIndex((value, i) => value !== expected(i)) : -1;
  if (!samples || wrong >= 0) {
    const found = samples ? `: sample ${wrong} is ${samples[wrong]}, expected ${expected(wrong)}` : failure;
    throw new PixelDataProblem(
      'unsupported-transfer-syntax',
      `${LABEL} failed its self-check (the installed version no longer decodes as this code expects)${found}`,
    );
  }
}

/**
 * ITU T.81 extended sequential (SOF1), 12-bit, 16×8, one component,
 * quantisation all 1, DC-only blocks: DC = 8 × (value − 2048), i.e. 800 and
 * 16336, coded as differences 800 (category 10) and 15536 (category 14).
 */
function checkCodestream(): { codestream: Uint8Array; sofOffset: number } {
  const bits: number[] = [];
  const put = (value: number, length: number): void => {
    for (let bit = length - 1; bit >= 0; bit--) bits.push((value >> bit) & 1);
  };
  // DC table: codes 00 → category 10, 01 → category 14. AC table: code 0 → end of block.
  put(0b00, 2);
  put(800, 10);
  put(0b0, 1);
  put(0b01, 2);
  put(15536, 14);
  put(0b0, 1);
  while (bits.length % 8 !== 0) bits.push(1);
  const entropy: number[] = [];
  for (let i = 0; i < bits.length; i += 8) entropy.push(bits.slice(i, i + 8).reduce((byte, bit) => (byte << 1) | bit, 0));

  const counts = (lengthIndex: number, n: number): number[] => Array.from({ length: 16 }, (_, i) => (i === lengthIndex ? n : 0));
  const head = [0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00, ...new Array<number>(64).fill(1)];
  const sofOffset = head.length;
  const bytes = [
    ...head,
    ...[0xff, 0xc1, 0x00, 0x0b, 12, 0x00, 0x08, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00],
    ...[0xff, 0xc4, 0x00, 0x15, 0x00, ...counts(1, 2), 10, 14],
    ...[0xff, 0xc4, 0x00, 0x14, 0x10, ...counts(0, 1), 0x00],
    ...[0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00],
    ...entropy,
    0xff,
    0xd9,
  ];
  return { codestream: Uint8Array.from(bytes), sofOffset };
}
