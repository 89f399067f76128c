import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSlice } from './dicomTestUtils';
import { type GeneratedPatient, type PhantomOptions, generatePatient } from './phantom';
import { type WrittenPatient, sliceFileName, writePatient } from './writeSeries';

const root = mkdtempSync(join(tmpdir(), 'lgp-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SMALL: PhantomOptions = { seed: 'w1', size: 128, slices: 60, timepoints: 2 };
const UID = /^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/;

function hashTree(dir: string): string {
  const h = createHash('sha256');
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }).sort((a, b) =>
    join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)),
  )) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    h.update(path.slice(dir.length)).update(readFileSync(path));
  }
  return h.digest('hex');
}

let written: WrittenPatient;
let generated: GeneratedPatient;
beforeAll(async () => {
  written = await writePatient(join(root, 'a'), { ...SMALL, writeLabels: true });
  generated = generatePatient(SMALL);
});

describe('writePatient: files and tags', () => {
  it('writes one CT Image Storage file per slice with the declared geometry', () => {
    expect(written.fileCount).toBe(120);
    expect(written.seriesDirs).toHaveLength(2);
    for (const [t, dir] of written.seriesDirs.entries()) {
      const tp = written.truth.timepoints[t];
      const files = readdirSync(dir).sort();
      expect(files).toHaveLength(60);
      const zs: number[] = [];
      for (const file of files) {
        const { dataset: d, meta, dict } = readSlice(join(dir, file));
        expect((meta['00020010'].Value ?? [])[0]).toBe('1.2.840.10008.1.2.1');
        expect((meta['00020002'].Value ?? [])[0]).toBe('1.2.840.10008.5.1.4.1.1.2');
        expect(d.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.2');
        expect((meta['00020003'].Value ?? [])[0]).toBe(d.SOPInstanceUID);
        expect(d.Modality).toBe('CT');
        expect(d.Manufacturer).toBe('Longitude phantom');
        expect(d.StudyInstanceUID).toBe(tp.studyInstanceUid);
        expect(d.SeriesInstanceUID).toBe(tp.seriesInstanceUid);
        expect(d.FrameOfReferenceUID).toBe(tp.frameOfReferenceUid);
        for (const uid of [d.StudyInstanceUID, d.SeriesInstanceUID, d.SOPInstanceUID, d.FrameOfReferenceUID]) {
          expect(uid).toMatch(UID);
          expect(String(uid).length).toBeLessThanOrEqual(64);
        }
        expect(d.StudyDate).toBe(tp.studyDate);
        expect(d.SeriesDate).toBe(tp.studyDate);
        expect(d.StudyTime).toBe(tp.studyTime);
        expect(d.PatientID).toBe(written.truth.patient.patientId);
        expect(d.PatientBirthDate).toBe(written.truth.patient.birthDate);
        expect(d.PatientSex).toBe(written.truth.patient.sex);
        expect(d.Rows).toBe(128);
        expect(d.Columns).toBe(128);
        expect(d.PixelSpacing).toEqual([380 / 128, 380 / 128]);
        expect(d.ImageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
        expect(d.SliceThickness).toBe(2.5);
        expect(d.BitsAllocated).toBe(16);
        expect(d.BitsStored).toBe(16);
        expect(d.HighBit).toBe(15);
        expect(d.PixelRepresentation).toBe(1);
        expect(d.RescaleIntercept).toBe(0);
        expect(d.RescaleSlope).toBe(1);
        expect(d.WindowCenter).toBe(40);
        expect(d.WindowWidth).toBe(400);
        expect(d.PhotometricInterpretation).toBe('MONOCHROME2');
        expect(d.SamplesPerPixel).toBe(1);
        expect(dict['7FE00010'].vr).toBe('OW');
        expect(file).toBe(sliceFileName(d.InstanceNumber as number));
        const ipp = d.ImagePositionPatient as number[];
        expect(ipp.slice(0, 2)).toEqual(tp.geometry.originMm.slice(0, 2));
        expect(d.SliceLocation).toBe(ipp[2]);
        zs.push(ipp[2]);
      }
      // IM0001 is the most superior slice; positions step by the slice interval,
      // which is not the SliceThickness written.
      for (let i = 1; i < zs.length; i++) expect(zs[i - 1] - zs[i]).toBeCloseTo(2, 9);
      expect(Math.min(...zs)).toBeCloseTo(tp.geometry.originMm[2], 9);
    }
    const uids = written.truth.timepoints.flatMap((tp) => [tp.studyInstanceUid, tp.seriesInstanceUid, tp.frameOfReferenceUid]);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('stores exactly the HU of the generated volume, signed 16-bit or unsigned 12-bit with intercept −1024', async () => {
    const unsigned = await writePatient(join(root, 'u'), { ...SMALL, pixelEncoding: 'unsigned', bitsStored: 12 });
    for (const [run, encoding] of [
      [written, 'signed'],
      [unsigned, 'unsigned'],
    ] as const) {
      for (const [t, dir] of run.seriesDirs.entries()) {
        const tp = generated.timepoints[t];
        const [nx, ny, nz] = tp.geometry.dims;
        for (const k of [0, 17, 30, nz - 1]) {
          const slice = readSlice(join(dir, sliceFileName(nz - k)));
          expect(slice.dataset.PixelRepresentation).toBe(encoding === 'signed' ? 1 : 0);
          expect(slice.dataset.RescaleIntercept).toBe(encoding === 'signed' ? 0 : -1024);
          const expected = tp.volume.subarray(k * nx * ny, (k + 1) * nx * ny);
          expect(Array.from(slice.hu)).toEqual(Array.from(expected));
        }
      }
    }
  });

  it('writes truth.json equal to the in-memory truth, with raw label maps', () => {
    const onDisk = JSON.parse(readFileSync(written.truthPath, 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(written.truth)));
    expect(written.truth.timepoints.map((t) => ({ ...t, labelsFile: null }))).toEqual(generated.truth.timepoints);
    for (const [t, tp] of written.truth.timepoints.entries()) {
      const labels = readFileSync(join(written.patientDir, tp.labelsFile!));
      expect(Buffer.from(generated.timepoints[t].labels.buffer).equals(labels)).toBe(true);
    }
  });
});

describe('writePatient: reproducibility', () => {
  it('writes identical bytes for the same seed, with one worker or two', async () => {
    const again = await writePatient(join(root, 'b'), { ...SMALL, writeLabels: true });
    const parallel = await writePatient(join(root, 'c'), { ...SMALL, writeLabels: true, workers: 2 });
    const reference = hashTree(written.patientDir);
    expect(hashTree(again.patientDir)).toBe(reference);
    expect(hashTree(parallel.patientDir)).toBe(reference);
  });
});

describe('writePatient: DICOM conformance (dciodvfy)', () => {
  const dciodvfy = spawnSync('dciodvfy', [], { encoding: 'utf8' });
  const available = !dciodvfy.error;
  if (!available) console.warn('dciodvfy (dicom3tools) is not on the PATH: skipping the IOD conformance test');

  it.skipIf(!available)('reports no errors for a CT slice of either pixel encoding', async () => {
    const unsigned12 = await writePatient(join(root, 'v'), { ...SMALL, timepoints: 1, pixelEncoding: 'unsigned', bitsStored: 12 });
    for (const file of [join(written.seriesDirs[1], sliceFileName(30)), join(unsigned12.seriesDirs[0], sliceFileName(1))]) {
      const result = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
      const output = `${result.stdout}${result.stderr}`;
      expect(output).toMatch(/CTImage/);
      expect(output.split('\n').filter((line) => line.startsWith('Error'))).toEqual([]);
    }
  });
});
