// Compressed-frame decoders. The WebAssembly codecs (OpenJPEG, CharLS,
// libjpeg-turbo) are loaded lazily, once per process or worker thread, and
// shared through a cached promise. They are emscripten CommonJS builds that
// find their .wasm beside themselves, hence createRequire. 12-bit lossy JPEG
// goes through a JavaScript decoder, see jpeg12.ts.

import { createRequire } from 'node:module';
import { PixelDataProblem } from './decodeError';
import { decodeJpeg12, loadJpeg12 } from './jpeg12';

const require = createRequire(import.meta.url);

/** Stored sample values of one frame, in a container as wide as the codec produced. */
export type RawSamples = Uint8Array | Uint16Array;

export interface DecodedFrame {
  samples: RawSamples;
  /** Sample precision the codestream declares (bits). */
  bitsPerSample: number;
}

interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  delete(): void;
}

type WasmModule = Record<string, unknown>;
type WasmFactory = (overrides?: Record<string, unknown>) => Promise<WasmModule>;

interface WasmCodec {
  label: string;
  packagePath: string;
  decoderClass: string;
  modulePromise: Promise<WasmModule> | undefined;
  /** Last lines the codec printed, to explain a failure. */
  messages: string[];
}

const codecs = {
  openjpeg: {
    label: 'JPEG 2000 (OpenJPEG)',
    packagePath: '@cornerstonejs/codec-openjpeg/decodewasmjs',
    decoderClass: 'J2KDecoder',
    modulePromise: undefined,
    messages: [],
  },
  charls: {
    label: 'JPEG-LS (CharLS)',
    packagePath: '@cornerstonejs/codec-charls/decodewasmjs',
    decoderClass: 'JpegLSDecoder',
    modulePromise: undefined,
    messages: [],
  },
  libjpegTurbo: {
    label: 'JPEG (libjpeg-turbo)',
    packagePath: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
    decoderClass: 'JPEGDecoder',
    modulePromise: undefined,
    messages: [],
  },
} satisfies Record<string, WasmCodec>;

type WasmCodecName = keyof typeof codecs;

function loadCodec(codec: WasmCodec): Promise<WasmModule> {
  if (!codec.modulePromise) {
    const factory = require(codec.packagePath) as WasmFactory;
    const remember = (text: unknown): void => {
      codec.messages.push(String(text));
      if (codec.messages.length > 16) codec.messages.shift();
    };
    codec.modulePromise = factory({ print: remember, printErr: remember }).catch((error: unknown) => {
      codec.modulePromise = undefined;
      throw error;
    });
  }
  return codec.modulePromise;
}

/** Loads the codecs (WebAssembly, and the 12-bit JPEG decoder) now rather than on the first compressed frame (e.g. when a worker starts). */
export async function preloadCodecs(): Promise<void> {
  await Promise.all([...Object.values(codecs).map(loadCodec), loadJpeg12()]);
}

async function decodeWithWasm(name: WasmCodecName, encoded: Uint8Array, pixelCount: number): Promise<DecodedFrame> {
  const codec: WasmCodec = codecs[name];
  const wasmModule = await loadCodec(codec);
  const Decoder = wasmModule[codec.decoderClass] as new () => WasmDecoder;
  // From here to the end of the function nothing awaits, so concurrent decodes
  // on this thread cannot mix their codec messages.
  codec.messages.length = 0;
  let decoder: WasmDecoder | undefined;
  let info: WasmFrameInfo;
  let decoded: Uint8Array;
  try {
    decoder = new Decoder();
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    info = decoder.getFrameInfo();
    // Copy out of the WebAssembly heap before the decoder frees it.
    decoded = decoder.getDecodedBuffer().slice();
  } catch (error) {
    // An emscripten abort can leave the instance unusable: start a fresh one next time.
    if (error instanceof WebAssembly.RuntimeError) codec.modulePromise = undefined;
    throw new PixelDataProblem(
      'corrupt',
      `${codec.label} could not decode the frame (corrupt data)${codecDetail(codec, exceptionMessage(wasmModule, error))}`,
      { cause: error },
    );
  } finally {
    try {
      decoder?.delete();
    } catch {
      // The instance may already be gone after an abort.
    }
  }
  // OpenJPEG reports a failed decode by printing "[ERROR] …" and returning an
  // empty frame rather than throwing; treat any reported error as corruption.
  const reportedErrors = codec.messages.filter((line) => /\berror\b/i.test(line));
  if (reportedErrors.length > 0 || info.componentCount === 0 || info.width === 0 || info.height === 0) {
    throw new PixelDataProblem('corrupt', `${codec.label} could not decode the frame (corrupt data)${codecDetail(codec)}`);
  }
  return checkedSamples(codec.label, info, decoded, pixelCount);
}

/** Emscripten builds throw C++ exceptions as numbers; the module can translate them. */
function exceptionMessage(wasmModule: WasmModule, thrown: unknown): unknown {
  const translate = wasmModule.getExceptionMessage;
  if (typeof thrown !== 'number' || typeof translate !== 'function') return thrown;
  try {
    const message: unknown = translate(thrown);
    return Array.isArray(message) ? message.filter(Boolean).join(': ') : message;
  } catch {
    return thrown;
  }
}

/** The codec's own error lines, or the thrown message, for the user-facing reason. */
function codecDetail(codec: WasmCodec, thrown?: unknown): string {
  const errors = codec.messages.filter((line) => /\berror\b/i.test(line));
  if (errors.length > 0) return `: ${errors.map((line) => line.trim()).join('; ')}`;
  if (thrown instanceof Error) return `: ${thrown.message}`;
  if (typeof thrown === 'string') return `: ${thrown}`;
  return '';
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `: ${error.message}`;
  return '';
}

function checkedSamples(label: string, info: WasmFrameInfo, decoded: Uint8Array, pixelCount: number): DecodedFrame {
  if (info.componentCount !== 1) {
    throw new PixelDataProblem(
      'unsupported-image',
      `${label} decoded ${info.componentCount} components; only monochrome (1 component) is supported`,
    );
  }
  const bytesPerSample = info.bitsPerSample > 8 ? 2 : 1;
  if (info.width * info.height !== pixelCount || decoded.length !== pixelCount * bytesPerSample) {
    throw new PixelDataProblem(
      'corrupt',
      `${label} decoded ${info.width}×${info.height} pixels (${decoded.length} bytes), which does not match Rows × Columns`,
    );
  }
  const samples = bytesPerSample === 2 ? new Uint16Array(decoded.buffer, decoded.byteOffset, pixelCount) : decoded;
  return { samples, bitsPerSample: info.bitsPerSample };
}

export function decodeJpeg2000(encoded: Uint8Array, pixelCount: number): Promise<DecodedFrame> {
  return decodeWithWasm('openjpeg', unwrapJp2(encoded), pixelCount);
}

export function decodeJpegLs(encoded: Uint8Array, pixelCount: number): Promise<DecodedFrame> {
  return decodeWithWasm('charls', encoded, pixelCount);
}

/**
 * DICOM PS3.5 A.4.4 wants a bare JPEG 2000 codestream, but some writers store
 * a JP2 file; use the codestream inside its 'jp2c' box.
 */
function unwrapJp2(data: Uint8Array): Uint8Array {
  const isJp2 = data.length >= 12 && data[4] === 0x6a && data[5] === 0x50 && data[6] === 0x20 && data[7] === 0x20;
  if (!isJp2) return data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  while (offset + 8 <= data.length) {
    let boxLength = view.getUint32(offset);
    const type = view.getUint32(offset + 4);
    let headerLength = 8;
    if (boxLength === 1 && offset + 16 <= data.length) {
      boxLength = Number(view.getBigUint64(offset + 8));
      headerLength = 16;
    } else if (boxLength === 0) {
      boxLength = data.length - offset;
    }
    if (type === 0x6a703263 /* 'jp2c' */) return data.subarray(offset + headerLength, offset + boxLength);
    if (boxLength < headerLength) break;
    offset += boxLength;
  }
  throw new PixelDataProblem('corrupt', 'JP2 file in Pixel Data has no codestream box');
}

interface JpegFrameHeader {
  /** Byte offset of the SOF marker in the codestream. */
  offset: number;
  /** SOF marker, e.g. 0xffc0 baseline, 0xffc1 extended, 0xffc3 lossless, 0xfff7 JPEG-LS. */
  marker: number;
  precisionBits: number;
  rows: number;
  columns: number;
  components: number;
}

/** Finds the start-of-frame header of an ITU T.81 / T.87 codestream. */
export function readJpegFrameHeader(data: Uint8Array): JpegFrameHeader {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) {
    throw new PixelDataProblem('corrupt', 'the JPEG frame does not start with a start-of-image marker');
  }
  let offset = 2;
  while (offset + 4 <= data.length) {
    if (data[offset] !== 0xff) {
      throw new PixelDataProblem('corrupt', `the JPEG frame has no marker where one is expected (byte ${offset})`);
    }
    const code = data[offset + 1];
    if (code === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (code === 0x01 || (code >= 0xd0 && code <= 0xd8)) {
      offset += 2; // markers without a length
      continue;
    }
    const segmentLength = (data[offset + 2] << 8) | data[offset + 3];
    const isStartOfFrame =
      (code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc) || code === 0xf7;
    if (isStartOfFrame) {
      if (offset + 10 > data.length) break;
      return {
        offset,
        marker: 0xff00 | code,
        precisionBits: data[offset + 4],
        rows: (data[offset + 5] << 8) | data[offset + 6],
        columns: (data[offset + 7] << 8) | data[offset + 8],
        components: data[offset + 9],
      };
    }
    if (code === 0xda || code === 0xd9) break; // scan or end before any frame header
    offset += 2 + segmentLength;
  }
  throw new PixelDataProblem('corrupt', 'the JPEG frame has no start-of-frame header (corrupt or truncated)');
}

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number): Uint8Array | Uint16Array;
  /** Read position in the codestream after decoding. */
  stream: { index: number } | null;
  yLoc: number;
  yDim: number;
  select7(compOffset?: number): number;
  getPreviousX(compOffset?: number): number;
  getPreviousY(compOffset?: number): number;
}

let losslessModule: { Decoder: new () => LosslessDecoder } | undefined;

/** Entropy-coded data must end this close to the end-of-image marker; farther means the decoder lost sync. */
const LOSSLESS_END_SLACK_BYTES = 8;
/** Zero bytes put before the end-of-image marker; see decodeJpegLossless. */
const LOSSLESS_EOI_PADDING_BYTES = 4;

/**
 * JPEG ITU T.81 process 14 (lossless, any predictor), through
 * jpeg-lossless-decoder-js 2.1.2, with workarounds for three of its faults:
 * - when the end-of-image marker falls inside its read-ahead while it decodes
 *   the last pixel, it stops without writing that pixel (seen with dcmtk
 *   predictors 3 and 5); zero bytes put before the marker keep it out of reach;
 * - predictor 7 is computed in floating point (see below);
 * - corrupt entropy-coded data decodes to garbage without an error, so check
 *   that it filled every row and stopped at the end-of-image marker: a Huffman
 *   stream that lost sync ends elsewhere.
 */
function decodeJpegLossless(encoded: Uint8Array, header: JpegFrameHeader, pixelCount: number): DecodedFrame {
  if (header.components !== 1) {
    throw new PixelDataProblem('unsupported-image', `JPEG Lossless frame has ${header.components} components; only monochrome is supported`);
  }
  const endOfImage = lastEndOfImageMarker(encoded);
  if (endOfImage < 0) {
    throw new PixelDataProblem('corrupt', 'JPEG Lossless frame has no end-of-image marker (truncated or corrupt)');
  }
  const padded = new Uint8Array(endOfImage + LOSSLESS_EOI_PADDING_BYTES + 2);
  padded.set(encoded.subarray(0, endOfImage));
  padded[padded.length - 2] = 0xff;
  padded[padded.length - 1] = 0xd9;

  // The package ships no type declarations; LosslessDecoder is the part of it we use.
  losslessModule ??= require('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder };
  const decoder = new losslessModule.Decoder();
  // Predictor 7 is (Ra + Rb) / 2 in floating point there; ITU T.81 H.1.2.1
  // divides by shifting right, which differs by one for odd sums. Shadow it on
  // the instance (decode() picks the selector from there).
  decoder.select7 = function select7(this: LosslessDecoder, compOffset?: number): number {
    return (this.getPreviousX(compOffset) + this.getPreviousY(compOffset)) >> 1;
  };
  let samples: Uint8Array | Uint16Array;
  try {
    samples = decoder.decode(padded.buffer, 0, padded.length);
  } catch (error) {
    throw new PixelDataProblem(
      'corrupt',
      `JPEG Lossless could not decode the frame (corrupt data)${describeThrown(error)}`,
      { cause: error },
    );
  }
  if (samples.length !== pixelCount) {
    throw new PixelDataProblem(
      'corrupt',
      `JPEG Lossless decoded ${samples.length} samples, Rows × Columns is ${pixelCount} (corrupt data)`,
    );
  }
  const readTo = decoder.stream?.index ?? -1;
  const paddedEnd = padded.length - 2;
  if (decoder.yLoc < decoder.yDim || readTo < endOfImage - LOSSLESS_END_SLACK_BYTES || readTo > paddedEnd + 2) {
    throw new PixelDataProblem(
      'corrupt',
      decoder.yLoc < decoder.yDim
        ? `JPEG Lossless data ran out at row ${decoder.yLoc + 1} of ${decoder.yDim} (corrupt or truncated)`
        : `JPEG Lossless entropy-coded data ends at byte ${readTo}, not at the end-of-image marker (byte ${endOfImage}): corrupt data`,
    );
  }
  return { samples, bitsPerSample: header.precisionBits };
}

function lastEndOfImageMarker(data: Uint8Array): number {
  for (let i = data.length - 2; i >= Math.max(0, data.length - 64); i--) {
    if (data[i] === 0xff && data[i + 1] === 0xd9) return i;
  }
  return -1;
}

/**
 * Decodes a frame of the JPEG family (.4.50/.51/.57/.70), routed by its
 * start-of-frame marker rather than the transfer syntax, because archives hold
 * files whose syntax label and codestream disagree.
 */
export async function decodeJpeg(encoded: Uint8Array, pixelCount: number): Promise<DecodedFrame> {
  const header = readJpegFrameHeader(encoded);
  switch (header.marker) {
    case 0xffc3:
      return decodeJpegLossless(encoded, header, pixelCount);
    case 0xfff7:
      return decodeJpegLs(encoded, pixelCount);
    case 0xffc0:
    case 0xffc1:
    case 0xffc2:
    case 0xffc9:
    case 0xffca:
      if (header.precisionBits === 8) return decodeWithWasm('libjpegTurbo', encoded, pixelCount);
      // 12-bit (process 4): the JavaScript decoder, which has no arithmetic coding (SOF9/SOF10).
      if (header.precisionBits === 12 && header.marker <= 0xffc2) {
        if (header.components !== 1) {
          throw new PixelDataProblem(
            'unsupported-image',
            `JPEG frame has ${header.components} components; only monochrome is supported`,
          );
        }
        return { samples: await decodeJpeg12(encoded, header.offset, pixelCount), bitsPerSample: 12 };
      }
      throw new PixelDataProblem(
        'unsupported-transfer-syntax',
        header.precisionBits === 12
          ? 'JPEG 12-bit with arithmetic coding is not supported (only Huffman-coded 12-bit JPEG can be decoded)'
          : `lossy JPEG with ${header.precisionBits}-bit samples is not supported (ITU T.81 defines 8 and 12)`,
      );
    default:
      throw new PixelDataProblem(
        'unsupported-transfer-syntax',
        `JPEG process with start-of-frame marker ${header.marker.toString(16).toUpperCase()} is not supported`,
      );
  }
}
