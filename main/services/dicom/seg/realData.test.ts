/**
 * The SEG reader on segmentations written by other tools (dcmqi/3D Slicer, highdicom),
 * against values computed independently (see ../shared/data/README.md).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../../../../core/api/types';
import { stackSlices } from '../../../../core/dicom/geometry';
import { autoBidirectional, maskHuStats, maskVolumeMl } from '../../../../core/segmentation';
import { decodeFile } from '../decode/index';
import { readDicomHeader } from '../header';
import { nrrdGeometry, parseNrrd, parseSeg, segFrameBits, segLabelMap, segMasksOnGrid, SegReadError, type SegDocument } from './index';

const DATA = join(__dirname, '..', '..', '..', '..', '..', 'shared', 'data');
const DCMQI = join(DATA, 'dcmqi');
const HIGHDICOM = join(DATA, 'highdicom');

interface Series {
  voxels: Int16Array;
  geometry: VolumeGeometry;
  frameOfReferenceUid: string;
  seriesInstanceUid: string;
}

/** The three GE slices decoded and stacked by position, independently of the library service. */
async function loadCt3(): Promise<Series> {
  const dir = join(DCMQI, 'ct-3slice');
  const slices = await Promise.all(
    readdirSync(dir).map(async (name) => {
      const bytes = readFileSync(join(dir, name));
      return { header: readDicomHeader(bytes, name), hu: (await decodeFile(bytes, { fileLabel: name })).frames[0] };
    }),
  );
  const stack = stackSlices(slices, (s) => s.header.frames[0]);
  const [nx, ny, nz] = stack.geometry.dims;
  const voxels = new Int16Array(nx * ny * nz);
  stack.ordered.forEach((s, k) => voxels.set(s.hu, k * nx * ny));
  return { voxels, geometry: stack.geometry, frameOfReferenceUid: slices[0].header.frameOfReferenceUid, seriesInstanceUid: slices[0].header.seriesInstanceUid };
}

const readSeg = (dir: string, name: string): SegDocument => parseSeg(readFileSync(join(dir, name)), name);

let ct: Series;
beforeAll(async () => {
  ct = await loadCt3();
});

describe('dcmqi liver.dcm on ct-3slice', () => {
  it('reads the segment: Liver, SRT Tissue / Liver, semi-automatic (Slicer Editor)', () => {
    const doc = readSeg(DCMQI, 'liver.dcm');
    expect(doc).toMatchObject({ segmentationType: 'BINARY', rows: 512, columns: 512, bitsAllocated: 1, frameOfReferenceUid: ct.frameOfReferenceUid });
    expect(doc.referencedSeriesInstanceUids).toEqual([ct.seriesInstanceUid]);
    expect(doc.segments).toEqual([
      expect.objectContaining({
        segmentNumber: 1,
        label: 'Liver',
        algorithmType: 'SEMIAUTOMATIC',
        algorithmName: 'SlicerEditor',
        category: { codeValue: 'T-D0050', codingSchemeDesignator: 'SRT', codeMeaning: 'Tissue' },
        type: { codeValue: 'T-62000', codingSchemeDesignator: 'SRT', codeMeaning: 'Liver' },
      }),
    ]);
    expect(doc.frames.map((f) => f.positionMm[2])).toEqual([-128.69, -127.69, -126.69]);
  });

  it('volume 70361.9 mm³ ± 0.1 %, mean 37.3289 HU, SD 59.1691 HU (n−1), min −778, max 221', () => {
    const doc = readSeg(DCMQI, 'liver.dcm');
    const placed = segMasksOnGrid(doc, { geometry: ct.geometry, frameOfReferenceUid: ct.frameOfReferenceUid, seriesInstanceUid: ct.seriesInstanceUid });
    expect(placed.warnings).toEqual([]);
    const liver = placed.segments[0];
    expect(liver.slices).toEqual([0, 1, 2]);
    const volumeMm3 = maskVolumeMl(liver.mask, ct.geometry) * 1000;
    expect(Math.abs(volumeMm3 - 70361.9) / 70361.9).toBeLessThan(0.001);
    expect(volumeMm3).toBeCloseTo(70361.9, 0);
    const hu = maskHuStats(ct.voxels, liver.mask);
    expect(hu.meanHu).toBeCloseTo(37.3289, 4);
    expect(hu.sdHu).toBeCloseTo(59.1691, 4);
    expect(hu.minHu).toBe(-778);
    expect(hu.maxHu).toBe(221);
    expect(hu.voxelCount).toBe(liver.voxelCount);
    // A liver slice is a large concave outline: the axes are plausible for an adult liver section.
    const b = autoBidirectional(liver.mask, ct.geometry)!;
    expect(b.longAxisMm).toBeGreaterThan(150);
    expect(b.shortAxisMm).toBeGreaterThan(50);
    expect(b.shortAxisMm).toBeLessThan(b.longAxisMm);
  });

  it('equals liver_seg.nrrd (the same mask as a label map) voxel for voxel, on the same grid', () => {
    const nrrd = parseNrrd(readFileSync(join(DCMQI, 'liver_seg.nrrd')), 'liver_seg.nrrd');
    expect(nrrd).toMatchObject({ type: 'int16', sizes: [512, 512, 3], space: 'left-posterior-superior' });
    const g = nrrdGeometry(nrrd, 'liver_seg.nrrd');
    for (let a = 0; a < 3; a++) {
      expect(g.dims[a]).toBe(ct.geometry.dims[a]);
      expect(g.spacingMm[a]).toBeCloseTo(ct.geometry.spacingMm[a], 5);
      expect(g.originMm[a]).toBeCloseTo(ct.geometry.originMm[a], 5);
    }
    expect(g.direction).toEqual(ct.geometry.direction);
    const mask = segMasksOnGrid(readSeg(DCMQI, 'liver.dcm'), { geometry: ct.geometry }).segments[0].mask;
    let inside = 0;
    let differ = 0;
    for (let p = 0; p < mask.length; p++) {
      if (nrrd.data[p] !== 0) inside++;
      if ((nrrd.data[p] !== 0 ? 1 : 0) !== mask[p]) differ++;
    }
    expect(new Set(nrrd.data)).toEqual(new Set([0, 1]));
    expect(inside).toBe(107098);
    expect(differ).toBe(0);
  });
});

describe('dcmqi partial_overlaps.dcm', () => {
  it('gives each of its five overlapping segments its own mask; a label map refuses them', () => {
    const doc = readSeg(DCMQI, 'partial_overlaps.dcm');
    expect(doc.segments.map((s) => [s.segmentNumber, s.label, s.type?.codeMeaning])).toEqual([
      [1, 'GREEN', 'Tissue'],
      [2, 'ORANGE', 'Artery'],
      [3, 'PURPLE', 'Capillary'],
      [4, 'LIGHT_BLUE', 'Edema'],
      [5, 'DARK_BLUE', 'Vein'],
    ]);
    const placed = segMasksOnGrid(doc, { geometry: ct.geometry, frameOfReferenceUid: ct.frameOfReferenceUid });
    expect(placed.warnings).toEqual([]);
    // Independent count: 512×512 frames are whole bytes, so each frame's set bits are a popcount.
    const popcount = (f: number) => {
      let n = 0;
      for (const byte of doc.pixelData.subarray(f * 32768, (f + 1) * 32768)) for (let b = byte; b; b &= b - 1) n++;
      return n;
    };
    for (const s of placed.segments) {
      const own = doc.frames.filter((f) => f.segmentNumber === s.segment.segmentNumber);
      expect(s.voxelCount).toBe(own.reduce((n, f) => n + popcount(f.index), 0));
      expect(s.frameCount).toBe(own.length);
    }
    expect(placed.segments.map((s) => s.slices)).toEqual([[1], [1], [0, 1, 2], [0], [0]]);
    const [green, orange] = placed.segments;
    let overlap = 0;
    for (let p = 0; p < green.mask.length; p++) if (green.mask[p] && orange.mask[p]) overlap++;
    expect(overlap).toBeGreaterThan(0);
    expect(overlap).toBeLessThan(Math.min(green.voxelCount, orange.voxelCount));
    expect(() => segLabelMap(doc, { geometry: ct.geometry })).toThrow(/segments 1 \("GREEN"\) and 2 \("ORANGE"\) overlap/);
  });
});

describe('highdicom SEG variants', () => {
  // The SEGs segment a 16×16 CT series (instances …0.93–0.96) that is not in the test data;
  // ct_image.dcm is another image (128×128, its own frame of reference). The grid below is
  // that series' grid as the SEG frames give it: 0.488281 mm pixels, slices 1.25 mm apart.
  const seriesGrid = (firstZ: number, slices: number): VolumeGeometry => ({
    dims: [16, 16, slices],
    spacingMm: [0.488281, 0.488281, 1.25],
    originMm: [-125, -128.100006, firstZ],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  });
  const perSlice = (mask: Uint8Array) => [0, 1, 2].map((k) => mask.subarray(k * 256, (k + 1) * 256).reduce((a, b) => a + b, 0));

  it('binary: one "Bone" segment (automatic), 127, 256 and 255 pixels on its three slices', () => {
    const doc = readSeg(HIGHDICOM, 'seg_image_ct_binary.dcm');
    expect(doc.segments[0]).toMatchObject({ segmentNumber: 1, label: 'first segment', algorithmType: 'AUTOMATIC', type: { codeValue: '272673000', codeMeaning: 'Bone' } });
    expect(doc.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    const { segments } = segMasksOnGrid(doc, { geometry: seriesGrid(103.019997, 3), frameOfReferenceUid: doc.frameOfReferenceUid });
    expect(perSlice(segments[0].mask)).toEqual([127, 256, 255]);
  });

  it('fractional variants threshold at half of MaximumFractionalValue to the binary mask', () => {
    const binary = segMasksOnGrid(readSeg(HIGHDICOM, 'seg_image_ct_binary.dcm'), { geometry: seriesGrid(103.019997, 3) }).segments[0].mask;
    for (const name of ['seg_image_ct_binary_fractional.dcm', 'seg_image_ct_true_fractional.dcm']) {
      const doc = readSeg(HIGHDICOM, name);
      expect(doc).toMatchObject({ segmentationType: 'FRACTIONAL', fractionalType: 'PROBABILITY', maxFractionalValue: 255, bitsAllocated: 8 });
      expect(segMasksOnGrid(doc, { geometry: seriesGrid(103.019997, 3) }).segments[0].mask, name).toEqual(binary);
    }
    // The "true" fractional one stores 128/255 (0.502, inside) and 64/255 (0.25, outside).
    const values = readSeg(HIGHDICOM, 'seg_image_ct_true_fractional.dcm').pixelData.subarray(0, 768);
    expect(new Set(values)).toEqual(new Set([0, 64, 128]));
    expect(values.filter((v) => v === 128).length).toBe(127 + 256 + 255);
  });

  it('overlap: two segments with their own masks on a series with a gap; frames off a 3-slice grid are refused', () => {
    const doc = readSeg(HIGHDICOM, 'seg_image_ct_binary_overlap.dcm');
    expect(doc.frames.map((f) => [f.segmentNumber, f.positionMm[2]])).toEqual([
      [1, -99.480003], [1, 103.019997], [1, 104.269997], [1, 105.519997],
      [2, -99.480003], [2, 103.019997], [2, 104.269997], [2, 105.519997],
    ]);
    // Its first source image lies 202.5 mm (162 slices) below the other three.
    const { segments } = segMasksOnGrid(doc, { geometry: seriesGrid(-99.480003, 165) });
    expect(segments.map((s) => [s.segment.label, s.voxelCount, s.slices])).toEqual([
      ['first segment', 64, [0, 162, 163, 164]],
      ['second segment', 16, [0, 162, 163, 164]],
    ]);
    for (let p = 0; p < segments[1].mask.length; p++) if (segments[1].mask[p]) expect(segments[0].mask[p]).toBe(1);
    const e = (() => {
      try {
        segMasksOnGrid(doc, { geometry: seriesGrid(103.019997, 3) });
      } catch (error) {
        return error as SegReadError;
      }
    })();
    expect(e?.code).toBe('off-grid');
    expect(e?.message).toMatch(/^seg_image_ct_binary_overlap\.dcm: frame 1 \(segment 1\) at \[-125, -128\.1, -99\.48\] mm is not on a slice of the series/);
  });

  it('refuses ct_image.dcm, which is not the series these SEGs were made from', () => {
    const bytes = readFileSync(join(HIGHDICOM, 'ct_image.dcm'));
    const header = readDicomHeader(bytes, 'ct_image.dcm');
    const geometry = stackSlices([header.frames[0]], (p) => p).geometry;
    const doc = readSeg(HIGHDICOM, 'seg_image_ct_binary.dcm');
    expect(() => segMasksOnGrid(doc, { geometry, frameOfReferenceUid: header.frameOfReferenceUid })).toThrow(/its frame of reference \(1\.3\.6\.1\.4\.1\.5962\.1\.1\.0\.0\.0\.1196530851\.28319\.0\.4\) is not the series'/);
    expect(() => segMasksOnGrid(doc, { geometry })).toThrow(/frame 1 \(segment 1\) has pixel spacing 0\.488\\0\.488 mm but the series has 0\.661\\0\.661 mm/);
  });

  it('segFrameBits of the binary and fractional files agree frame by frame', () => {
    const a = readSeg(HIGHDICOM, 'seg_image_ct_binary.dcm');
    const b = readSeg(HIGHDICOM, 'seg_image_ct_binary_fractional.dcm');
    for (let f = 0; f < 3; f++) expect(segFrameBits(b, f)).toEqual(segFrameBits(a, f));
  });
});
