import dcmjs from 'dcmjs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mat3, Vec3, VolumeGeometry } from '../../../core/api/types';
import { indexToLps } from '../../../core/dicom/geometry';
import { NiftiError, gridMapping, parseNifti1, reorientToGrid, serializeNifti1, type NiftiVolume } from '../../../core/nifti';
import { decodeFile } from '../dicom/decode';
import { isGzip, readNiftiFile, writeNiftiGz } from './niftiFile';

// shared/ sits beside the project root (see shared/data/README.md).
const DATA = fileURLToPath(new URL('../../../../shared/data', import.meta.url));
const TOTALSEG_NII = join(DATA, 'totalsegmentator/example_seg_dicom.nii.gz');
const TOTALSEG_DICOM = join(DATA, 'totalsegmentator/example_ct_dicom');

/**
 * TotalSegmentator v2 "total" task label names (wasserth/TotalSegmentator,
 * totalsegmentator/map_to_binary.py, class_map["total"]) for the labels this file holds.
 */
const TOTAL_V2: Record<number, string> = {
  1: 'spleen', 5: 'liver', 6: 'stomach', 7: 'pancreas', 8: 'adrenal_gland_right', 20: 'colon',
  32: 'vertebrae_T12', 33: 'vertebrae_T11', 52: 'aorta', 63: 'inferior_vena_cava', 64: 'portal_vein_and_splenic_vein',
  69: 'humerus_left', 70: 'humerus_right', 79: 'spinal_cord', 86: 'autochthon_left', 87: 'autochthon_right',
  97: 'rib_left_6', 98: 'rib_left_7', 99: 'rib_left_8', 100: 'rib_left_9', 101: 'rib_left_10', 102: 'rib_left_11', 103: 'rib_left_12',
  109: 'rib_right_6', 110: 'rib_right_7', 111: 'rib_right_8', 112: 'rib_right_9', 113: 'rib_right_10', 114: 'rib_right_11', 115: 'rib_right_12',
  117: 'costal_cartilages',
};

interface DicomSlice {
  file: string;
  position: Vec3;
  bytes: Uint8Array;
}

/** The series' grid from its headers, computed here from first principles (not core/dicom's stackSlices). */
function dicomGeometry(): { geometry: VolumeGeometry; slices: DicomSlice[] } {
  let orientation: number[] = [];
  let pixelSpacing: number[] = [];
  let rows = 0;
  let columns = 0;
  const slices: DicomSlice[] = [];
  for (const file of readdirSync(TOTALSEG_DICOM)) {
    const buf = readFileSync(join(TOTALSEG_DICOM, file));
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    const message = dcmjs.data.DicomMessage.readFile(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
    orientation = ds.ImageOrientationPatient.map(Number);
    pixelSpacing = ds.PixelSpacing.map(Number);
    rows = ds.Rows;
    columns = ds.Columns;
    slices.push({ file, position: ds.ImagePositionPatient.map(Number) as Vec3, bytes });
  }
  const row: Vec3 = [orientation[0], orientation[1], orientation[2]];
  const col: Vec3 = [orientation[3], orientation[4], orientation[5]];
  const normal: Vec3 = [row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2], row[0] * col[1] - row[1] * col[0]];
  const along = (p: Vec3): number => p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
  slices.sort((a, b) => along(a.position) - along(b.position));
  const intervals = slices.slice(1).map((s, n) => along(s.position) - along(slices[n].position));
  const sliceSpacing = (along(slices[slices.length - 1].position) - along(slices[0].position)) / (slices.length - 1);
  for (const d of intervals) expect(Math.abs(d - sliceSpacing)).toBeLessThan(1e-3); // evenly spaced
  return {
    geometry: {
      dims: [columns, rows, slices.length],
      // PixelSpacing is [between rows, between columns] = [along j, along i].
      spacingMm: [pixelSpacing[1], pixelSpacing[0], sliceSpacing],
      originMm: slices[0].position,
      direction: [...row, ...col, ...normal] as Mat3,
    },
    slices,
  };
}

describe('readNiftiFile on TotalSegmentator output (real data)', () => {
  let nifti: NiftiVolume;
  let dicom: { geometry: VolumeGeometry; slices: DicomSlice[] };
  beforeAll(async () => {
    nifti = await readNiftiFile(TOTALSEG_NII);
    dicom = dicomGeometry();
  });

  it('reads the gzip-compressed label map: 512×512×20 uint8, geometry from the sform', () => {
    expect(nifti.dims).toEqual([512, 512, 20]);
    expect(nifti.datatype).toBe('uint8');
    expect(nifti.geometrySource).toBe('sform');
    expect(nifti.littleEndian).toBe(true);
    expect(nifti.scaling).toBeNull(); // scl_slope 1, scl_inter 0
    expect(nifti.data.length).toBe(512 * 512 * 20);
  });

  it('lies on the DICOM series grid: same spacing and voxel centres, with the j (row) axis reversed', () => {
    const n = nifti.geometry;
    const d = dicom.geometry;
    expect(d.dims).toEqual([512, 512, 20]);
    for (let a = 0; a < 3; a++) expect(Math.abs(n.spacingMm[a] - d.spacingMm[a])).toBeLessThan(0.01);
    expect(d.spacingMm).toEqual([0.9765625, 0.9765625, 2]);
    const axis = (g: VolumeGeometry, a: number): number[] => g.direction.slice(3 * a, 3 * a + 3);
    // i (columns) and k (slices) run the same way in both; j runs bottom-up in the NIfTI (RAS-style y).
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(axis(n, 0)[c] - axis(d, 0)[c])).toBeLessThan(1e-4);
      expect(Math.abs(axis(n, 1)[c] + axis(d, 1)[c])).toBeLessThan(1e-4);
      expect(Math.abs(axis(n, 2)[c] - axis(d, 2)[c])).toBeLessThan(1e-4);
    }
    // First slice position (DICOM origin) = the NIfTI's voxel (0, 511, 0); the NIfTI origin = DICOM voxel (0, 511, 0).
    const near = (p: Vec3, q: Vec3): boolean => p.every((v, c) => Math.abs(v - q[c]) < 0.01);
    expect(near(indexToLps(n, [0, 511, 0]), d.originMm)).toBe(true);
    expect(near(n.originMm, indexToLps(d, [0, 511, 0]))).toBe(true);
    for (const [i, j, k] of [[0, 0, 0], [511, 0, 19], [100, 200, 7], [511, 511, 19]] as Vec3[]) {
      expect(near(indexToLps(n, [i, 511 - j, k]), indexToLps(d, [i, j, k]))).toBe(true);
    }
    expect(gridMapping(n, d, 0.01, 1e-4)).toEqual({ axis: [0, 1, 2], sign: [1, -1, 1] });
  });

  it('holds 31 TotalSegmentator v2 labels; on the DICOM grid they sit where the anatomy is', async () => {
    const counts = new Map<number, number>();
    for (const v of nifti.data) counts.set(v, (counts.get(v) ?? 0) + 1);
    const labels = [...counts.keys()].filter((l) => l !== 0).sort((a, b) => a - b);
    expect(labels).toEqual(Object.keys(TOTAL_V2).map(Number));
    expect(counts.get(5)).toBe(366708); // liver, the largest organ here
    expect(counts.get(1)).toBe(130634); // spleen

    const labelsOnDicom = reorientToGrid(nifti.data, nifti.geometry, dicom.geometry);
    const g = dicom.geometry;
    // Mean LPS position per label.
    const sum = new Map<number, [number, number, number, number]>();
    for (let k = 0, p = 0; k < 20; k++)
      for (let j = 0; j < 512; j++)
        for (let i = 0; i < 512; i++, p++) {
          const l = labelsOnDicom[p];
          if (l === 0) continue;
          const s = sum.get(l) ?? [0, 0, 0, 0];
          s[0] += i; s[1] += j; s[2] += k; s[3]++;
          sum.set(l, s);
        }
    const centre = (l: number): Vec3 => {
      const s = sum.get(l)!;
      return indexToLps(g, [s[0] / s[3], s[1] / s[3], s[2] / s[3]]);
    };
    // LPS: +x is the patient's left, +y posterior.
    expect(centre(5)[0]).toBeLessThan(centre(1)[0]); // liver right of spleen
    expect(centre(70)[0]).toBeLessThan(centre(69)[0]); // right humerus right of left
    expect(centre(87)[0]).toBeLessThan(centre(86)[0]); // autochthon right / left
    expect(centre(52)[1]).toBeLessThan(centre(32)[1]); // aorta in front of T12
    expect(centre(6)[1]).toBeLessThan(centre(79)[1]); // stomach in front of the spinal cord
    expect(centre(33)[2]).toBeGreaterThan(centre(32)[2]); // T11 above T12

    // The CT under the labels (decoded JPEG 2000, HU): liver parenchyma and bone.
    const hu = new Int16Array(512 * 512 * 20);
    for (let k = 0; k < 20; k++) {
      const frames = await decodeFile(dicom.slices[k].bytes, { fileLabel: dicom.slices[k].file });
      hu.set(frames.frames[0], k * 512 * 512);
    }
    const meanHu = (labelMap: ArrayLike<number>, label: number): number => {
      let s = 0, n = 0;
      for (let p = 0; p < hu.length; p++) if (labelMap[p] === label) { s += hu[p]; n++; }
      return s / n;
    };
    // Contrast-enhanced liver ≈ 90 HU, T12 bone ≈ 270 HU, contrast-filled aorta ≈ 180 HU.
    const liver = meanHu(labelsOnDicom, 5);
    expect(liver).toBeGreaterThan(40);
    expect(liver).toBeLessThan(200);
    expect(meanHu(labelsOnDicom, 32)).toBeGreaterThan(150);
    expect(meanHu(labelsOnDicom, 52)).toBeGreaterThan(120);
    // Laid on the CT without undoing the row flip, the "liver" averages below 0 HU (fat, air): the flip matters.
    expect(meanHu(nifti.data, 5)).toBeLessThan(0);

    // Written back as .nii.gz on the DICOM grid, it reads back as that grid, label for label.
    const out = join(dir, 'totalseg_on_dicom_grid.nii.gz');
    await writeNiftiGz(out, labelsOnDicom, g, { description: 'TotalSegmentator total v2 on the DICOM grid' });
    const back = await readNiftiFile(out);
    expect(back.data).toBeInstanceOf(Uint8Array);
    // Buffer.compare, not toEqual: a deep equality over 5 million elements takes ~20 s.
    expect(Buffer.compare(back.data as Uint8Array, labelsOnDicom as Uint8Array)).toBe(0);
    for (let a = 0; a < 3; a++) {
      expect(Math.abs(back.geometry.spacingMm[a] - g.spacingMm[a])).toBeLessThan(1e-4);
      expect(Math.abs(back.geometry.originMm[a] - g.originMm[a])).toBeLessThan(1e-4);
    }
    back.geometry.direction.forEach((v, c) => expect(Math.abs(v - g.direction[c])).toBeLessThan(1e-6));
  });
});

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'longitude-nifti-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readNiftiFile / writeNiftiGz', () => {
  const geometry: VolumeGeometry = { dims: [4, 3, 2], spacingMm: [0.8, 0.8, 2.5], originMm: [-120.5, 80.25, -300], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const labels = Uint8Array.from({ length: 24 }, (_, n) => n % 4);

  it('writes gzip (magic 1f 8b), atomically, and reads it back', async () => {
    const path = join(dir, 'mask.nii.gz');
    await writeNiftiGz(path, labels, geometry);
    const raw = readFileSync(path);
    expect(isGzip(raw)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const back = await readNiftiFile(path);
    expect(back.data).toEqual(labels);
    expect(back.geometry.originMm).toEqual([-120.5, 80.25, -300]);
    expect(back.geometry.spacingMm.map((s) => Math.fround(s))).toEqual([Math.fround(0.8), Math.fround(0.8), 2.5]);
  });

  it('detects compression by content, not by name', async () => {
    const plain = serializeNifti1(labels, geometry);
    const gzNamedNii = join(dir, 'compressed-but-named.nii');
    const niiNamedGz = join(dir, 'plain-but-named.nii.gz');
    writeFileSync(gzNamedNii, gzipSync(plain));
    writeFileSync(niiNamedGz, plain);
    expect((await readNiftiFile(gzNamedNii)).data).toEqual(labels);
    expect((await readNiftiFile(niiNamedGz)).data).toEqual(labels);
    expect(parseNifti1(gunzipSync(readFileSync(gzNamedNii))).data).toEqual(labels);
  });

  it('errors name the file and the reason', async () => {
    const missing = join(dir, 'missing.nii.gz');
    await expect(readNiftiFile(missing)).rejects.toThrow(`${missing}: cannot read the file`);
    const truncated = join(dir, 'truncated.nii.gz');
    writeFileSync(truncated, gzipSync(serializeNifti1(labels, geometry)).subarray(0, 40));
    await expect(readNiftiFile(truncated)).rejects.toThrow(`${truncated}: the gzip data is damaged or truncated`);
    const short = join(dir, 'short.nii');
    writeFileSync(short, serializeNifti1(labels, geometry).subarray(0, 360));
    await expect(readNiftiFile(short)).rejects.toThrow(NiftiError);
    await expect(readNiftiFile(short)).rejects.toThrow(`${short}: data shorter than the header says`);
    await expect(writeNiftiGz(join(dir, 'mask.nii'), labels, geometry)).rejects.toThrow(/should be named \*\.nii\.gz/);
    const tilted: VolumeGeometry = { ...geometry, direction: [1, 0, 0, 0, 1, 0, 0, 0.5, Math.sqrt(0.75)] };
    await expect(writeNiftiGz(join(dir, 'tilted.nii.gz'), labels, tilted)).rejects.toThrow(/tilted\.nii\.gz: axes j and k .* sheared grid/);
  });
});
