import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJpegFrameHeader } from './codecs';
import { DecodeError, decodeFile, SUPPORTED_TRANSFER_SYNTAXES, transferSyntaxName, type DecodedFrames } from './index';
import { imageDataset, int16Bytes, writePart10, type DatasetSpec, type EncapsulatedValue } from '../../../testing/dicomWriter';

// shared/ sits beside the project root (see shared/data/README.md).
const DATA = fileURLToPath(new URL('../../../../../shared/data', import.meta.url));
const CT_3SLICE = join(DATA, 'dcmqi/ct-3slice');
const CT_01 = join(CT_3SLICE, '01.dcm');
const TOTALSEG_DIR = join(DATA, 'totalsegmentator/example_ct_dicom');
const HIGHDICOM_CT = join(DATA, 'highdicom/ct_image.dcm');

const TS = {
  implicit: '1.2.840.10008.1.2',
  explicit: '1.2.840.10008.1.2.1',
  encapsulatedUncompressed: '1.2.840.10008.1.2.1.98',
  deflated: '1.2.840.10008.1.2.1.99',
  bigEndian: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSv1: '1.2.840.10008.1.2.4.70',
  jpegLs: '1.2.840.10008.1.2.4.80',
  jpegLsNear: '1.2.840.10008.1.2.4.81',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  j2k: '1.2.840.10008.1.2.4.91',
};
const ENHANCED_CT = '1.2.840.10008.5.1.4.1.1.2.1';
const PIXELS_512 = 512 * 512;

const read = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

function huStats(frame: Int16Array): { min: number; max: number; sum: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const hu of frame) {
    if (hu < min) min = hu;
    if (hu > max) max = hu;
    sum += hu;
  }
  return { min, max, sum };
}

function differences(a: Int16Array, b: Int16Array): { maxAbs: number; meanAbs: number } {
  expect(a.length).toBe(b.length);
  let maxAbs = 0;
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > maxAbs) maxAbs = d;
    total += d;
  }
  return { maxAbs, meanAbs: total / a.length };
}

async function expectDecodeError(bytes: Uint8Array, label: string, code: string, reason: RegExp): Promise<DecodeError> {
  const error = await decodeFile(bytes, { fileLabel: label }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${label} should not decode`).toBeInstanceOf(DecodeError);
  const decodeError = error as DecodeError;
  expect(decodeError.message).toContain(label);
  expect(decodeError.message).toMatch(reason);
  expect(decodeError.code).toBe(code);
  return decodeError;
}

/** Offset of the top-level Pixel Data tag (the last (7FE0,0010) in these simple files). */
function pixelDataTagOffset(bytes: Uint8Array): number {
  for (let i = bytes.length - 4; i >= 0; i--) {
    if (bytes[i] === 0xe0 && bytes[i + 1] === 0x7f && bytes[i + 2] === 0x10 && bytes[i + 3] === 0x00) return i;
  }
  throw new Error('no Pixel Data tag');
}

describe('decodeFile on real CT', () => {
  it('ct-3slice/01.dcm (Implicit VR LE, GE) gives the HU values computed independently from its raw pixels', async () => {
    // Independent reference: numpy on the last 524,288 bytes (the Pixel Data value,
    // int16 little endian, checked with dcmdump) minus 1024 (Rescale Intercept, slope 1).
    const decoded = await decodeFile(read(CT_01), { fileLabel: '01.dcm' });
    expect(decoded).toMatchObject({ rows: 512, columns: 512, frameCount: 1, transferSyntaxUid: TS.implicit });
    expect(decoded.frames).toHaveLength(1);
    const stats = huStats(decoded.frames[0]);
    expect(stats.min).toBe(-3024); // outside the reconstruction circle
    expect(stats.max).toBe(1381);
    expect(stats.sum).toBe(-251575683); // mean −959.685 HU
    expect(decoded.frames[0][256 * 512 + 256]).toBe(-145); // centre pixel
  });

  it('all three ct-3slice slices decode with their own statistics', async () => {
    const expected = [
      { file: '01.dcm', max: 1381, sum: -251575683 },
      { file: '02.dcm', max: 1340, sum: -250266620 },
      { file: '03.dcm', max: 1366, sum: -249108727 },
    ];
    for (const { file, max, sum } of expected) {
      const stats = huStats((await decodeFile(read(join(CT_3SLICE, file)))).frames[0]);
      expect({ file, ...stats }).toEqual({ file, min: -3024, max, sum });
    }
  });

  it('TotalSegmentator JPEG 2000 lossless slice matches an independent OpenJPEG 2.5 (native libopenjp2) decode', async () => {
    // Reference: the codestream decoded by the system libopenjp2 through Python
    // ctypes, 12-bit unsigned, minus 1024 (Rescale Intercept).
    const file = join(TOTALSEG_DIR, 'CT.1.3.12.2.1107.5.1.4.60064.30000022120808113428000016573');
    const decoded = await decodeFile(read(file));
    expect(decoded).toMatchObject({ rows: 512, columns: 512, frameCount: 1, transferSyntaxUid: TS.j2kLossless });
    const stats = huStats(decoded.frames[0]);
    expect(stats).toEqual({ min: -1024, max: 1436, sum: -163079110 });
    expect(decoded.frames[0][256 * 512 + 256]).toBe(94);
  });

  it('decodes all 20 TotalSegmentator slices concurrently (sharing one codec load), air at −1024 HU', async () => {
    const files = readdirSync(TOTALSEG_DIR).sort();
    expect(files).toHaveLength(20);
    const all = await Promise.all(files.map((f) => decodeFile(read(join(TOTALSEG_DIR, f)), { fileLabel: f })));
    for (const decoded of all) {
      const stats = huStats(decoded.frames[0]);
      expect(decoded.frames[0][0]).toBe(-1024); // corner: outside the patient
      expect(stats.min).toBe(-1024);
      expect(stats.max).toBeGreaterThan(300); // contrast-enhanced vessels or bone
      expect(stats.sum / PIXELS_512).toBeGreaterThan(-900);
      expect(stats.sum / PIXELS_512).toBeLessThan(-300);
    }
  });

  it('highdicom ct_image.dcm (Explicit VR LE, 128×128)', async () => {
    const decoded = await decodeFile(read(HIGHDICOM_CT));
    expect(decoded).toMatchObject({ rows: 128, columns: 128, frameCount: 1, transferSyntaxUid: TS.explicit });
    const stats = huStats(decoded.frames[0]);
    expect(stats.min).toBe(-896);
    expect(stats.max).toBe(1167);
  });
});

describe('decodeFile on ct-3slice/01.dcm transcoded by dcmtk', () => {
  let dir = '';
  let reference: DecodedFrames;
  const dcmtk = (tool: string, args: string[]): void => {
    const result = spawnSync(tool, args, { encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      throw new Error(`${tool} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
    }
  };
  const transcode = (name: string, tool: string, options: string[], input = CT_01): string => {
    const out = join(dir, name);
    dcmtk(tool, [...options, input, out]);
    return out;
  };

  beforeAll(async () => {
    const probe = spawnSync('dcmconv', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error(
        'dcmtk is not installed: these tests transcode real CT with dcmconv, dcmcrle, dcmcjpeg, dcmcjpls and dcmdjpeg (apt-get install dcmtk)',
      );
    }
    dir = mkdtempSync(join(tmpdir(), 'longitude-decode-'));
    reference = await decodeFile(read(CT_01));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const lossless: Array<[string, string, string, string[]]> = [
    ['Implicit VR Little Endian', TS.implicit, 'dcmconv', ['+ti']],
    ['Explicit VR Little Endian', TS.explicit, 'dcmconv', ['+te']],
    ['Explicit VR Big Endian', TS.bigEndian, 'dcmconv', ['+tb']],
    ['Deflated Explicit VR Little Endian', TS.deflated, 'dcmconv', ['+td']],
    ['RLE Lossless', TS.rle, 'dcmcrle', []],
    ['JPEG Lossless SV1', TS.jpegLosslessSv1, 'dcmcjpeg', ['+e1']],
    ['JPEG Lossless SV1, 8 KB fragments', TS.jpegLosslessSv1, 'dcmcjpeg', ['+e1', '+fs', '8']],
    ...[2, 3, 4, 5, 6, 7].map((predictor): [string, string, string, string[]] => [
      `JPEG Lossless process 14, predictor ${predictor}`,
      TS.jpegLossless,
      'dcmcjpeg',
      ['+el', '+sv', String(predictor)],
    ]),
    ['JPEG-LS Lossless', TS.jpegLs, 'dcmcjpls', []],
    ['JPEG-LS Lossless, 16 KB fragments', TS.jpegLs, 'dcmcjpls', ['+fs', '16']],
  ];
  for (const [name, uid, tool, options] of lossless) {
    it(`${name} decodes to exactly the original HU`, async () => {
      const file = transcode(`${name.replace(/\W+/g, '-')}.dcm`, tool, options);
      const decoded = await decodeFile(read(file), { fileLabel: name });
      expect(decoded.transferSyntaxUid).toBe(uid);
      expect(decoded.frameCount).toBe(1);
      expect(differences(decoded.frames[0], reference.frames[0]).maxAbs).toBe(0);
    });
  }

  it('JPEG Baseline (8-bit, dcmtk rescales HU into 0–255) matches dcmtk’s own decode exactly and the original within quantisation', async () => {
    const file = transcode('baseline.dcm', 'dcmcjpeg', ['+eb']);
    const dcmtkDecoded = transcode('baseline-dcmdjpeg.dcm', 'dcmdjpeg', [], file);
    const decoded = await decodeFile(read(file));
    expect(decoded.transferSyntaxUid).toBe(TS.jpegBaseline);
    expect(differences(decoded.frames[0], (await decodeFile(read(dcmtkDecoded))).frames[0]).maxAbs).toBe(0);
    // One 8-bit step is ~32 HU over dcmtk's −4047…4144 HU mapping.
    const error = differences(decoded.frames[0], reference.frames[0]);
    expect(error.meanAbs).toBeLessThan(40);
    expect(Math.abs(huStats(decoded.frames[0]).sum - huStats(reference.frames[0]).sum) / PIXELS_512).toBeLessThan(25);
  });

  it('JPEG Extended with 8-bit samples decodes like dcmtk’s own decode', async () => {
    const file = transcode('extended8.dcm', 'dcmcjpeg', ['+ee', '+be']);
    const dcmtkDecoded = transcode('extended8-dcmdjpeg.dcm', 'dcmdjpeg', [], file);
    const decoded = await decodeFile(read(file));
    expect(decoded.transferSyntaxUid).toBe(TS.jpegExtended);
    expect(differences(decoded.frames[0], (await decodeFile(read(dcmtkDecoded))).frames[0]).maxAbs).toBe(0);
    expect(differences(decoded.frames[0], reference.frames[0]).meanAbs).toBeLessThan(40);
  });

  describe('JPEG Extended with 12-bit samples (process 4)', () => {
    /** The attributes that show dcmtk wrote a 12-bit JPEG Extended file, and its codestream's precision. */
    const expectTwelveBitExtended = (file: string): void => {
      const dump = spawnSync('dcmdump', [file], { encoding: 'utf8' }).stdout;
      expect(dump).toMatch(/\(0002,0010\) UI =JPEGExtended:Process2\+4/);
      expect(dump).toMatch(/\(0028,0101\) US 12 /);
      const bytes = read(file);
      const codestream = bytes.subarray(findBytes(bytes, [0xff, 0xd8, 0xff], pixelDataTagOffset(bytes)));
      expect(readJpegFrameHeader(codestream)).toMatchObject({ marker: 0xffc1, precisionBits: 12, components: 1 });
    };
    /** dcmtk's own decode (dcmdjpeg to Explicit VR LE), read by our native path. */
    const dcmtkDecode = async (file: string): Promise<Int16Array> => {
      const native = transcode(basename(file, '.dcm') + '-dcmdjpeg.dcm', 'dcmdjpeg', [], file);
      return (await decodeFile(read(native))).frames[0];
    };
    /** 01.dcm as unsigned 12-bit stored values, intercept −1024 (HU below −1024 or above 3071 clamped). */
    const twelveBitCt = (): { file: string; hu: Int16Array } => {
      const hu = Int16Array.from(reference.frames[0], (v) => Math.min(3071, Math.max(-1024, v)));
      const file = join(dir, 'ct12-native.dcm');
      writeFileSync(
        file,
        writePart10(
          imageDataset({
            rows: 512,
            columns: 512,
            bitsAllocated: 16,
            bitsStored: 12,
            pixelRepresentation: 0,
            rescale: { slope: 1, intercept: -1024 },
            pixelData: int16Bytes(Uint16Array.from(hu, (v) => v + 1024)),
          }),
          TS.explicit,
        ),
      );
      return { file, hu };
    };

    it('01.dcm as 12-bit CT (intercept −1024) matches dcmtk’s own decode within 1 HU and the original within JPEG quantisation', async () => {
      const { file: native, hu } = twelveBitCt();
      expect(differences((await decodeFile(read(native))).frames[0], hu).maxAbs).toBe(0);
      const file = transcode('ct12-extended.dcm', 'dcmcjpeg', ['+ee'], native);
      expectTwelveBitExtended(file);
      const decoded = await decodeFile(read(file), { fileLabel: 'ct12-extended.dcm' });
      expect(decoded).toMatchObject({ rows: 512, columns: 512, frameCount: 1, transferSyntaxUid: TS.jpegExtended });
      // Slope 1 (dcmtk only moves the intercept): 1 HU is one stored value. The
      // pdf.js IDCT rounds differently from libjpeg's in ~6% of pixels.
      const vsDcmtk = differences(decoded.frames[0], await dcmtkDecode(file));
      expect(vsDcmtk.maxAbs).toBeLessThanOrEqual(1);
      expect(vsDcmtk.meanAbs).toBeLessThan(0.1);
      // Quality 90 lossy (measured: mean 2.4 HU, max 22 HU, as dcmtk's decode), and no offset.
      const vsOriginal = differences(decoded.frames[0], hu);
      expect(vsOriginal.meanAbs).toBeLessThan(3);
      expect(vsOriginal.maxAbs).toBeLessThanOrEqual(30);
      expect(Math.abs(huStats(decoded.frames[0]).sum - huStats(hu).sum) / PIXELS_512).toBeLessThan(0.1);
    });

    it('01.dcm compressed directly (dcmtk maps its HU range into 12 bits, slope 2.0002) matches dcmtk’s own decode within one stored value', async () => {
      const file = transcode('extended12.dcm', 'dcmcjpeg', ['+ee']);
      expectTwelveBitExtended(file);
      const decoded = await decodeFile(read(file), { fileLabel: 'extended12.dcm' });
      expect(decoded.transferSyntaxUid).toBe(TS.jpegExtended);
      // One stored value is 2.0002 HU, so one step plus the rounding of the rescale is at most 3 HU.
      const vsDcmtk = differences(decoded.frames[0], await dcmtkDecode(file));
      expect(vsDcmtk.maxAbs).toBeLessThanOrEqual(3);
      expect(vsDcmtk.meanAbs).toBeLessThan(0.2);
      // Measured: mean 5.0 HU, max 38 HU, and −1.2 HU on average from dcmtk's mapping (its decode shows the same).
      const vsOriginal = differences(decoded.frames[0], reference.frames[0]);
      expect(vsOriginal.meanAbs).toBeLessThan(6);
      expect(vsOriginal.maxAbs).toBeLessThanOrEqual(50);
      expect(Math.abs(huStats(decoded.frames[0]).sum - huStats(reference.frames[0]).sum) / PIXELS_512).toBeLessThan(2);
    });

    it('keeps both ends of the 12-bit range: 0 and 4080–4095 are neither shifted nor clipped (odd image size)', async () => {
      // Flat 8×8 blocks at 0, 4095, 4085 and 2048, one-pixel stripes 0/4095 and a
      // ramp, 60×44 (not a multiple of the 8×8 block), at quality 100.
      const rows = 44;
      const columns = 60;
      const stored = new Uint16Array(rows * columns);
      for (let y = 0; y < rows; y++) {
        for (let x = 0; x < columns; x++) {
          const block = [0, 4095, 4085, 2048][((x >> 3) + (y >> 3)) & 3];
          stored[y * columns + x] = y < 16 ? block : y < 24 ? (x & 1) * 4095 : Math.round((x / (columns - 1)) * 4095);
        }
      }
      const native = join(dir, 'extremes-native.dcm');
      writeFileSync(
        native,
        writePart10(
          imageDataset({ rows, columns, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0, pixelData: int16Bytes(stored) }),
          TS.explicit,
        ),
      );
      const file = transcode('extremes.dcm', 'dcmcjpeg', ['+ee', '+q', '100'], native);
      expectTwelveBitExtended(file);
      const decoded = (await decodeFile(read(file), { fileLabel: 'extremes.dcm' })).frames[0];
      const dcmtk = await dcmtkDecode(file);
      expect(differences(decoded, dcmtk).maxAbs).toBeLessThanOrEqual(1);
      const original = Int16Array.from(stored);
      // dcmtk stores these values unchanged (no rescale): compare stored values directly.
      expect(differences(dcmtk, original).meanAbs).toBeLessThan(2);
      let top = 0;
      for (let i = 0; i < stored.length; i++) {
        if (stored[i] < 4080) continue;
        top++;
        expect(Math.abs(decoded[i] - stored[i]), `pixel ${i}`).toBeLessThanOrEqual(2);
      }
      expect(top).toBeGreaterThan(500);
      expect(huStats(decoded)).toMatchObject({ min: 0, max: 4095 });
    });

    it('a 12-bit codestream in a signed file (Pixel Representation 1) is read as 12-bit two’s complement, like the other codecs', async () => {
      const { file: native } = twelveBitCt();
      const compressed = read(transcode('ct12-signed-source.dcm', 'dcmcjpeg', ['+ee'], native));
      const codestream = compressed.subarray(findBytes(compressed, [0xff, 0xd8, 0xff], pixelDataTagOffset(compressed)));
      const end = Buffer.from(codestream.buffer, codestream.byteOffset, codestream.length).lastIndexOf(Buffer.from([0xff, 0xd9])) + 2;
      const wrap = (pixelRepresentation: 0 | 1): Uint8Array =>
        writePart10(
          imageDataset({
            rows: 512,
            columns: 512,
            bitsAllocated: 16,
            bitsStored: 12,
            pixelRepresentation,
            rescale: { slope: 1, intercept: -1000 },
            pixelData: { fragments: [codestream.slice(0, end)], basicOffsetTable: 'frames' },
          }),
          TS.jpegExtended,
        );
      const unsigned = (await decodeFile(wrap(0))).frames[0];
      const signed = (await decodeFile(wrap(1))).frames[0];
      const expected = Int16Array.from(unsigned, (hu) => {
        const code = hu + 1000;
        return (code >= 2048 ? code - 4096 : code) - 1000;
      });
      expect(differences(signed, expected).maxAbs).toBe(0);
      expect(huStats(signed).min).toBeLessThan(-3000); // stored values from 2048 up did turn negative
    });
  });

  it('JPEG-LS near-lossless (NEAR 2) stays within 2 HU of the original', async () => {
    // dcmcjpls refuses near-lossless for signed pixels: shift 01.dcm to unsigned stored values first.
    const unsigned = new Uint16Array(PIXELS_512);
    for (let i = 0; i < PIXELS_512; i++) unsigned[i] = reference.frames[0][i] + 3024;
    const source = join(dir, 'unsigned.dcm');
    writeFileSync(
      source,
      writePart10(
        imageDataset({
          rows: 512,
          columns: 512,
          bitsAllocated: 16,
          bitsStored: 16,
          pixelRepresentation: 0,
          rescale: { slope: 1, intercept: -3024 },
          pixelData: int16Bytes(unsigned),
        }),
        TS.explicit,
      ),
    );
    const exact = await decodeFile(read(source));
    expect(differences(exact.frames[0], reference.frames[0]).maxAbs).toBe(0);
    const file = transcode('jpegls-near.dcm', 'dcmcjpls', ['+en'], source);
    const decoded = await decodeFile(read(file));
    expect(decoded.transferSyntaxUid).toBe(TS.jpegLsNear);
    const error = differences(decoded.frames[0], reference.frames[0]);
    expect(error.maxAbs).toBeGreaterThan(0);
    expect(error.maxAbs).toBeLessThanOrEqual(2);
  });

  describe('Enhanced CT multi-frame (the three slices as frames, per-frame rescale)', () => {
    // Each frame stores the slice with a different rescale, so decoding with the
    // wrong (shared or top-level) rescale would shift it by hundreds of HU.
    const frameRescales = [
      { slope: 1, intercept: -1024 },
      { slope: 1, intercept: -2048 },
      { slope: 0.5, intercept: -1024 },
    ];
    let slices: Int16Array[] = [];
    let nativeFile = '';

    const pixelValueTransformation = (rescale: { slope: number; intercept: number }): DatasetSpec => [
      {
        tag: 0x00289145,
        vr: 'SQ',
        value: [
          [
            { tag: 0x00281052, vr: 'DS', value: String(rescale.intercept) },
            { tag: 0x00281053, vr: 'DS', value: String(rescale.slope) },
            { tag: 0x00281054, vr: 'LO', value: 'HU' },
          ],
        ],
      },
    ];

    const enhancedCt = (pixelData: Uint8Array | EncapsulatedValue, transferSyntaxUid: string): Uint8Array =>
      writePart10(
        imageDataset({
          rows: 512,
          columns: 512,
          bitsAllocated: 16,
          bitsStored: 16,
          pixelRepresentation: 1,
          sopClassUid: ENHANCED_CT,
          numberOfFrames: 3,
          pixelData,
          extra: [
            {
              tag: 0x52009229, // Shared Functional Groups: a deliberately wrong rescale, overridden per frame
              vr: 'SQ',
              value: [
                [
                  { tag: 0x00289110, vr: 'SQ', value: [[{ tag: 0x00280030, vr: 'DS', value: '0.8105\\0.8105' }]] },
                  ...pixelValueTransformation({ slope: 1, intercept: 0 }),
                ],
              ],
            },
            {
              tag: 0x52009230,
              vr: 'SQ',
              value: frameRescales.map((rescale, i) => [
                { tag: 0x00209113, vr: 'SQ', value: [[{ tag: 0x00200032, vr: 'DS', value: `0\\0\\${i}` }]] },
                ...pixelValueTransformation(rescale),
              ]),
            },
          ],
        }),
        transferSyntaxUid,
      );

    const storedFrames = (): Int16Array[] =>
      slices.map((hu, f) => {
        const { slope, intercept } = frameRescales[f];
        return Int16Array.from(hu, (value) => (value - intercept) / slope);
      });

    beforeAll(async () => {
      slices = [];
      for (const name of ['01.dcm', '02.dcm', '03.dcm']) {
        slices.push((await decodeFile(read(join(CT_3SLICE, name)))).frames[0]);
      }
      const stored = storedFrames();
      const pixelBytes = new Uint8Array(3 * PIXELS_512 * 2);
      stored.forEach((frame, f) => pixelBytes.set(int16Bytes(frame), f * PIXELS_512 * 2));
      nativeFile = join(dir, 'enhanced-native.dcm');
      writeFileSync(nativeFile, enhancedCt(pixelBytes, TS.explicit));
    });

    const expectSlices = (decoded: DecodedFrames): void => {
      expect(decoded.frameCount).toBe(3);
      expect(decoded.frames).toHaveLength(3);
      decoded.frames.forEach((frame, f) => expect(differences(frame, slices[f]).maxAbs, `frame ${f + 1}`).toBe(0));
    };

    it('native Explicit VR LE uses each frame’s Pixel Value Transformation', async () => {
      expectSlices(await decodeFile(read(nativeFile)));
    });

    const variants: Array<[string, string, string, string[]]> = [
      ['Implicit VR LE', TS.implicit, 'dcmconv', ['+ti']],
      ['Big Endian', TS.bigEndian, 'dcmconv', ['+tb']],
      ['Deflated', TS.deflated, 'dcmconv', ['+td']],
      ['RLE with offset table', TS.rle, 'dcmcrle', []],
      ['RLE without offset table', TS.rle, 'dcmcrle', ['-ot']],
      ['JPEG Lossless SV1 with offset table', TS.jpegLosslessSv1, 'dcmcjpeg', ['+e1']],
      ['JPEG Lossless SV1, empty offset table, 16 KB fragments', TS.jpegLosslessSv1, 'dcmcjpeg', ['+e1', '-ot', '+fs', '16']],
      ['JPEG Lossless SV1, offset table, 16 KB fragments', TS.jpegLosslessSv1, 'dcmcjpeg', ['+e1', '+fs', '16']],
      ['JPEG-LS, empty offset table', TS.jpegLs, 'dcmcjpls', ['-ot']],
    ];
    for (const [name, uid, tool, options] of variants) {
      it(`${name} decodes every frame exactly`, async () => {
        const file = transcode(`enhanced-${name.replace(/\W+/g, '-')}.dcm`, tool, options, nativeFile);
        const decoded = await decodeFile(read(file), { fileLabel: name });
        expect(decoded.transferSyntaxUid).toBe(uid);
        expectSlices(decoded);
      });
    }

    it('JPEG 2000 frames split over several fragments are regrouped by the offset table, the Extended Offset Table, or start markers', async () => {
      const codestreams = await Promise.all(storedFrames().map((frame) => encodeJ2k(frame, true)));
      const fragments: Uint8Array[] = [];
      const frameStarts: number[] = [];
      for (const codestream of codestreams) {
        frameStarts.push(fragments.length);
        const cut = Math.floor(codestream.length / 3) & ~1;
        fragments.push(codestream.subarray(0, cut), codestream.subarray(cut, 2 * cut), codestream.subarray(2 * cut));
      }
      expectSlices(await decodeFile(enhancedCt({ fragments, basicOffsetTable: 'frames', frameStarts }, TS.j2kLossless)));
      expectSlices(await decodeFile(enhancedCt({ fragments, basicOffsetTable: 'none' }, TS.j2kLossless)));

      // Extended Offset Table (7FE0,0001, PS3.5 A.4) wins over the Basic Offset Table:
      // here the basic table is wrong but lands on fragment boundaries, so
      // decoding by it would cut codestreams apart and fail.
      const itemOffsets: number[] = [];
      let offset = 0;
      for (const fragment of fragments) {
        itemOffsets.push(offset);
        offset += 8 + fragment.length + (fragment.length % 2); // items are padded to even length
      }
      const dataset = imageDataset({
        rows: 512,
        columns: 512,
        bitsAllocated: 16,
        bitsStored: 16,
        pixelRepresentation: 1,
        sopClassUid: ENHANCED_CT,
        numberOfFrames: 3,
        pixelData: { fragments, basicOffsetTable: 'frames', frameStarts: [0, 1, 2] },
        extra: [
          { tag: 0x7fe00001, vr: 'OV', value: frameStarts.map((i) => BigInt(itemOffsets[i])) },
          { tag: 0x7fe00002, vr: 'OV', value: codestreams.map((c) => BigInt(c.length)) },
        ],
      });
      expectSlices(await decodeFile(writePart10(dataset, TS.j2kLossless), { rescale: frameRescales }));
    });

    it('a caller-supplied rescale replaces the one in the data set', async () => {
      const decoded = await decodeFile(read(nativeFile), {
        rescale: [{ slope: 1, intercept: 0 }],
      });
      const stored = storedFrames();
      decoded.frames.forEach((frame, f) => expect(differences(frame, stored[f]).maxAbs).toBe(0));
      await expect(decodeFile(read(nativeFile), { rescale: [{ slope: 1, intercept: 0 }, { slope: 1, intercept: 0 }] })).rejects.toThrow(
        /2 rescale values were given for 3 frames/,
      );
    });

    it('refuses a multi-frame file with fewer fragments than frames', async () => {
      const codestream = await encodeJ2k(storedFrames()[0], true);
      await expectDecodeError(
        enhancedCt({ fragments: [codestream, codestream], basicOffsetTable: 'none' }, TS.j2kLossless),
        'two-of-three.dcm',
        'truncated',
        /Number of Frames is 3 but the encapsulated Pixel Data holds only 2 fragments/,
      );
    });
  });
});

let openjpegEncoder: Promise<Record<string, unknown>> | undefined;

/** Encodes 16-bit signed samples with the OpenJPEG encoder of @cornerstonejs/codec-openjpeg (test-only use). */
async function encodeJ2k(samples: Int16Array, lossless: boolean, width = 512, height = 512): Promise<Uint8Array> {
  const require = createRequire(import.meta.url);
  openjpegEncoder ??= (require('@cornerstonejs/codec-openjpeg/wasmjs') as (o: object) => Promise<Record<string, unknown>>)({
    print: () => {},
    printErr: () => {},
  });
  const Encoder = (await openjpegEncoder).J2KEncoder as new () => {
    getDecodedBuffer(info: object): Uint8Array;
    getEncodedBuffer(): Uint8Array;
    setQuality(lossless: boolean, quality: number): void;
    encode(): void;
    delete(): void;
  };
  const encoder = new Encoder();
  try {
    encoder
      .getDecodedBuffer({ width, height, bitsPerSample: 16, componentCount: 1, isSigned: true, isUsingColorTransform: false })
      .set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
    encoder.setQuality(lossless, 0);
    encoder.encode();
    return encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete();
  }
}

describe('decodeFile on synthetic images (layouts real data does not cover)', () => {
  let ctHu: Int16Array;
  beforeAll(async () => {
    ctHu = (await decodeFile(read(CT_01))).frames[0];
  });

  const ct01AsSigned = (transferSyntaxUid: string, pixelData: Uint8Array | EncapsulatedValue): Uint8Array =>
    writePart10(
      imageDataset({
        rows: 512,
        columns: 512,
        bitsAllocated: 16,
        bitsStored: 16,
        pixelRepresentation: 1,
        rescale: { slope: 1, intercept: -1024 },
        pixelData,
      }),
      transferSyntaxUid,
    );

  it('JPEG 2000 lossless of signed 16-bit CT (two fragments for one frame) is exact; lossy (9/7) is within 2 HU', async () => {
    const stored = Int16Array.from(ctHu, (hu) => hu + 1024);
    const losslessCodestream = await encodeJ2k(stored, true);
    const half = (losslessCodestream.length >> 1) & ~1;
    const fragments = [losslessCodestream.subarray(0, half), losslessCodestream.subarray(half)];
    const exact = await decodeFile(ct01AsSigned(TS.j2kLossless, { fragments, basicOffsetTable: 'none' }));
    expect(differences(exact.frames[0], ctHu).maxAbs).toBe(0);

    const lossyCodestream = await encodeJ2k(stored, false);
    const lossy = await decodeFile(ct01AsSigned(TS.j2k, { fragments: [lossyCodestream], basicOffsetTable: 'frames' }));
    expect(lossy.transferSyntaxUid).toBe(TS.j2k);
    const error = differences(lossy.frames[0], ctHu);
    expect(error.maxAbs).toBeLessThanOrEqual(2);
    expect(error.meanAbs).toBeLessThan(0.5);
  });

  it('Encapsulated Uncompressed Explicit VR LE', async () => {
    const stored = Int16Array.from(ctHu, (hu) => hu + 1024);
    const decoded = await decodeFile(
      ct01AsSigned(TS.encapsulatedUncompressed, { fragments: [int16Bytes(stored)], basicOffsetTable: 'frames' }),
    );
    expect(differences(decoded.frames[0], ctHu).maxAbs).toBe(0);
  });

  it('masks bits above Bits Stored and sign-extends 12-bit signed values', async () => {
    // 12-bit two's complement −1 (0xFFF), −2048 (0x800), 2047 (0x7FF), 0, with junk
    // (an overlay bit) in bits 12–15 that must be ignored (PS3.5 8.1.1).
    const stored = [0xfff, 0x800, 0x7ff, 0x000].map((v, i) => v | (i % 2 === 0 ? 0xf000 : 0x1000));
    const file = writePart10(
      imageDataset({
        rows: 2,
        columns: 2,
        bitsAllocated: 16,
        bitsStored: 12,
        pixelRepresentation: 1,
        rescale: { slope: 1, intercept: -1000 },
        pixelData: int16Bytes(stored),
      }),
      TS.explicit,
    );
    expect(Array.from((await decodeFile(file)).frames[0])).toEqual([-1001, -3048, 1047, -1000]);
  });

  it('honours a High Bit above Bits Stored − 1 (stored bits not at bit 0)', async () => {
    // Bits Stored 12, High Bit 15: the value sits in bits 4–15.
    const file = writePart10(
      imageDataset({
        rows: 1,
        columns: 3,
        bitsAllocated: 16,
        bitsStored: 12,
        highBit: 15,
        pixelRepresentation: 0,
        rescale: { slope: 1, intercept: -1024 },
        pixelData: int16Bytes([1024 << 4, (2000 << 4) | 0xf, 0]),
      }),
      TS.explicit,
    );
    expect(Array.from((await decodeFile(file)).frames[0])).toEqual([0, 976, -1024]);
  });

  it('8-bit MONOCHROME1 keeps HU (no inversion), applies a fractional slope with rounding, clamps to Int16', async () => {
    const file = writePart10(
      imageDataset({
        rows: 1,
        columns: 4,
        bitsAllocated: 8,
        bitsStored: 8,
        pixelRepresentation: 0,
        photometric: 'MONOCHROME1',
        rescale: { slope: 0.5, intercept: -1000 },
        pixelData: new Uint8Array([0, 1, 3, 255]),
      }),
      TS.explicit,
    );
    // 1 × 0.5 − 1000 = −999.5: halves round up (Math.round).
    expect(Array.from((await decodeFile(file)).frames[0])).toEqual([-1000, -999, -998, -872]);
    const clamped = writePart10(
      imageDataset({
        rows: 1,
        columns: 2,
        bitsAllocated: 16,
        bitsStored: 16,
        pixelRepresentation: 0,
        rescale: { slope: 2, intercept: -1024 },
        pixelData: int16Bytes([0, 65535]),
      }),
      TS.explicit,
    );
    expect(Array.from((await decodeFile(clamped)).frames[0])).toEqual([-1024, 32767]);
  });

  it('finds the top-level Pixel Data after an Icon Image Sequence that has its own', async () => {
    const icon: DatasetSpec = [
      { tag: 0x00280002, vr: 'US', value: [1] },
      { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
      { tag: 0x00280010, vr: 'US', value: [2] },
      { tag: 0x00280011, vr: 'US', value: [2] },
      { tag: 0x00280100, vr: 'US', value: [8] },
      { tag: 0x7fe00010, vr: 'OB', value: new Uint8Array([9, 9, 9, 9]) },
    ];
    const file = writePart10(
      imageDataset({
        rows: 1,
        columns: 2,
        bitsAllocated: 16,
        bitsStored: 16,
        pixelRepresentation: 1,
        rescale: { slope: 1, intercept: -1024 },
        pixelData: int16Bytes([0, 1064]),
        extra: [{ tag: 0x00880200, vr: 'SQ', value: [icon] }],
      }),
      TS.explicit,
    );
    expect(Array.from((await decodeFile(file)).frames[0])).toEqual([-1024, 40]);
  });
});

describe('decodeFile refuses bad input with a DecodeError naming the file', () => {
  it('random bytes are not DICOM', async () => {
    let seed = 12345;
    const bytes = Uint8Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    await expectDecodeError(bytes, 'noise.bin', 'not-dicom', /not a DICOM Part 10 file/);
    await expectDecodeError(new Uint8Array(0), 'empty.dcm', 'not-dicom', /not a DICOM Part 10 file/);
  });

  it('a truncated copy of a real CT slice is refused, not zero-filled', async () => {
    const whole = read(CT_01);
    for (const keep of [whole.length - 1, whole.length - 100_000, pixelDataTagOffset(whole) + 4]) {
      await expectDecodeError(whole.subarray(0, keep), `01-cut-${keep}.dcm`, 'truncated', /truncated/);
    }
    // Cut inside the header: an element runs past the end of the file.
    await expectDecodeError(whole.subarray(0, 1500), '01-header-cut.dcm', 'truncated', /truncated/);
  });

  it('Pixel Data shorter than Rows × Columns × frames × bytes is refused', async () => {
    const file = writePart10(
      imageDataset({ rows: 4, columns: 4, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1, pixelData: new Uint8Array(30) }),
      TS.explicit,
    );
    await expectDecodeError(file, 'short.dcm', 'corrupt', /Pixel Data holds 30 bytes but 4×4×1 frames of 16-bit samples need 32/);
  });

  it('a JPEG 2000 file with corrupted codestream header bytes is refused', async () => {
    const file = join(TOTALSEG_DIR, readdirSync(TOTALSEG_DIR).sort()[0]);
    const bytes = read(file).slice();
    const soc = findBytes(bytes, [0xff, 0x4f, 0xff, 0x51]);
    for (let i = soc + 4; i < soc + 40; i++) bytes[i] = (i * 7919) & 0xff; // SIZ: image size and components
    await expectDecodeError(bytes, 'j2k-corrupt.dcm', 'corrupt', /JPEG 2000 \(OpenJPEG\) could not decode the frame \(corrupt data\).*ERROR/);
  });

  it('a JPEG 2000 codestream cut short (inside a valid DICOM file) is refused', async () => {
    const file = join(TOTALSEG_DIR, readdirSync(TOTALSEG_DIR).sort()[0]);
    const decodedOnce = await decodeFile(read(file));
    const bytes = read(file);
    const soc = findBytes(bytes, [0xff, 0x4f, 0xff, 0x51]);
    const codestream = bytes.subarray(soc, bytes.length - 8);
    const cut = codestream.subarray(0, (codestream.length >> 1) & ~1);
    const rewrapped = writePart10(
      imageDataset({
        rows: 512,
        columns: 512,
        bitsAllocated: 16,
        bitsStored: 12,
        pixelRepresentation: 0,
        rescale: { slope: 1, intercept: -1024 },
        pixelData: { fragments: [cut], basicOffsetTable: 'none' },
      }),
      TS.j2kLossless,
    );
    await expectDecodeError(rewrapped, 'j2k-half.dcm', 'corrupt', /OpenJPEG.*corrupt/);
    // The codec still works after a failure.
    expect(huStats((await decodeFile(read(file))).frames[0])).toEqual(huStats(decodedOnce.frames[0]));
  });

  it('a file cut inside its encapsulated Pixel Data is refused as truncated', async () => {
    const file = join(TOTALSEG_DIR, readdirSync(TOTALSEG_DIR).sort()[0]);
    const bytes = read(file);
    await expectDecodeError(bytes.subarray(0, bytes.length - 5000), 'j2k-cut.dcm', 'truncated', /truncated/);
  });

  it('corrupt JPEG Lossless, JPEG-LS and RLE data are refused rather than decoded to garbage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'longitude-decode-corrupt-'));
    try {
      const cases: Array<[string, string[], RegExp]> = [
        ['dcmcjpeg', ['+e1'], /JPEG Lossless entropy-coded data ends at byte \d+, not at the end-of-image marker/],
        ['dcmcjpls', [], /JPEG-LS \(CharLS\) could not decode the frame \(corrupt data\): Invalid JPEG-LS stream/],
        ['dcmcrle', [], /RLE segment 2 fills its 262144-byte plane with \d+ bytes left over/],
      ];
      for (const [tool, options, reason] of cases) {
        const file = join(dir, `${tool}.dcm`);
        const result = spawnSync(tool, [...options, CT_01, file], { encoding: 'utf8' });
        if (result.error || result.status !== 0) throw new Error(`${tool} failed (dcmtk is required): ${result.error?.message ?? result.stderr}`);
        const bytes = read(file).slice();
        // 500 bytes of noise in the middle of the compressed frame; the file stays well-formed.
        const middle = (pixelDataTagOffset(bytes) + bytes.length) >> 1;
        for (let i = middle; i < middle + 500; i++) bytes[i] = (i * 7919) & 0xff;
        await expectDecodeError(bytes, `${tool}-noise.dcm`, 'corrupt', reason);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('corrupt or truncated 12-bit JPEG Extended data is refused, and the decoder still works afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'longitude-decode-corrupt12-'));
    try {
      const file = join(dir, 'extended12.dcm');
      const result = spawnSync('dcmcjpeg', ['+ee', CT_01, file], { encoding: 'utf8' });
      if (result.error || result.status !== 0) throw new Error(`dcmcjpeg failed (dcmtk is required): ${result.error?.message ?? result.stderr}`);
      const good = read(file);
      const decodedOnce = await decodeFile(good);
      const reason = /JPEG 12-bit \(pdf\.js decoder of @cornerstonejs\/dicom-image-loader\) could not decode the frame \(corrupt data\): \S/;

      const noisy = good.slice();
      const middle = (pixelDataTagOffset(noisy) + noisy.length) >> 1;
      for (let i = middle; i < middle + 500; i++) noisy[i] = (i * 7919) & 0xff;
      await expectDecodeError(noisy, 'extended12-noise.dcm', 'corrupt', reason);

      const soi = findBytes(good, [0xff, 0xd8, 0xff], pixelDataTagOffset(good));
      for (const keep of [0.5, 0.99]) {
        const codestream = good.subarray(soi, soi + ((Math.floor((good.length - soi) * keep) >> 1) << 1));
        const cut = writePart10(
          imageDataset({
            rows: 512,
            columns: 512,
            bitsAllocated: 16,
            bitsStored: 12,
            pixelRepresentation: 0,
            pixelData: { fragments: [codestream], basicOffsetTable: 'none' },
          }),
          TS.jpegExtended,
        );
        await expectDecodeError(cut, `extended12-cut-${keep}.dcm`, 'corrupt', reason);
      }
      expect(huStats((await decodeFile(good)).frames[0])).toEqual(huStats(decodedOnce.frames[0]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unsupported transfer syntax is named', async () => {
    const file = writePart10(
      imageDataset({ rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, pixelData: new Uint8Array(4) }),
      '1.2.840.10008.1.2.4.201',
    );
    await expectDecodeError(
      file,
      'htj2k.dcm',
      'unsupported-transfer-syntax',
      /unsupported transfer syntax High-Throughput JPEG 2000 \(Lossless Only\) \(1\.2\.840\.10008\.1\.2\.4\.201\)/,
    );
    const privateSyntax = writePart10(imageDataset({ rows: 1, columns: 1, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, pixelData: new Uint8Array(2) }), '1.3.46.670589.33.1.4.1');
    await expectDecodeError(privateSyntax, 'philips.dcm', 'unsupported-transfer-syntax', /unknown transfer syntax 1\.3\.46\.670589\.33\.1\.4\.1/);
  });

  it('missing Rows, Columns or Pixel Data is named', async () => {
    const base = imageDataset({ rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1, pixelData: new Uint8Array(8) });
    const without = (tag: number): Uint8Array => writePart10(base.filter((e) => e.tag !== tag), TS.explicit);
    await expectDecodeError(without(0x00280010), 'no-rows.dcm', 'missing-attribute', /Rows \(0028,0010\) or Columns/);
    await expectDecodeError(without(0x00280011), 'no-columns.dcm', 'missing-attribute', /Columns \(0028,0011\)/);
    await expectDecodeError(without(0x7fe00010), 'no-pixels.dcm', 'missing-attribute', /no Pixel Data \(7FE0,0010\)/);
  });

  it('a colour image is refused (HU needs a single sample)', async () => {
    const rgb = imageDataset({ rows: 1, columns: 1, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, photometric: 'RGB', pixelData: new Uint8Array(4) });
    const file = writePart10(rgb.map((e) => (e.tag === 0x00280002 ? { ...e, value: [3] } : e)), TS.explicit);
    await expectDecodeError(file, 'rgb.dcm', 'unsupported-image', /RGB with 3 sample\(s\) per pixel/);
  });
});

function findBytes(haystack: Uint8Array, needle: number[], from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('pattern not found');
}

describe('transfer syntax names', () => {
  it('names every supported syntax, and those it cannot decode', () => {
    for (const uid of Object.values(TS)) expect(SUPPORTED_TRANSFER_SYNTAXES[uid], uid).toBeTruthy();
    expect(transferSyntaxName(TS.j2kLossless)).toBe('JPEG 2000 (Lossless Only)');
    expect(transferSyntaxName('1.2.840.10008.1.2.4.100')).toBe('MPEG2 Main Profile @ Main Level');
    expect(transferSyntaxName('9.9')).toBe('unknown transfer syntax 9.9');
  });
});
