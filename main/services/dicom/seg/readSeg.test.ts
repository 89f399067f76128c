import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../../../../core/api/types';
import { parseSeg, segFrameBits, segLabelMap, segMasksOnGrid, SegReadError } from './index';
import { buildSeg, buildSegBytes, packBits, type TestSegFrame } from '../../../testing/segWriter';

const CT_SLICE = join(__dirname, '..', '..', '..', '..', '..', 'shared', 'data', 'dcmqi', 'ct-3slice', '01.dcm');

// A 7×6×4 grid, 1 mm pixels, slices 2 mm apart; frames are 3 rows × 5 columns placed at column 1, row 2.
const grid: VolumeGeometry = { dims: [7, 6, 4], spacingMm: [1, 1, 2], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const at = (i: number, j: number, k: number) => i + j * 7 + k * 42;

// 15 pixels per frame: frame 1 starts at bit 15 (in byte 1), frame 2 at bit 30 (in byte 3).
const patterns = [
  [1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0],
  [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
  [0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1],
];
const frames: TestSegFrame[] = patterns.map((pixels, f) => ({ segmentNumber: 1, positionMm: [1, 2, 2 * f], pixels }));

function expectFrameOnGrid(mask: Uint8Array, pattern: number[], k: number): void {
  for (let r = 0; r < 3; r++) for (let c = 0; c < 5; c++) expect(mask[at(1 + c, 2 + r, k)], `row ${r} column ${c} slice ${k}`).toBe(pattern[r * 5 + c]);
}

function errorOf(fn: () => unknown): SegReadError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SegReadError);
    return error as SegReadError;
  }
  throw new Error('expected a SegReadError');
}

describe('BINARY frames', () => {
  it('unpacks bits packed across frame boundaries (15 pixels per frame), least significant bit first', () => {
    const packed = packBits(patterns);
    expect(packed.length).toBe(6); // 45 bits
    expect(packed[1] & 0x80).toBe(0x80); // frame 1's first pixel is bit 7 of byte 1
    const doc = parseSeg(buildSeg({ rows: 3, columns: 5, frames }), 'packed.dcm');
    expect(doc.frames.map((f) => f.positionMm)).toEqual([[1, 2, 0], [1, 2, 2], [1, 2, 4]]);
    for (let f = 0; f < 3; f++) expect([...segFrameBits(doc, f)]).toEqual(patterns[f]);
    const { segments, warnings } = segMasksOnGrid(doc, { geometry: grid });
    expect(warnings).toEqual([]);
    expect(segments[0].voxelCount).toBe(patterns.flat().reduce((a, b) => a + b, 0));
    expect(segments[0].slices).toEqual([0, 1, 2]);
    patterns.forEach((p, k) => expectFrameOnGrid(segments[0].mask, p, k));
    for (let p = 3 * 42; p < 4 * 42; p++) expect(segments[0].mask[p]).toBe(0);
  });

  it('reads Deflated Explicit VR Little Endian the same', () => {
    // Same data set, body deflated (PS3.5 A.5): the meta header stays plain.
    const plain = buildSegBytes({ rows: 3, columns: 5, frames }, '1.2.840.10008.1.2.1.99');
    const metaEnd = 144 + new DataView(plain.buffer, plain.byteOffset).getUint32(140, true);
    const deflated = Buffer.concat([plain.subarray(0, metaEnd), deflateRawSync(plain.subarray(metaEnd))]);
    const doc = parseSeg(deflated, 'deflated.dcm');
    expect(doc.transferSyntaxUid).toBe('1.2.840.10008.1.2.1.99');
    for (let f = 0; f < 3; f++) expect([...segFrameBits(doc, f)]).toEqual(patterns[f]);
  });

  it('places frames by position, not by order, and reads segment metadata', () => {
    const shuffled = [frames[2], frames[0], frames[1]];
    const doc = parseSeg(buildSeg({ rows: 3, columns: 5, frames: shuffled, segments: [{ number: 1, label: 'Metastasis 1' }] }), 'shuffled.dcm');
    expect(doc.segments[0]).toMatchObject({
      segmentNumber: 1,
      label: 'Metastasis 1',
      algorithmType: 'MANUAL',
      category: { codeValue: '49755003', codingSchemeDesignator: 'SCT', codeMeaning: 'Morphologically Altered Structure' },
      type: { codeValue: '4147007', codingSchemeDesignator: 'SCT', codeMeaning: 'Mass' },
    });
    const mask = segMasksOnGrid(doc, { geometry: grid }).segments[0].mask;
    patterns.forEach((p, k) => expectFrameOnGrid(mask, p, k));
  });

  it('keeps overlapping segments as separate masks; a label map refuses them, and takes them when apart', () => {
    const both: TestSegFrame[] = [
      { segmentNumber: 1, positionMm: [1, 2, 2], pixels: patterns[1] },
      { segmentNumber: 2, positionMm: [1, 2, 2], pixels: patterns[0] },
    ];
    const segments = [{ number: 1, label: 'A' }, { number: 2, label: 'B' }];
    const doc = parseSeg(buildSeg({ rows: 3, columns: 5, frames: both, segments }), 'overlap.dcm');
    const placed = segMasksOnGrid(doc, { geometry: grid });
    expectFrameOnGrid(placed.segments[0].mask, patterns[1], 1);
    expectFrameOnGrid(placed.segments[1].mask, patterns[0], 1);
    expect(errorOf(() => segLabelMap(doc, { geometry: grid })).message).toBe(
      'overlap.dcm: segments 1 ("A") and 2 ("B") overlap. Read its segments as separate masks instead of one label map.',
    );
    // Only segment 2: one mask.
    expect(segMasksOnGrid(doc, { geometry: grid }, { segmentNumbers: [2] }).segments.map((s) => s.segment.label)).toEqual(['B']);

    const apart = parseSeg(buildSeg({ rows: 3, columns: 5, frames: [both[0], { ...both[1], positionMm: [1, 2, 6] }], segments }), 'apart.dcm');
    const { labelMap } = segLabelMap(apart, { geometry: grid });
    expect(labelMap[at(1, 2, 1)]).toBe(1);
    expect(labelMap[at(1, 2, 3)]).toBe(2);
  });
});

describe('FRACTIONAL frames', () => {
  it('are inside where value ≥ 0.5 × MaximumFractionalValue', () => {
    const values = [0, 63, 64, 65, 100, 127, 128, 200, 127, 126, 255, 0, 1, 128, 64];
    const doc = parseSeg(
      buildSeg({ rows: 3, columns: 5, type: 'FRACTIONAL', maxFractionalValue: 128, frames: [{ segmentNumber: 1, positionMm: [1, 2, 0], pixels: values }] }),
      'fractional.dcm',
    );
    expect(doc).toMatchObject({ segmentationType: 'FRACTIONAL', fractionalType: 'PROBABILITY', maxFractionalValue: 128 });
    expect([...segFrameBits(doc, 0)]).toEqual(values.map((v) => (v >= 64 ? 1 : 0)));
  });
});

describe('errors name the file and the reason', () => {
  it('not DICOM, and DICOM that is not a SEG', () => {
    const notDicom = errorOf(() => parseSeg(new TextEncoder().encode('NRRD0004\ntype: short\n'), 'label.nrrd'));
    expect(notDicom.code).toBe('not-dicom');
    expect(notDicom.message).toMatch(/^label\.nrrd: not a readable DICOM file/);
    const ct = errorOf(() => parseSeg(readFileSync(CT_SLICE), '01.dcm'));
    expect(ct.code).toBe('not-seg');
    expect(ct.message).toBe(
      '01.dcm: not a DICOM Segmentation (SOP Class 1.2.840.10008.5.1.4.1.1.2, modality CT). Choose a DICOM Segmentation (SEG) file; this one holds something else.',
    );
  });

  it('compressed pixel data', () => {
    const e = errorOf(() => parseSeg(buildSegBytes({ rows: 3, columns: 5, frames }, '1.2.840.10008.1.2.5'), 'rle.dcm'));
    expect(e.code).toBe('unsupported');
    expect(e.message).toBe(
      'rle.dcm: its pixel data uses transfer syntax 1.2.840.10008.1.2.5; only uncompressed little-endian SEGs can be read. Export the segmentation again as an uncompressed binary or fractional SEG.',
    );
  });

  it('missing Per-Frame Functional Groups', () => {
    const e = errorOf(() => parseSeg(buildSeg({ rows: 3, columns: 5, frames, omitPerFrame: true }), 'noframes.dcm'));
    expect(e.code).toBe('missing-attribute');
    expect(e.message).toMatch(/^noframes\.dcm: the Per-Frame Functional Groups Sequence \(5200,9230\) is missing/);
  });

  it('truncated pixel data, and a frame count that disagrees with the functional groups', () => {
    // 45 bits need 6 bytes; 4 are there.
    const short = errorOf(() => parseSeg(buildSeg({ rows: 3, columns: 5, frames, pixelDataOverride: packBits(patterns).subarray(0, 4) }), 'short.dcm'));
    expect(short.code).toBe('truncated');
    expect(short.message).toBe('short.dcm: Pixel Data holds 4 bytes but 3 frames of 3×5 need 6. Copy or export the file again from its source.');
    // NumberOfFrames 3 → 4 in place.
    const bytes = buildSeg({ rows: 3, columns: 5, frames });
    const text = Buffer.from(bytes).toString('latin1');
    bytes[text.indexOf('3', text.indexOf('\x28\x00\x08\x00IS'))] = '4'.charCodeAt(0);
    const e = errorOf(() => parseSeg(bytes, 'count.dcm'));
    expect(e.message).toMatch(/^count\.dcm: NumberOfFrames is 4 but the Per-Frame Functional Groups Sequence has 3 items/);
  });

  it('orientation mismatch', () => {
    const e = errorOf(() => segMasksOnGrid(parseSeg(buildSeg({ rows: 3, columns: 5, frames, orientation: [0, 1, 0, 1, 0, 0] }), 'sagittal.dcm'), { geometry: grid }));
    expect(e.code).toBe('orientation-mismatch');
    expect(e.message).toMatch(/^sagittal\.dcm: frame 1 \(segment 1\) has orientation \[0, 1, 0, 1, 0, 0\] but the series has \[1, 0, 0, 0, 1, 0\]/);
  });

  it('a frame not on a slice, between voxels, or with pixels outside the images', () => {
    const off = (f: Partial<TestSegFrame>, name: string) =>
      errorOf(() => segMasksOnGrid(parseSeg(buildSeg({ rows: 3, columns: 5, frames: [{ ...frames[0], ...f }] }), name), { geometry: grid }));
    const below = off({ positionMm: [1, 2, -2] }, 'below.dcm');
    expect(below.code).toBe('off-grid');
    expect(below.message).toMatch(/^below\.dcm: frame 1 \(segment 1\) at \[1, 2, -2\] mm is not on a slice of the series \(slice index -1, slices 0…3\)/);
    expect(off({ positionMm: [1.5, 2, 0] }, 'half.dcm').message).toMatch(/starts at column 1\.5, row 2 of the series: between voxels/);
    expect(off({ positionMm: [3, 2, 0] }, 'right.dcm').message).toMatch(/has segment pixels outside the series' 7×6 images \(at column 7, row 2\)/);
    // Half a slice is the limit (the brief's tolerance); a quarter slice off is placed with a warning.
    const quarter = segMasksOnGrid(parseSeg(buildSeg({ rows: 3, columns: 5, frames: [{ ...frames[0], positionMm: [1, 2, 0.5] }] }), 'q.dcm'), { geometry: grid });
    expect(quarter.segments[0].slices).toEqual([0]);
    expect(quarter.warnings).toEqual(["some frames lie up to 0.5 mm from the series' slice planes; each was placed on the nearest slice"]);
    const tight = errorOf(() =>
      segMasksOnGrid(parseSeg(buildSeg({ rows: 3, columns: 5, frames: [{ ...frames[0], positionMm: [1, 2, 0.5] }] }), 'q.dcm'), { geometry: grid }, { sliceTolerance: 0.1 }),
    );
    expect(tight.code).toBe('off-grid');
  });

  it('pixel spacing and frame of reference of another series', () => {
    const doc = parseSeg(buildSeg({ rows: 3, columns: 5, frames, pixelSpacingMm: [0.5, 0.5] }), 'fine.dcm');
    expect(errorOf(() => segMasksOnGrid(doc, { geometry: grid })).message).toMatch(/^fine\.dcm: frame 1 \(segment 1\) has pixel spacing 0\.5\\0\.5 mm but the series has 1\\1 mm/);
    const ok = parseSeg(buildSeg({ rows: 3, columns: 5, frames, frameOfReferenceUid: '1.2.3' }), 'for.dcm');
    const e = errorOf(() => segMasksOnGrid(ok, { geometry: grid, frameOfReferenceUid: '1.2.4' }));
    expect(e.code).toBe('frame-of-reference-mismatch');
    expect(e.message).toMatch(/^for\.dcm: its frame of reference \(1\.2\.3\) is not the series' \(1\.2\.4\)/);
    expect(segMasksOnGrid(ok, { geometry: grid, frameOfReferenceUid: '1.2.3' }).segments[0].voxelCount).toBeGreaterThan(0);
  });
});
