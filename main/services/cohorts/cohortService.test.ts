/**
 * Research cohorts on a real library: three demo patients (three exams each, measured, matched)
 * and the real CT of ../shared/data (a patient without lesions, on a GE scanner). Cohorts are
 * created with checked filters, shown against what the lesion table and the catalog say, and
 * exported as NIfTI with a patient-level split: the manifest's hashes, no patient on two sides,
 * the same manifest from the same seed, the CSV without identifiers, the label maps, atomicity.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CohortExportInput } from '../../../core/api/domains/cohorts';
import { ApiError } from '../../../core/api/errors';
import { COHORT_FIELDS } from '../../../core/cohort';
import { createApp, type App } from '../app';
import { createDemoPatient } from '../demo/demoPatient';
import { readNiftiFile } from '../nifti/niftiFile';
import { listSegmentations } from '../segmentation/segmentationStore';
import { runCohortCommand } from '../../cohortCli';
import { COHORT_CSV_COLUMNS, CohortService, type DateOffsetDaysOf, type DeidentifyFiles, type PseudonymOf } from './cohortService';

const CT3 = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'dcmqi', 'ct-3slice');
const dir = mkdtempSync(join(tmpdir(), 'lng-cohort-'));
let app: App;
let cohorts: CohortService;

/**
 * Test doubles of our own interfaces PseudonymOf and DateOffsetDaysOf (the deid domain provides the
 * keyed HMAC ones): a hash of the row id under a test key, and an offset of −(100 + row id) days.
 */
const testPseudonymOf: PseudonymOf = (patientRowId) => `TST-${createHash('sha256').update(`test-key:${patientRowId}`).digest('hex').slice(0, 8).toUpperCase()}`;
const testDateOffsetDaysOf: DateOffsetDaysOf = (patientRowId) => -(100 + patientRowId);

const service = (over: Partial<ConstructorParameters<typeof CohortService>[0]> = {}) =>
  new CohortService({ db: app.db, homeDir: app.homeDir, version: '0.1.0-test', volumes: app.volumes, pseudonymOf: testPseudonymOf, dateOffsetDaysOf: testDateOffsetDaysOf, ...over });

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

async function errorOf(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('no error');
}

/** Run the CLI part in this process; stdout and stderr captured. */
async function cli(args: string[], flags: Record<string, string | boolean> = {}, json = false): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await runCohortCommand(cohorts, args, flags, json);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

beforeAll(async () => {
  app = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 2 });
  for (let i = 0; i < 3; i++) await createDemoPatient(app, app.homeDir, { size: 96, slices: 32 });
  const report = await app.importPaths([CT3]);
  expect(report.imported).toBe(3);
  cohorts = service();
}, 300_000);

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cohorts: create, list, show, delete', () => {
  it('refuses an invalid filter, naming the position and the field; names are unique without case', async () => {
    const e = await errorOf(cohorts.createCohort({ name: 'x', where: 'sitee=liver' }));
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(/^unknown field 'sitee' at 1 \(did you mean 'site'\?\); fields: site, type/);
    expect((await errorOf(cohorts.createCohort({ name: ' ', where: 'site=liver' }))).kind).toBe('invalid');
    const c = await cohorts.createCohort({ name: 'liver-mets', where: 'site=liver and type=metastasis' });
    expect(c).toMatchObject({ name: 'liver-mets', where: 'site=liver and type=metastasis', reader: { name: expect.any(String) } });
    expect((await errorOf(cohorts.createCohort({ name: 'LIVER-METS', where: 'site=lung' }))).kind).toBe('conflict');
    expect((await cohorts.listCohorts()).map((x) => x.name)).toContain('liver-mets');
    expect((await errorOf(cohorts.showCohort({ name: 'nope' }))).message).toMatch(/no cohort named "nope"; cohorts: .*liver-mets/);
    await cohorts.createCohort({ name: 'temp', where: 'exams>=1' });
    expect(await cohorts.deleteCohort({ name: 'TEMP' })).toEqual({ deleted: 'temp' });
    expect((await errorOf(cohorts.deleteCohort({ name: 'temp' }))).kind).toBe('not-found');
  });

  it('matches what the lesion table and the catalog say', async () => {
    const patients = await app.listPatients();
    const demo = patients.filter((p) => p.patientId.startsWith('DEMO-'));
    const ct = patients.find((p) => p.patientId === '99000')!;
    expect(demo).toHaveLength(3);

    const show = async (name: string, where: string) => {
      await cohorts.createCohort({ name, where });
      return cohorts.showCohort({ name });
    };
    const mets = await cohorts.showCohort({ name: 'liver-mets' });
    expect(mets.patients.map((p) => p.patientId).sort()).toEqual(['DEMO-1', 'DEMO-2', 'DEMO-3']);
    for (const p of mets.patients) {
      const { table } = await app.getLesionTable(p.patientRowId);
      expect(p.lesions.map((l) => l.lesionId)).toEqual(table.lesions.filter((l) => l.site === 'liver' && l.lesionType === 'metastasis').map((l) => l.id));
      expect(p.exams).toHaveLength(3);
    }
    expect(mets.counts.lesions).toBe(mets.patients.reduce((s, p) => s + p.lesions.length, 0));

    // The real CT: no lesions, a GE scanner, a man of 60 (Patient's Age 060Y), 2003.
    const none = await show('no-lesions', 'lesions=0');
    expect(none.patients.map((p) => p.patientId)).toEqual(['99000']);
    expect(none.patients[0]).toMatchObject({ patientRowId: ct.id, sex: 'M', response: null, lesions: [], exams: [{ date: '2003-04-17', modality: 'CT', scanner: 'GE MEDICAL SYSTEMS LightSpeed Ultra', ageYears: 60 }] });
    expect((await show('ge', 'scanner~"lightspeed"')).patients.map((p) => p.patientId)).toEqual(['99000']);
    expect((await show('old-men', 'sex=M and age>=60 and date<2010-01-01')).patients.map((p) => p.patientId)).toEqual(['99000']);
    expect((await show('phantom', 'scanner~phantom and modality=CT')).counts.patients).toBe(3);

    // Cysts seen on an exam from 2022 on: checked against the table and the catalog.
    const cysts = await show('late-cysts', 'type=cyst and date>=2022-01-01');
    const expected: string[] = [];
    for (const p of demo) {
      const { table } = await app.getLesionTable(p.id);
      if (table.lesions.some((l) => l.lesionType === 'cyst') && table.exams.some((e) => (e.date ?? '') >= '2022-01-01')) expected.push(p.patientId);
    }
    expect(cysts.patients.map((p) => p.patientId).sort()).toEqual(expected.sort());
    for (const p of cysts.patients) {
      expect(p.exams.every((e) => e.date! >= '2022-01-01')).toBe(true);
      expect(p.lesions.every((l) => l.type === 'cyst')).toBe(true);
    }

    // Best overall response, as the assessment says.
    const pd = await show('pd', 'response=PD');
    const bor = new Map<string, string | null>();
    for (const p of demo) bor.set(p.patientId, (await app.getLesionTable(p.id)).assessment.recist?.bestOverallResponse ?? null);
    expect(pd.patients.map((p) => p.patientId).sort()).toEqual([...bor].filter(([, r]) => r === 'PD').map(([id]) => id).sort());
    expect((await show('no-response', 'response=none')).patients.map((p) => p.patientId).sort()).toEqual(['99000', ...[...bor].filter(([, r]) => r === null).map(([id]) => id)].sort());
  });

  it('model=yes: lesions an accepted AI proposal made', async () => {
    const p = (await app.listPatients()).find((x) => x.patientId === 'DEMO-2')!;
    const { table } = await app.getLesionTable(p.id);
    const lesion = table.lesions[0];
    const seriesId = table.exams[0].seriesIds[0];
    // A model run and an accepted proposal on that lesion, as the AI domain records them.
    const run = Number(
      app.db
        .prepare("INSERT INTO ai_runs (series_id, model_id, model_version, model_sha256, parameters_json, status, started_at) VALUES (?, 'liver-test', '1', 'abc', '{}', 'done', 't')")
        .run(seriesId).lastInsertRowid,
    );
    app.db
      .prepare(
        `INSERT INTO ai_proposals (run_id, series_id, kind, label_value, label_name, class_probabilities_json, mean_probability, voxel_count, volume_ml, centroid_json, mask_path, status, lesion_id)
         VALUES (?, ?, 'lesion', 2, 'metastasis', '[]', 0.9, 10, 0.1, '[0,0,0]', 'x', 'accepted', ?)`,
      )
      .run(run, seriesId, lesion.id);
    await cohorts.createCohort({ name: 'model', where: 'model=yes' });
    const r = await cohorts.showCohort({ name: 'model' });
    expect(r.patients).toHaveLength(1);
    expect(r.patients[0]).toMatchObject({ patientId: 'DEMO-2', lesions: [{ lesionId: lesion.id, model: true }] });
  });
});

describe('cohorts: export', () => {
  const exportTo = (name: string, input: Omit<CohortExportInput, 'out'> & { out?: string }) => cohorts.exportCohort({ out: join(dir, 'exports', name), ...input });

  it('writes NIfTI images and label maps split by patient, with a manifest that hashes every file', async () => {
    await cohorts.createCohort({ name: 'all', where: 'exams>=1' });
    const r = await exportTo('a', { name: 'all', split: [70, 15, 15], seed: 'cohort-seed-1' });
    expect(r).toMatchObject({ patients: 4, exams: 10, seed: 'cohort-seed-1', splits: { train: 3, validation: 1, test: 0 }, warnings: [] });
    const out = r.out;
    // Whole: no partial folder beside it.
    expect(readdirSync(join(dir, 'exports')).filter((n) => n.includes('partial'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(r.manifest, 'utf8'));
    expect(manifest).toMatchObject({ format: 'longitude-cohort-export', software: { name: 'Longitude', version: '0.1.0-test' }, seed: 'cohort-seed-1', cohort: { name: 'all', where: 'exams>=1' } });
    expect(manifest.options).toMatchObject({ images: 'nifti', masks: 'nifti', folds: null, stratify: null });

    // Every file but the manifest is listed with its SHA-256 and size, and nothing else is.
    const onDisk = filesUnder(out);
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(onDisk.filter((f) => f !== 'manifest.json'));
    for (const f of manifest.files as { path: string; sha256: string; size: number }[]) {
      const bytes = readFileSync(join(out, f.path));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      expect(bytes.length).toBe(f.size);
    }
    expect(r.files).toBe(onDisk.length);
    expect(r.bytes).toBe(manifest.files.reduce((s: number, f: { size: number }) => s + f.size, 0));

    // No patient on two sides: each pseudonym's folder is under its split only, as splits.csv and the manifest say.
    const assignment: Record<string, string> = manifest.split.assignment;
    expect(Object.keys(assignment)).toHaveLength(4);
    const sides = new Map<string, Set<string>>();
    for (const f of onDisk.filter((x) => x.split('/').length > 2)) {
      const [part, pseudonym] = f.split('/');
      if (!sides.has(pseudonym)) sides.set(pseudonym, new Set());
      sides.get(pseudonym)!.add(part);
    }
    for (const [pseudonym, parts] of sides) expect([...parts]).toEqual([assignment[pseudonym]]);
    expect(sides.size).toBe(4);
    const splitsCsv = readFileSync(join(out, 'splits.csv'), 'utf8').trim().split('\r\n');
    expect(splitsCsv[0]).toBe('pseudonym,split');
    expect(Object.fromEntries(splitsCsv.slice(1).map((l) => l.split(',')))).toEqual(assignment);

    // Pseudonyms and shifted dates: the real CT's exam of 2003-04-17 moved by its offset.
    const patients = await app.listPatients();
    const ct = patients.find((p) => p.patientId === '99000')!;
    const ctPseudonym = testPseudonymOf(ct.id) as string;
    const ctDate = new Date(Date.UTC(2003, 3, 17) + Number(testDateOffsetDaysOf(ct.id)) * 86_400_000).toISOString().slice(0, 10);
    expect(onDisk).toContain(`${assignment[ctPseudonym]}/${ctPseudonym}/01_${ctDate}/image.nii.gz`);
    expect(onDisk.filter((f) => f.includes(`/${ctPseudonym}/`))).toEqual([`${assignment[ctPseudonym]}/${ctPseudonym}/01_${ctDate}/image.nii.gz`]);

    // Nothing identifying in the text files: no patient ID, name or original exam date; no sex or age by default.
    const text = ['manifest.json', 'lesions.csv', 'splits.csv'].map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
    for (const p of patients) {
      expect(text).not.toContain(p.patientId);
      expect(text).not.toContain(p.name);
    }
    expect(text).not.toContain('2003-04-17');
    expect(manifest.patients.every((p: Record<string, unknown>) => !('sex' in p))).toBe(true);

    // The CSV: a row per lesion per exam, keyed by pseudonym and exam folder, with each lesion's label value.
    const csv = readFileSync(join(out, 'lesions.csv'), 'utf8').trim().split('\r\n');
    expect(csv[0].split(',')).toEqual([...COHORT_CSV_COLUMNS]);
    const rows = csv.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [COHORT_CSV_COLUMNS[i], v])));
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) {
      expect(assignment[row.pseudonym]).toBe(row.split);
      expect(onDisk.some((f) => f.startsWith(`${row.split}/${row.pseudonym}/${row.exam}/`))).toBe(true);
    }
    expect(rows.some((row) => row.pseudonym === ctPseudonym)).toBe(false);

    // A label map: every lesion mask of the exam under its lesion's value, on the image grid.
    const demo1 = patients.find((p) => p.patientId === 'DEMO-1')!;
    const pm = manifest.patients.find((p: { pseudonym: string }) => p.pseudonym === testPseudonymOf(demo1.id));
    const { table } = await app.getLesionTable(demo1.id);
    const exam = table.exams[1];
    const seriesId = exam.seriesIds[0];
    const examManifest = pm.exams[1];
    const image = await readNiftiFile(join(out, examManifest.files.image));
    const labels = await readNiftiFile(join(out, examManifest.files.lesions));
    const vol = await app.volumes.seriesVolume(seriesId);
    expect(image.geometry.dims).toEqual(vol.geometry.dims);
    expect(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength).equals(Buffer.from(vol.voxels.buffer, vol.voxels.byteOffset, vol.voxels.byteLength))).toBe(true);
    const valueOf = new Map<string, number>(pm.labels.map((l: { lesion: string; value: number }) => [l.lesion, l.value]));
    const counts = new Map<number, number>();
    for (const v of labels.data) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    const masks = listSegmentations(app.db, { seriesId }).filter((s) => s.structure === 'lesion');
    expect(masks.length).toBeGreaterThan(0);
    for (const m of masks) {
      const label = table.lesions.find((l) => l.id === m.lesionId)!.label;
      expect(counts.get(valueOf.get(label)!)).toBe(m.voxelCount);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(masks.map((m) => valueOf.get(table.lesions.find((l) => l.id === m.lesionId)!.label)!).sort((a, b) => a - b));
    expect(existsSync(join(out, examManifest.files.liver))).toBe(true);

    // The same seed: the same manifest, but for the time it was made.
    const again = await exportTo('b', { name: 'all', split: '70/15/15', seed: 'cohort-seed-1' });
    const manifest2 = JSON.parse(readFileSync(again.manifest, 'utf8'));
    expect(manifest2.createdAt).not.toBeUndefined();
    expect({ ...manifest2, createdAt: null }).toEqual({ ...manifest, createdAt: null });
  }, 180_000);

  it('k folds stratified by best response: every patient in one fold, strata recorded', async () => {
    const r = await exportTo('folds', { name: 'all', folds: 2, seed: 'f', stratify: 'response' });
    expect(Object.values(r.splits).sort()).toEqual([2, 2]);
    const manifest = JSON.parse(readFileSync(r.manifest, 'utf8'));
    expect(manifest.split).toMatchObject({ kind: 'folds', parts: ['fold-1', 'fold-2'], stratify: 'response' });
    const strata: Record<string, Record<string, number>> = manifest.split.countsByStratum;
    for (const counts of Object.values(strata)) {
      const size = counts['fold-1'] + counts['fold-2'];
      expect(Math.abs(counts['fold-1'] - size / 2)).toBeLessThanOrEqual(1);
    }
    const splits = readFileSync(join(r.out, 'splits.csv'), 'utf8').trim().split('\r\n');
    expect(splits[0]).toBe('pseudonym,split,stratum');
    expect(new Set(splits.slice(1).map((l) => l.split(',')[0])).size).toBe(4);
  }, 120_000);

  it('a cohort of lesions exports the patients that have them, marks which labels are in the cohort; dates removed when asked', async () => {
    await cohorts.createCohort({ name: 'cysts', where: 'type=cyst' });
    const r = await exportTo('cysts', { name: 'cysts', deid: { retainLongitudinalModifiedDates: false, retainPatientCharacteristics: true } });
    const manifest = JSON.parse(readFileSync(r.manifest, 'utf8'));
    expect(r.splits).toEqual({ all: r.patients });
    expect(r.seed).toBeNull();
    for (const p of manifest.patients) {
      expect(p.labels.filter((l: { inCohort: boolean }) => l.inCohort).every((l: { type: string }) => l.type === 'cyst')).toBe(true);
      expect(p.sex).toMatch(/^[MFO]$/);
      for (const e of p.exams) {
        expect(e.dir).toMatch(/^all\/TST-[0-9A-F]{8}\/\d\d$/);
        expect(e.date).toBeNull();
        expect(e.daysFromFirstExam).toBeNull();
      }
    }
    expect(manifest.dates).toMatch(/^removed/);
    const csv = readFileSync(join(r.out, 'lesions.csv'), 'utf8').trim().split('\r\n').slice(1);
    const inCohort = COHORT_CSV_COLUMNS.indexOf('in_cohort');
    const type = COHORT_CSV_COLUMNS.indexOf('lesion_type');
    const date = COHORT_CSV_COLUMNS.indexOf('exam_date');
    expect(csv.every((l) => (l.split(',')[inCohort] === 'yes') === (l.split(',')[type] === 'cyst'))).toBe(true);
    expect(csv.every((l) => l.split(',')[date] === '')).toBe(true);
  }, 120_000);

  it('refuses a folder in use, bad options and a missing de-identification engine; a failure leaves nothing', async () => {
    const used = join(dir, 'exports', 'used');
    mkdirSync(used, { recursive: true });
    writeFileSync(join(used, 'keep.txt'), 'mine');
    expect((await errorOf(cohorts.exportCohort({ name: 'all', out: used }))).message).toMatch(/exists and is not empty/);
    expect(readdirSync(used)).toEqual(['keep.txt']);
    expect((await errorOf(exportTo('x1', { name: 'all', split: [70, 15, 15], folds: 5 }))).message).toMatch(/not both/);
    expect((await errorOf(exportTo('x2', { name: 'all', folds: 2, stratify: 'date' }))).message).toMatch(/cannot stratify by 'date'/);
    expect((await errorOf(exportTo('x3', { name: 'all', split: [70, 20, 20] }))).message).toMatch(/add up to 100/);
    expect((await errorOf(exportTo('x4', { name: 'all', folds: 9 }))).message).toMatch(/9 folds need at least 9 patients, the cohort has 4/);
    expect((await errorOf(exportTo('x5', { name: 'all', images: 'dicom' }))).kind).toBe('unavailable');
    expect((await errorOf(service({ pseudonymOf: undefined }).exportCohort({ name: 'all', out: join(dir, 'exports', 'x6') }))).kind).toBe('unavailable');
    expect(COHORT_FIELDS.date.stratify).toBe(false);

    // A de-identification that fails on the second patient: no output, no partial folder.
    let calls = 0;
    const failing: DeidentifyFiles = async () => {
      if (++calls === 2) throw new ApiError('conflict', 'de-identification refused: identifying data would remain');
      return { written: [], excluded: [] };
    };
    const e = await errorOf(service({ deidentifyFiles: failing }).exportCohort({ name: 'all', out: join(dir, 'exports', 'x7'), images: 'dicom' }));
    expect(e.message).toMatch(/refused/);
    expect(calls).toBe(2);
    expect(readdirSync(join(dir, 'exports')).filter((n) => n.startsWith('x') || n.includes('partial'))).toEqual([]);
  }, 120_000);
});

describe('cohorts: the CLI part', () => {
  it('create, list, show, export, delete with honest exit codes', async () => {
    const bad = await cli(['create', 'c1'], { where: 'site=liver and exams>=three' });
    expect(bad.code).toBe(2);
    expect(bad.err).toBe("error: exams at 23 needs a number, got 'three'");
    expect((await cli(['create', 'c1'], { where: 'site=liver', json: true }, false)).code).toBe(0);
    expect((await cli(['create', 'c1', 'and', 'type=cyst'], { where: 'site=liver' })).err).toMatch(/put the whole filter in quotes: --where "site=liver and type=cyst"/);
    expect((await cli(['create', 'c1'], { where: 'site=lung' })).code).toBe(1);
    const list = await cli(['list'], {}, true);
    expect(JSON.parse(list.out).map((c: { name: string }) => c.name)).toContain('c1');
    const show = await cli(['show', 'c1']);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/^cohort "c1": site=liver\n {2}3 patient\(s\), 9 exam\(s\), \d+ lesion\(s\)/);
    expect((await cli(['show', 'nope'])).code).toBe(1);
    expect((await cli(['export', 'c1'])).code).toBe(2);
    expect((await cli(['export', 'c1'], { out: join(dir, 'exports', 'cli'), split: '80/20', folds: '5' })).code).toBe(2);
    const ex = await cli(['export', 'c1'], { out: join(dir, 'exports', 'cli'), split: '80/20', seed: 's', stratify: 'type' }, true);
    expect(ex.code, ex.err).toBe(0);
    expect(JSON.parse(ex.out)).toMatchObject({ patients: 3, exams: 9, seed: 's', splits: { train: 2, test: 1 } });
    expect((await cli(['fields'])).out).toMatch(/^ {2}site {10}lesion site/);
    expect((await cli(['delete', 'c1'])).code).toBe(0);
    expect((await cli(['frobnicate'])).code).toBe(2);
  }, 120_000);
});
