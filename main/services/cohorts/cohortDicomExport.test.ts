/**
 * A cohort exported as de-identified DICOM and SEG, through the de-identification engine of
 * main/services/deid (DeidService.deidentifyFiles, the site's pseudonyms and date offsets from
 * deidStore), adapted to the cohort domain's injected interfaces as the composition root will:
 * the folders carry the same pseudonym and shifted date as the DICOM files inside them. The
 * library is the real CT of ../shared/data with a lesion and a liver mask drawn on it, and a demo
 * patient; a refusal (a planted name where the engine keeps text) must leave nothing behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../../../core/api/maskRle';
import { createApp, type App } from '../app';
import { DeidService } from '../deid/deidService';
import { pseudonymFor } from '../deid/deidStore';
import { createDemoPatient } from '../demo/demoPatient';
import { editDicom } from '../deid/testing/plantedPhi';
import { libraryFile } from '../library/importer';
import { CohortService, type DeidentifyFiles } from './cohortService';

const CT3 = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'dcmqi', 'ct-3slice');
const dir = mkdtempSync(join(tmpdir(), 'lng-cohort-dcm-'));
const hasDcmdump = spawnSync('dcmdump', ['--version']).status === 0;
let app: App;
let cohorts: CohortService;

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

function tag(file: string, key: string): string {
  const out = spawnSync('dcmdump', ['+P', key, file], { encoding: 'utf8' }).stdout;
  return /\[([^\]]*)\]/.exec(out)?.[1] ?? '';
}

beforeAll(async () => {
  app = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 2 });
  await createDemoPatient(app, app.homeDir, { size: 96, slices: 32 });
  await app.importPaths([CT3]);
  // A lesion and the liver on the real CT, so its exam has a SEG.
  const ct = (await app.listPatients()).find((p) => p.patientId === '99000')!;
  const series = (await app.listSeries((await app.listStudies(ct.id))[0].id))[0];
  const [nx, ny, nz] = [series.columns, series.rows, series.sliceCount];
  const box = (x0: number, x1: number, y0: number, y1: number) => {
    const m = new Uint8Array(nx * ny * nz);
    for (let z = 0; z < nz; z++) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[z * nx * ny + y * nx + x] = 1;
    return encodeMaskRle(m);
  };
  const lesion = await app.createLesion(ct.id, { site: 'liver', lesionType: 'metastasis', recistRole: 'target' });
  await app.saveSegmentation({ seriesId: series.id, lesionId: lesion.id, structure: 'lesion', mask: box(200, 230, 200, 230) });
  await app.saveSegmentation({ seriesId: series.id, lesionId: null, structure: 'liver', mask: box(150, 300, 150, 300) });
  const deid = new DeidService({ db: app.db, homeDir: app.homeDir, version: '0.1.0-test' });
  const keyOf = (patientRowId: number) => (app.db.prepare('SELECT patient_key AS k FROM patients WHERE id = ?').get(patientRowId) as { k: string }).k;
  // The adapter the composition root will use: the deid domain's files API behind our interface.
  const deidentifyFiles: DeidentifyFiles = async (files, outDir, _patientRowId, options) => {
    const r = await deid.deidentifyFiles({ paths: [...files], outDir, options });
    return { written: r.files.map((f) => f.file), excluded: [...r.excluded, ...r.skipped].map((x) => ({ file: x.source, reason: x.reason })) };
  };
  cohorts = new CohortService({
    db: app.db,
    homeDir: app.homeDir,
    version: '0.1.0-test',
    volumes: app.volumes,
    pseudonymOf: (id) => pseudonymFor(app.db, keyOf(id)).pseudonymId,
    dateOffsetDaysOf: (id) => pseudonymFor(app.db, keyOf(id)).dateOffsetDays,
    deidentifyFiles,
    exportSeg: (input) => app.exportSeg(input),
  });
}, 300_000);

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasDcmdump)('cohort export as de-identified DICOM', () => {
  it('images and SEG de-identified under the pseudonym and shifted dates of their folders, hashed in the manifest', async () => {
    await cohorts.createCohort({ name: 'ge', where: 'scanner~lightspeed and type=metastasis' });
    const r = await cohorts.exportCohort({ name: 'ge', out: join(dir, 'out'), images: 'dicom', masks: 'seg', split: '50/50', seed: 'dicom' });
    expect(r).toMatchObject({ patients: 1, exams: 1, lesions: 1, warnings: [] });
    const files = filesUnder(r.out);
    const manifest = JSON.parse(readFileSync(r.manifest, 'utf8'));
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(files.filter((f) => f !== 'manifest.json'));
    const dcm = files.filter((f) => f.endsWith('.dcm'));
    expect(dcm.filter((f) => f.includes('/dicom/'))).toHaveLength(3);
    // Flat in the exam's folder: <split>/<pseudonym>/<NN>_<date>/dicom|seg/<file>.dcm.
    expect(dcm.every((f) => /^(train|test)\/LNG-[A-Z2-7]{10}\/01_\d{4}-\d{2}-\d{2}\/(dicom|seg)\/[^/]+\.dcm$/.test(f))).toBe(true);
    expect(dcm.filter((f) => f.includes('/seg/'))).toHaveLength(1);
    expect(manifest.patients[0].exams[0].files).toMatchObject({ dicom: expect.stringMatching(/\/dicom$/), seg: expect.stringMatching(/\/seg$/), image: null, lesions: null });
    const seg = join(r.out, dcm.find((f) => f.includes('/seg/'))!);
    expect(tag(seg, 'Modality')).toBe('SEG');
    // The SEG still points at the de-identified CT: its referenced series is the exported images' series.
    const segSeriesUids = [...spawnSync('dcmdump', ['+P', '0020,000e', seg], { encoding: 'utf8' }).stdout.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
    const ctSeriesUid = tag(join(r.out, dcm.find((f) => f.includes('/dicom/'))!), 'SeriesInstanceUID');
    expect(ctSeriesUid).toMatch(/^2\.25\./);
    expect(segSeriesUids).toContain(ctSeriesUid);
    expect(new Set(segSeriesUids).size).toBe(2);
    for (const f of dcm) {
      const [, pseudonym, exam] = f.split('/');
      const file = join(r.out, f);
      expect(tag(file, 'PatientID')).toBe(pseudonym);
      expect(tag(file, 'StudyDate')).toBe(exam.slice(3).replace(/-/g, ''));
      expect(tag(file, 'PatientIdentityRemoved')).toBe('YES');
    }
    const text = readFileSync(join(r.out, 'lesions.csv'), 'utf8') + readFileSync(r.manifest, 'utf8');
    expect(text).not.toMatch(/99000|JANCT|2003-04-17/);
  }, 240_000);

  it('the demo patient exports too (the phantom name the scanner fields carry is cleaned); a refusal by the engine leaves no export and no partial folder', async () => {
    await cohorts.createCohort({ name: 'all', where: 'exams>=1' });
    const ok = await cohorts.exportCohort({ name: 'all', out: join(dir, 'all'), images: 'dicom', masks: 'nifti' });
    expect(ok.patients).toBe(2);
    for (const f of filesUnder(ok.out).filter((x) => x.endsWith('.dcm'))) {
      const bytes = readFileSync(join(ok.out, f)).toString('latin1');
      expect(bytes, f).not.toMatch(/PHANTOM|DEMO-1/i);
    }
    // A library file with the patient's name where the engine keeps text verbatim (a code string): refused, nothing written.
    const demo = (await app.listPatients()).find((p) => p.patientId === 'DEMO-1')!;
    const series = (await app.listSeries((await app.listStudies(demo.id))[0].id))[0];
    const inst = app.db.prepare('SELECT path FROM instances WHERE series_id = ? LIMIT 1').get(series.id) as { path: string };
    editDicom(libraryFile(app.homeDir, inst.path), (d) => {
      d['00185100'] = { vr: 'CS', Value: ['PHANTOM'] };
    });
    await expect(cohorts.exportCohort({ name: 'all', out: join(dir, 'refused'), images: 'dicom', masks: 'nifti' })).rejects.toThrow(/de-identification refused/);
    expect(readdirSync(dir).filter((n) => n.includes('refused'))).toEqual([]);
  }, 240_000);
});
