/**
 * DICOM SEG out, checked the way another system would read it: on the real GE CT of
 * ../shared/data (with dcmqi's liver segmentation placed on it as the liver mask) and on a
 * phantom whose rows × columns is not a multiple of 8. dicom3tools' dciodvfy, dcmtk's dcmdump,
 * pydicom and our own reader read the file; masks come back voxel for voxel; a lesion's Tracking
 * UID is the same in every export.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../../../core/api/maskRle';
import { writePatient } from '../../../tools/phantom/index';
import { createApp, type App } from '../app';
import { parseSeg, segMasksOnGrid } from '../dicom/seg/index';
import { parseSr } from '../dicom/sr/readSr';
import { readMask } from '../segmentation/segmentationStore';
import { withReader } from '../session/readerContext';
import { ExportService } from './exportService';

const DATA = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data');
const PIXELMED = '/usr/share/java/pixelmed.jar';
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const pydicom = spawnSync('/usr/bin/python3', ['-c', 'import pydicom, numpy'], { encoding: 'utf8' }).status === 0;

let dir: string;
let app: App;
let exporter: ExportService;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lng-seg-out-'));
  app = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1 });
  exporter = new ExportService({ db: app.db, homeDir: app.homeDir, version: '0.1.0-test' });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** PixelMed's SR template validator (Debian libpixelmed-java), with the JDK's XPath limits lifted. */
function pixelmedSr(file: string): string {
  const out = spawnSync('java', ['-Djdk.xml.xpathExprOpLimit=0', '-Djdk.xml.xpathExprGrpLimit=0', '-Djdk.xml.xpathTotalOpLimit=0', '-cp', PIXELMED, 'com.pixelmed.validate.DicomSRValidator', file], { encoding: 'utf8' });
  return `${out.stdout}\n${out.stderr}`;
}

/** dciodvfy's error lines (warnings about the source's own attributes are not ours). */
function dciodvfyErrors(file: string): string[] {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^Error/.test(l));
}

describe('SEG out on the real GE CT with dcmqi’s liver', () => {
  let ctSeries: number;
  let studyRowId: number;
  let lesionId: number;
  let liverMask: Uint8Array;
  let lesionMask: Uint8Array;
  let file: string;

  beforeAll(async () => {
    const ctDir = join(dir, 'ct');
    mkdirSync(ctDir);
    for (const f of ['01.dcm', '02.dcm', '03.dcm']) copyFileSync(join(DATA, 'dcmqi', 'ct-3slice', f), join(ctDir, f));
    copyFileSync(join(DATA, 'dcmqi', 'liver.dcm'), join(ctDir, 'liver.dcm'));
    const report = await app.importPaths([ctDir]);
    expect(report.skipped).toBe(0);
    const patient = (await app.listPatients())[0];
    const study = (await app.listStudies(patient.id))[0];
    const all = await app.listSeries(study.id);
    const ct = await app.getSeries(all.find((s) => s.modality === 'CT')!.id);
    const seg = all.find((s) => s.modality === 'SEG')!;
    ctSeries = ct.id;
    studyRowId = study.id;
    const liver = await app.importSegSegment({ segSeriesId: seg.id, segmentNumber: 1, targetSeriesId: ctSeries, lesionId: null, structure: 'liver' });
    liverMask = readMask(app.db, app.homeDir, liver.id);
    // A lesion drawn by the reader on two slices.
    const lesion = await app.createLesion(patient.id, { site: 'liver', lesionType: 'metastasis', couinaudSegment: 'VII' });
    lesionId = lesion.id;
    lesionMask = new Uint8Array(liverMask.length);
    const [nx, ny] = ct.geometry.dims;
    for (let k = 0; k < 2; k++) for (let y = 250; y < 271; y++) for (let x = 300; x < 317; x++) lesionMask[k * nx * ny + y * nx + x] = 1;
    await app.saveSegmentation({ seriesId: ctSeries, lesionId, structure: 'lesion', mask: encodeMaskRle(lesionMask) });
    const result = await withReader({ name: 'Jones^Anne', id: 'AJ7' }, () => exporter.exportSeg({ studyRowId, outDir: join(dir, 'out') }));
    file = result.file;
    expect(result.segments.map((s) => [s.label, s.algorithmType, s.voxels])).toEqual([
      [lesion.label, 'MANUAL', 17 * 21 * 2],
      ['Liver', 'MANUAL', liverMask.reduce((n, v) => n + v, 0)],
    ]);
  }, 120_000);

  it.skipIf(!has('dciodvfy'))('passes dicom3tools dciodvfy without an error', () => {
    expect(dciodvfyErrors(file)).toEqual([]);
  });

  it.skipIf(!has('dcmdump'))('is read by dcmtk: the source patient, study and frame of reference, the segments with their tracking', () => {
    const dump = execFileSync('dcmdump', ['+P', 'PatientID', '+P', 'StudyInstanceUID', '+P', 'FrameOfReferenceUID', '+P', 'TrackingID', '+P', 'SegmentAlgorithmType', '+P', 'ContentCreatorName', file], { encoding: 'utf8' });
    const src = execFileSync('dcmdump', ['+P', 'PatientID', '+P', 'StudyInstanceUID', '+P', 'FrameOfReferenceUID', join(DATA, 'dcmqi', 'ct-3slice', '01.dcm')], { encoding: 'utf8' });
    for (const line of src.trim().split('\n')) expect(dump).toContain(line.replace(/#.*/, '').trim());
    expect(dump).toMatch(/TrackingID[\s\S]*Liver/);
    expect(dump).toContain('[Jones^Anne]');
  });

  it.skipIf(!pydicom)('is read by pydicom: frames only where a segment has voxels, 512 × 512, one bit per pixel', () => {
    const out = execFileSync(
      '/usr/bin/python3',
      ['-c', 'import sys,pydicom; d=pydicom.dcmread(sys.argv[1]); a=d.pixel_array; print(d.SOPClassUID.name, d.NumberOfFrames, d.BitsAllocated, a.shape[1], a.shape[2], int(a.sum()))', file],
      { encoding: 'utf8' },
    ).trim();
    const liverVoxels = liverMask.reduce((n, v) => n + v, 0);
    const liverSlices = [0, 1, 2].filter((k) => liverMask.subarray(k * 512 * 512, (k + 1) * 512 * 512).some((v) => v)).length;
    expect(out).toBe(`Segmentation Storage ${2 + liverSlices} 1 512 512 ${liverVoxels + 17 * 21 * 2}`);
  });

  it('reads back voxel for voxel on the CT, with the lesion’s label and Tracking UID', () => {
    const doc = parseSeg(readFileSync(file), file);
    const detail = app.volumes.seriesRow(ctSeries);
    const placed = segMasksOnGrid(doc, { geometry: detail.geometry!, frameOfReferenceUid: detail.frameOfReferenceUid, seriesInstanceUid: detail.seriesInstanceUid });
    expect(placed.segments.map((s) => s.segment.segmentNumber)).toEqual([1, 2]);
    expect(placed.segments[0].mask).toEqual(lesionMask);
    expect(placed.segments[1].mask).toEqual(liverMask);
    expect(doc.segments[0]).toMatchObject({
      label: 'L1',
      algorithmType: 'MANUAL',
      trackingId: 'L1',
      trackingUid: expect.stringMatching(/^2\.25\.\d+$/),
      type: { codeValue: '14799000', codingSchemeDesignator: 'SCT', codeMeaning: 'Neoplasm, metastatic' },
      anatomicRegion: { codeValue: '10200004', codingSchemeDesignator: 'SCT', codeMeaning: 'Liver' },
    });
    expect(doc.segments[1]).toMatchObject({ label: 'Liver', trackingId: 'Liver' });
  });

  it('gives a lesion the same Tracking UID in every export', async () => {
    const again = await exporter.exportSeg({ studyRowId, outDir: join(dir, 'out2') });
    const first = parseSeg(readFileSync(file), file);
    const second = parseSeg(readFileSync(again.file), again.file);
    const uid = (d: typeof first) => d.segments[0].trackingUid;
    const dumpUid = (f: string) => /\(0062,0021\) UI \[([0-9.]+)\]/.exec(execFileSync('dcmdump', [f], { encoding: 'utf8' }))?.[1];
    if (has('dcmdump')) expect(dumpUid(again.file)).toBe(dumpUid(file));
    expect(again.segments[0].trackingUid).toMatch(/^2\.25\.\d+$/);
    expect(uid(second)).toBe(uid(first));
    expect(again.sopInstanceUid).not.toBe(first.sopInstanceUid);
  });

  it('writes the exam’s TID 1500 report: validators find no error, and the lesion’s group carries its diameters, volume and the SEG’s Tracking UID', async () => {
    const g = app.volumes.seriesRow(ctSeries).geometry!;
    const at = (i: number, j: number, k: number): [number, number, number] => {
      const [sx, sy, sz] = g.spacingMm;
      const d = g.direction;
      return [0, 1, 2].map((a) => g.originMm[a] + d[a] * i * sx + d[3 + a] * j * sy + d[6 + a] * k * sz) as [number, number, number];
    };
    // A bidirectional across the painted lesion on slice 0: 20 rows long, 16 columns across.
    const m = await app.addMeasurement({ lesionId, seriesId: ctSeries, kind: 'bidirectional', pointsLps: [at(308, 250, 0), at(308, 270, 0), at(300, 260, 0), at(316, 260, 0)], sliceIndex: 0 });
    const r = await withReader({ name: 'Jones^Anne', id: 'AJ7' }, () => exporter.exportSr({ studyRowId, outDir: join(dir, 'sr') }));
    expect(r.groups).toEqual([expect.objectContaining({ label: 'L1', longAxisMm: m.longAxisMm, shortAxisMm: m.shortAxisMm, volumeMl: expect.closeTo(17 * 21 * 2 * g.spacingMm[0] * g.spacingMm[1] * g.spacingMm[2] / 1000, 6) })]);
    if (has('dciodvfy')) expect(dciodvfyErrors(r.file)).toEqual([]);
    if (has('dsrdump')) {
      const tree = execFileSync('dsrdump', [r.file], { encoding: 'utf8' });
      expect(tree).toContain('<has obs context PNAME:(,,"Person Observer Name")="Jones^Anne">');
      expect(tree).toContain(`<has obs context UIDREF:(,,"Tracking Unique Identifier")="${r.seg!.segments[0].trackingUid}">`);
      expect(tree).toContain(`<contains NUM:(,,"Long Axis")="${m.longAxisMm!.toPrecision(10).replace(/0+$/, '').replace(/\.$/, '')}"`);
      expect(tree).toContain('<has concept mod CODE:(,,"Measurement Method")=(126081,DCM,"RECIST 1.1")>');
      expect(tree).toMatch(/<contains IMAGE:\(,,"Referenced Segment"\)=\(SG image,,1\)>/);
    }
    if (existsSync(PIXELMED)) {
      // PixelMed picks TID 1410 for every group when the document has exactly one planar image
      // region (an XPath over the whole Imaging Measurements container), so a one-lesion report
      // with both kinds of group reads as errors there; every error it reports must be that one.
      const text = pixelmedSr(r.file);
      expect(text).toContain('Found Root Template TID_1500');
      expect(text.split('\n').filter((l) => l.startsWith('Error') && !/Template 1410 PlanarROIMeasurements.*within 1\.6\.2:.*Missing conditional content item/.test(l))).toEqual([]);
    }
    // Our own reader (the way back in) finds the same identity and numbers.
    const doc = parseSr(readFileSync(r.file), r.file);
    expect(doc.personObservers).toEqual(['Jones^Anne']);
    expect(doc.groups.map((x) => [x.trackingId, x.trackingUid])).toEqual([
      ['L1', r.seg!.segments[0].trackingUid],
      ['L1', r.seg!.segments[0].trackingUid],
    ]);
    const [planar, volumetric] = doc.groups;
    expect(planar.method).toMatchObject({ value: '126081', meaning: 'RECIST 1.1' });
    expect(planar.measurements.map((x) => [x.concept.value, x.value])).toEqual([
      ['103339001', Number(m.longAxisMm!.toPrecision(10))],
      ['103340004', Number(m.shortAxisMm!.toPrecision(10))],
    ]);
    expect(planar.region).toMatchObject({ type: 'POLYLINE', points: [308.5, 250.5, 308.5, 270.5] });
    expect(volumetric.referencedSegment).toMatchObject({ sopInstanceUid: r.seg!.sopInstanceUid, segmentNumber: 1 });
    if (pydicom) {
      const py = execFileSync('/usr/bin/python3', ['-c', 'import sys,pydicom; d=pydicom.dcmread(sys.argv[1]); print(d.SOPClassUID.name, d.ContentTemplateSequence[0].TemplateIdentifier, d.PatientID)', r.file], { encoding: 'utf8' }).trim();
      expect(py).toMatch(/^Comprehensive 3D SR Storage 1500 /);
    }
  });

  it('refuses an exam with no mask, naming it', async () => {
    await expect(exporter.exportSeg({ studyRowId: 999 })).rejects.toThrow(/study 999 has no image series/);
  });
});

describe('SEG out on a phantom of 101 × 101 pixels (not a multiple of 8): bits straddle bytes between frames', () => {
  it('round-trips every lesion mask exactly, with AUTOMATIC only where a model made it', async () => {
    const written = await writePatient(join(dir, 'phantom'), { seed: 'seg-odd', size: 101, slices: 24, sliceMm: 5, timepoints: 1, patientId: 'SEG-ODD', writeLabels: true });
    const report = await app.importPaths([written.seriesDirs[0]]);
    const series = await app.getSeries(report.series[0].id);
    const patientRowId = (await app.listPatients()).find((p) => p.patientId === 'SEG-ODD')!.id;
    const labels = new Uint8Array(readFileSync(join(written.patientDir, written.truth.timepoints[0].labelsFile!)));
    const masks: Uint8Array[] = [];
    for (const l of written.truth.timepoints[0].lesions) {
      const lesion = await app.createLesion(patientRowId, { site: 'liver', lesionType: l.type as 'metastasis' | 'cyst' });
      const mask = labels.map((v) => (v === l.labelValue ? 1 : 0));
      masks.push(mask);
      await app.saveSegmentation({ seriesId: series.id, lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(mask) });
    }
    const result = await exporter.exportSeg({ studyRowId: series.studyRowId, outDir: join(dir, 'odd') });
    const doc = parseSeg(readFileSync(result.file), result.file);
    expect([doc.rows, doc.columns]).toEqual([101, 101]);
    const detail = app.volumes.seriesRow(series.id);
    const placed = segMasksOnGrid(doc, { geometry: detail.geometry!, frameOfReferenceUid: detail.frameOfReferenceUid, seriesInstanceUid: detail.seriesInstanceUid });
    expect(placed.segments.map((s) => s.mask)).toEqual(masks);
    expect(result.segments.every((s) => s.algorithmType === 'MANUAL')).toBe(true);
    if (has('dciodvfy')) expect(dciodvfyErrors(result.file)).toEqual([]);
  }, 120_000);
});
