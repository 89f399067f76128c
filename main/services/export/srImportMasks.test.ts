/**
 * The SR import places the masks of the SEGs a report refers to: found by the SOP Instance UID its
 * volumetric groups reference, or (that SEG missing) a SEG of the same study whose segments carry
 * the report's Tracking UIDs; each on its lesion, on the CT the SEG was made on; never twice; and
 * not on a signed exam. Real third-party data: dcmqi's report with its SEG, made on PET images
 * that are not in shared/data, so its mask cannot be placed and says why.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../../../core/api/maskRle';
import type { LesionTable } from '../../../core/api/types';
import { writePatient } from '../../../tools/phantom/index';
import { createApp, type App } from '../app';
import { trackingUidOf } from '../lesions/lesionStore';
import { reopenExam, signExam } from '../lesions/signoffStore';
import { ExportService } from './exportService';
import { importSrMeasurements } from './srImport';

const DCMQI = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'dcmqi');
const dir = mkdtempSync(join(tmpdir(), 'lng-sr-masks-'));
const apps: App[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

function fresh(name: string): App {
  const app = createApp({ homeDir: join(dir, name), mode: 'serve', workers: 1 });
  apps.push(app);
  return app;
}

async function only<T>(list: Promise<T[]>, what: (x: T) => boolean): Promise<T> {
  const found = (await list).filter(what);
  expect(found).toHaveLength(1);
  return found[0];
}

const volumes = (t: LesionTable, app: App) =>
  Object.fromEntries(t.table.lesions.map((l) => [trackingUidOf(app.db, l.id), { label: l.label, ml: t.table.exams.map((e) => t.table.cells[l.id][e.studyRowId].volumeMl) }]));

/** One exam of a phantom patient, its lesions and liver masked from the ground truth, exported as SR + SEG and as a second SEG alone. */
let phantom: { ctDir: string; srFile: string; srSeg: string; otherSeg: string; laterSeg: string; extraUid: string; lesions: number; table: LesionTable; a: App };
beforeAll(async () => {
  const written = await writePatient(join(dir, 'phantom'), { seed: 'sr-masks', size: 96, slices: 32, sliceMm: 3, timepoints: 1, patientId: 'SRM-001', writeLabels: true });
  const a = fresh('a');
  await a.importPaths(written.seriesDirs);
  const patient = (await a.listPatients())[0];
  const study = (await a.listStudies(patient.id))[0];
  const ct = (await a.listSeries(study.id))[0];
  const labels = new Uint8Array(readFileSync(join(written.patientDir, written.truth.timepoints[0].labelsFile!)));
  const lesions = written.truth.timepoints[0].lesions;
  for (const l of lesions) {
    const lesion = await a.createLesion(patient.id, { site: 'liver', lesionType: l.type as 'metastasis' | 'cyst', recistRole: 'non-target' });
    const seg = await a.saveSegmentation({ seriesId: ct.id, lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(labels.map((v) => (v === l.labelValue ? 1 : 0))) });
    await a.measureFromMask(seg.id);
  }
  await a.saveSegmentation({ seriesId: ct.id, lesionId: null, structure: 'liver', mask: encodeMaskRle(labels.map((v) => (v > 0 ? 1 : 0))) });
  const exporter = new ExportService({ db: a.db, homeDir: a.homeDir, version: 'test' });
  const sr = await exporter.exportSr({ studyRowId: study.id, outDir: join(dir, 'out-sr') });
  const other = await exporter.exportSeg({ studyRowId: study.id, outDir: join(dir, 'out-seg') });
  const table = await a.getLesionTable(patient.id);
  // A later SEG of the exam with one more lesion, which the report does not know.
  const extra = await a.createLesion(patient.id, { site: 'liver', recistRole: 'non-target' });
  const cube = new Uint8Array(labels.length);
  for (let z = 10; z < 12; z++) for (let y = 40; y < 44; y++) for (let x = 40; x < 44; x++) cube[z * 96 * 96 + y * 96 + x] = 1;
  await a.saveSegmentation({ seriesId: ct.id, lesionId: extra.id, structure: 'lesion', mask: encodeMaskRle(cube) });
  const later = await exporter.exportSeg({ studyRowId: study.id, outDir: join(dir, 'out-later') });
  phantom = { ctDir: written.seriesDirs[0], srFile: sr.file, srSeg: sr.seg!.file, otherSeg: other.file, laterSeg: later.file, extraUid: trackingUidOf(a.db, extra.id), lesions: lesions.length, table, a };
}, 120_000);

describe('SR import: the masks of the SEGs a report refers to', () => {
  it('finds a SEG of the same study by Tracking UID when the one the report references is missing', async () => {
    const inDir = join(dir, 'in-same-study');
    mkdirSync(inDir);
    copyFileSync(phantom.srFile, join(inDir, 'sr.dcm'));
    copyFileSync(phantom.otherSeg, join(inDir, 'seg.dcm'));
    const b = fresh('same-study');
    expect((await b.importPaths([phantom.ctDir, inDir])).skipped).toBe(0);
    const patient = (await b.listPatients())[0];
    const study = (await b.listStudies(patient.id))[0];
    const sr = await only(b.listSeries(study.id), (s) => s.modality === 'SR');
    const seg = await only(b.listSeries(study.id), (s) => s.modality === 'SEG');
    const r = await b.importSrMeasurements({ seriesId: sr.id });
    expect(r.masks).toBe(phantom.lesions + 1);
    // The segmentation each volumetric group names is not here: said once per group.
    expect(r.skipped).toHaveLength(phantom.lesions);
    for (const line of r.skipped) expect(line).toMatch(/^L\d+: its mask is segment \d+ of a segmentation \(2\.25\.\d+\) that is not in the library$/);
    expect(volumes(await b.getLesionTable(patient.id), b)).toEqual(volumes(phantom.table, phantom.a));
    expect((await b.listSegmentations({ seriesId: (await only(b.listSeries(study.id), (s) => s.modality === 'CT')).id })).length).toBe(phantom.lesions + 1);
    // Again: nothing changes.
    expect(await b.importSrMeasurements({ seriesId: sr.id })).toMatchObject({ measurements: 0, masks: 0, lesionsCreated: [] });
    // The SEG placed by itself ("Place on CT") finds every mask already there.
    expect(await b.importSegMasks({ seriesId: seg.id })).toMatchObject({ masks: 0, lesionsCreated: [], skipped: [] });
  });

  it('places nothing on a signed exam (a conflict naming who signed), and places the masks once it is reopened', async () => {
    const inDir = join(dir, 'in-signed');
    mkdirSync(inDir);
    copyFileSync(phantom.srFile, join(inDir, 'sr.dcm'));
    copyFileSync(phantom.srSeg, join(inDir, 'seg.dcm'));
    const b = fresh('signed');
    await b.importPaths([phantom.ctDir, inDir]);
    const patient = (await b.listPatients())[0];
    const study = (await b.listStudies(patient.id))[0];
    const sr = await only(b.listSeries(study.id), (s) => s.modality === 'SR');
    const ct = await only(b.listSeries(study.id), (s) => s.modality === 'CT');
    // The measurements first (without masks), then the exam is signed.
    expect(importSrMeasurements(b.db, b.homeDir, sr.id)).toMatchObject({ lesionsCreated: expect.any(Array), masks: 0 });
    const summary = { date: null, sumMm: null, targetResponse: null, nonTargetResponse: null, overallResponse: null, newLesionIds: [], explanation: [] };
    signExam(b.db, study.id, summary);
    await expect(b.importSrMeasurements({ seriesId: sr.id })).rejects.toMatchObject({ kind: 'conflict', message: expect.stringMatching(/cannot place the masks of SEG series \d+: .* is locked/) });
    expect(await b.listSegmentations({ seriesId: ct.id })).toEqual([]);
    reopenExam(b.db, study.id, 'masks from the report');
    expect(await b.importSrMeasurements({ seriesId: sr.id })).toMatchObject({ masks: phantom.lesions + 1, skipped: [] });
    // Signed again: an import that changes nothing is not refused.
    signExam(b.db, study.id, summary);
    expect(await b.importSrMeasurements({ seriesId: sr.id })).toMatchObject({ measurements: 0, masks: 0, skipped: [] });
  });

  it('names a segment of another SEG of the study that is no lesion of the report, and places nothing twice', async () => {
    const inDir = join(dir, 'in-later');
    mkdirSync(inDir);
    copyFileSync(phantom.srFile, join(inDir, 'sr.dcm'));
    copyFileSync(phantom.srSeg, join(inDir, 'seg.dcm'));
    copyFileSync(phantom.laterSeg, join(inDir, 'later.dcm'));
    const b = fresh('later');
    await b.importPaths([phantom.ctDir, inDir]);
    const patient = (await b.listPatients())[0];
    const study = (await b.listStudies(patient.id))[0];
    const sr = await only(b.listSeries(study.id), (s) => s.modality === 'SR');
    const r = await b.importSrMeasurements({ seriesId: sr.id });
    expect(r.masks).toBe(phantom.lesions + 1);
    expect(r.skipped).toEqual([expect.stringMatching(new RegExp(`^segment ${phantom.lesions + 1} "L${phantom.lesions + 1}" of SEG series \\d+: no lesion of the patient and no group of the report has its Tracking UID ${phantom.extraUid.replace(/\./g, '\\.')}; not placed$`))]);
    expect(volumes(await b.getLesionTable(patient.id), b)).toEqual(volumes(phantom.table, phantom.a));
    expect(await b.importSrMeasurements({ seriesId: sr.id })).toMatchObject({ masks: 0, measurements: 0, lesionsCreated: [], skipped: r.skipped });
  });

  it("dcmqi's report: the lesion keeps its Tracking UID; its SEG, made on PET images that are not here, is named with why", async () => {
    // shared/data has dcmqi's SR with its SEG, but not the PET series the SEG was made on (no matching CT either).
    const b = fresh('dcmqi');
    expect((await b.importPaths([join(DCMQI, 'sr-example')])).skipped).toBe(0);
    const patient = (await b.listPatients())[0];
    const study = (await b.listStudies(patient.id))[0];
    const sr = await only(b.listSeries(study.id), (s) => s.modality === 'SR');
    const seg = await only(b.listSeries(study.id), (s) => s.modality === 'SEG');
    const r = await b.importSrMeasurements({ seriesId: sr.id });
    expect(r).toMatchObject({ lesionsCreated: ['L1'], measurements: 0, masks: 0 });
    expect(r.skipped).toEqual([
      `primary tumor: segment 1 "Neoplasm, Primary" of SEG series ${seg.id}: the images it was made on (series 1.3.6.1.4.1.14519.5.2.1.2744.7002.261560220703676715130542397405) are not in the library`,
    ]);
    const [lesion] = await b.listLesions(patient.id);
    expect(trackingUidOf(b.db, lesion.id)).toBe('2.25.318774060119084600392715520575818119084');
    expect(await b.importSrMeasurements({ seriesId: sr.id })).toMatchObject({ lesionsCreated: [], lesionsMatched: ['L1'], masks: 0, skipped: r.skipped });
    expect(readdirSync(join(DCMQI, 'sr-example')).sort()).toEqual(['seg.dcm', 'sr.dcm']);
  });
});
