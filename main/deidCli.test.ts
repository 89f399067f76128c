/**
 * `longitude deid …` (main/deidCli.ts) on a real workstation (createApp): files and folders of
 * the planted-PHI set, a library exam of dcmqi's real CT with its SEG and the exam's own SEG and SR
 * exported now (`--with-results`: their references follow the CT's new UIDs), a library patient
 * with two exams (the same pseudonym as the same patient's files get), a refused export, and the
 * exit codes: 0 done, 1 done with files left out or skipped, 2 nothing done, refused or bad use.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeidReport } from '../core/api/domains/deid';
import { DEID_COMMANDS, DEID_USAGE, runDeidCommand } from './deidCli';
import { createApp, type App } from './services/app';
import { DeidService } from './services/deid/deidService';
import { pseudonymFor, pseudonymOfPatient } from './services/deid/deidStore';
import { editDicom, filesUnder, grepBytes, readDicom, writePlantedPhi, type PlantedSet } from './services/deid/testing/plantedPhi';

const DATA = join(import.meta.dirname, '..', '..', 'shared', 'data');
const { DicomMetaDictionary } = dcmjs.data as unknown as { DicomMetaDictionary: { naturalizeDataset(d: unknown): Record<string, any> } };
const natural = (file: string) => DicomMetaDictionary.naturalizeDataset(readDicom(file).dict);

let dir: string;
let app: App;
let set: PlantedSet;

/** Runs the command, capturing what it prints. */
async function deid(rest: string[], flags: Record<string, string | boolean>, json = false): Promise<{ code: number; out: string; err: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await runDeidCommand(app, rest, flags, json);
    return { code, out: log.mock.calls.map((c) => c.join(' ')).join('\n'), err: error.mock.calls.map((c) => c.join(' ')).join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** Every UID-valued attribute of a naturalized dataset, at any depth, by keyword. */
function uidsOf(ds: unknown, keyword: string, out: string[] = []): string[] {
  if (Array.isArray(ds)) for (const x of ds) uidsOf(x, keyword, out);
  else if (ds && typeof ds === 'object')
    for (const [k, v] of Object.entries(ds as Record<string, unknown>)) {
      if (k === keyword) out.push(...[v].flat().map(String));
      else if (typeof v === 'object') uidsOf(v, keyword, out);
    }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lng-deid-cli-'));
  set = await writePlantedPhi(join(dir, 'in'));
  app = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1, defaultReader: { name: 'Dr Evelyn Marchbanks', id: 'EM-4242' } });
}, 120_000);

afterAll(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('longitude deid <paths…>', () => {
  it('is the deid command, with its usage', () => {
    expect(DEID_COMMANDS).toEqual(['deid']);
    expect(DEID_USAGE).toMatch(/deid <paths\.\.\.> --out <dir>/);
    expect(DEID_USAGE).toMatch(/--exam <studyId> \| --patient <patientId>/);
    expect(DEID_USAGE).toContain('retain-patient-characteristics');
  });

  it('exits 1 when it wrote the set but left out the burned-in capture and skipped what is not DICOM, and says who became whom', async () => {
    const r = await deid([set.root], { out: join(dir, 'out') });
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/^de-identified 60 file\(s\) of 2 patient\(s\) into .*out \(\d+ ms\); left out 1, skipped 3/);
    expect(r.out).toMatch(/HX-4471923 \(Hargreaves\^Philippa\^Ottoline\) → LNG-[A-Z2-7]{10}, dates shifted by -\d+ days, 40 file\(s\)/);
    expect(r.out).toMatch(/left out .*SC0001\.dcm: Burned In Annotation/);
    expect(r.out).toMatch(/skipped .*notes\.txt: not a DICOM Part 10 file/);
    expect(r.out).toMatch(/options: retain-dates\n/);
    expect(r.out).toMatch(/none found/);
    // The mapping is printed, never written.
    const found = filesUnder(join(dir, 'out')).flatMap((f) => grepBytes(readFileSync(f), [...set.a.phi, ...set.b.phi, ...set.uids]));
    expect(found).toEqual([]);
  });

  it('exits 0 when everything was written, with the report as JSON and the options asked for', async () => {
    const r = await deid([set.b.exams[0]], { out: join(dir, 'out-b'), options: 'retain-patient-characteristics,retain-device-identity' }, true);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as DeidReport;
    expect(report.files).toHaveLength(20);
    expect(report.options).toMatchObject({ cleanDescriptors: false, retainDeviceIdentity: true, retainPatientCharacteristics: true, retainLongitudinalModifiedDates: true, includeBurnedIn: false });
    expect(report.patients).toEqual([expect.objectContaining({ patientId: 'LQ-2209871', files: 20 })]);
    const d = natural(report.files[0].file);
    expect(d.PatientSex).toBeTruthy();
    expect(d.StudyDescription).toBeUndefined();
    // --no-dates: the dates go; a boolean flag that swallowed a path gives it back.
    const nd = await deid([], { out: join(dir, 'out-nd'), 'no-dates': set.b.exams[0] }, true);
    expect(nd.code, nd.err).toBe(0);
    expect(JSON.parse(nd.out).options.retainLongitudinalModifiedDates).toBe(false);
  });

  it('exits 2 and writes nothing when identifying data would remain; the message names the file, the attribute and the kind, not the value', async () => {
    const src = join(dir, 'refuse');
    mkdirSync(src);
    for (const f of readdirSync(set.b.exams[0]).filter((x) => x.endsWith('.dcm'))) copyFileSync(join(set.b.exams[0], f), join(src, f));
    editDicom(join(src, 'IM0007.dcm'), (d) => {
      d['00185100'] = { vr: 'CS', Value: ['LINDQVIST'] };
    });
    const r = await deid([src], { out: join(dir, 'refused') }, true);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/de-identification refused: identifying data would remain in 1 file\(s\); nothing was written/);
    expect(r.err).toMatch(/IM0007\.dcm .*: patient's name in PatientPosition \(0018,5100\)/);
    expect(r.err).not.toMatch(/lindqvist/i);
    const json = JSON.parse(r.out);
    expect(json).toMatchObject({ refused: true, findings: [{ kind: "patient's name", attribute: 'PatientPosition (0018,5100)' }] });
    expect(r.out).not.toMatch(/lindqvist/i);
    expect(existsSync(join(dir, 'refused'))).toBe(false);
  });

  it('exits 2 on bad use and when there is nothing to write', async () => {
    for (const [rest, flags, why] of [
      [[set.root], {}, /needs --out/],
      [[], { out: join(dir, 'x') }, /at least one path/],
      [[set.root], { out: join(dir, 'x'), options: 'retain-everything' }, /unknown option "retain-everything"/],
      [[set.root], { out: join(dir, 'x'), options: 'retain-dates', 'no-dates': true }, /contradict/],
      [[], { exam: '1', patient: 'P' }, /one of --exam/],
      [[], { exam: 'first' }, /--exam needs a study id/],
      [[], { patient: 'NOBODY' }, /no patient NOBODY/],
      [[set.root], { out: join(dir, 'x'), 'with-results': true }, /--with-results is for --exam/],
    ] as [string[], Record<string, string | boolean>, RegExp][]) {
      const r = await deid(rest, flags);
      expect(r.code, `${JSON.stringify(flags)}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(why);
    }
    const none = await deid([set.notes], { out: join(dir, 'nothing') });
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/nothing was written/);
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
    expect((await deid([], { exam: '9999' })).err).toMatch(/study 9999 is not in the library/);
  });
});

describe('longitude deid --exam / --patient (library)', () => {
  let ctStudy: number;

  beforeAll(async () => {
    // dcmqi's real CT with its SEG, and the SEG's liver placed as the exam's liver mask (so the exam has a SEG to export).
    const ctDir = join(dir, 'dcmqi');
    mkdirSync(ctDir);
    for (const f of ['01.dcm', '02.dcm', '03.dcm']) copyFileSync(join(DATA, 'dcmqi', 'ct-3slice', f), join(ctDir, f));
    copyFileSync(join(DATA, 'dcmqi', 'liver.dcm'), join(ctDir, 'liver.dcm'));
    expect((await app.importPaths([ctDir])).skipped).toBe(0);
    const patient = (await app.listPatients()).find((p) => p.patientId === '99000')!;
    const study = (await app.listStudies(patient.id))[0];
    const series = await app.listSeries(study.id);
    ctStudy = study.id;
    await app.importSegSegment({ segSeriesId: series.find((s) => s.modality === 'SEG')!.id, segmentNumber: 1, targetSeriesId: series.find((s) => s.modality === 'CT')!.id, lesionId: null, structure: 'liver' });
    // Patient A's two exams (and the screenshot).
    await app.importPaths([join(set.root, 'HX-4471923')]);
  }, 120_000);

  it('exports an exam with its SEG and SR made now: both still point at the CT, under its new UIDs', async () => {
    const r = await deid([], { exam: String(ctStudy), 'with-results': true }, true);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as DeidReport;
    expect(report.outDir).toMatch(new RegExp(`home/exports/deid-LNG-[A-Z2-7]{10}-\\d{8}T\\d{6}Z$`));
    expect(report.files.map((f) => f.modality).sort()).toEqual(['CT', 'CT', 'CT', 'SEG', 'SEG', 'SR']);
    expect(report.files.filter((f) => /exported now/.test(f.source)).map((f) => f.source).sort()).toEqual([`SEG of study ${ctStudy} (exported now)`, `SR of study ${ctStudy} (exported now)`]);
    const out = report.files.map((f) => natural(f.file));
    const ct = out.filter((d) => d.Modality === 'CT');
    const ctSops = new Set(ct.map((d) => d.SOPInstanceUID));
    const allSops = new Set(out.map((d) => d.SOPInstanceUID));
    for (const d of out.filter((x) => x.Modality !== 'CT')) {
      expect(d.StudyInstanceUID).toBe(ct[0].StudyInstanceUID);
      const refs = uidsOf(d, 'ReferencedSOPInstanceUID');
      expect(refs.length, d.Modality).toBeGreaterThan(0);
      expect(refs.filter((u) => !allSops.has(u)), d.Modality).toEqual([]);
      if (d.Modality === 'SEG') {
        expect(refs.some((u) => ctSops.has(u))).toBe(true);
        expect(d.FrameOfReferenceUID).toBe(ct[0].FrameOfReferenceUID);
      }
    }
    // The SR points at the SEG made with it.
    const sr = out.find((d) => d.Modality === 'SR')!;
    const newSeg = out.find((d) => d.Modality === 'SEG' && uidsOf(sr, 'ReferencedSOPInstanceUID').includes(d.SOPInstanceUID));
    expect(newSeg).toBeTruthy();
    const found = filesUnder(report.outDir).flatMap((f) => grepBytes(readFileSync(f), ['JANCT000', '99000', '03086212', '20030417', 'Marchbanks', 'Evelyn', 'EM-4242']));
    expect(found).toEqual([]);
    // The key map records who exported the patient first.
    expect(app.db.prepare("SELECT reader_name AS n, reader_id AS i FROM deid_pseudonyms WHERE patient_key = 'id:99000'").get()).toEqual({ n: 'Dr Evelyn Marchbanks', i: 'EM-4242' });
    // The results exported for it are gone: only the de-identified export remains.
    expect(readdirSync(join(app.homeDir, 'exports')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('exports a patient’s two exams under the pseudonym its files got, and the API methods say the same', async () => {
    const files = await deid([set.a.exams[0]], { out: join(dir, 'a-files') }, true);
    const filesPseudonym = (JSON.parse(files.out) as DeidReport).patients[0].pseudonymId;
    const r = await deid([], { patient: 'HX-4471923', out: join(dir, 'a-lib') }, true);
    expect(r.code, r.err).toBe(1);
    const report = JSON.parse(r.out) as DeidReport;
    expect(report.patients).toEqual([expect.objectContaining({ patientId: 'HX-4471923', pseudonymId: filesPseudonym, files: 40 })]);
    expect(report.excluded).toEqual([expect.objectContaining({ reason: expect.stringMatching(/Burned In Annotation/) })]);
    expect(new Set(report.files.map((f) => relative(join(dir, 'a-lib'), f.file).split('/')[1])).size).toBe(2);
    // The same instances as the files export: the same new UIDs.
    const fromFiles = new Set((JSON.parse(files.out) as DeidReport).files.map((f) => f.sopInstanceUid));
    expect(report.files.filter((f) => fromFiles.has(f.sopInstanceUid))).toHaveLength(20);

    const service = new DeidService({ db: app.db, homeDir: app.homeDir, version: '0.1.0-test', exporter: app });
    const patientRowId = (await app.listPatients()).find((p) => p.patientId === 'HX-4471923')!.id;
    // The key map's key is the library's patient identity: a cohort (keyed by the library's patient) finds the same pseudonym.
    const key = (app.db.prepare('SELECT patient_key AS k FROM patients WHERE id = ?').get(patientRowId) as { k: string }).k;
    expect(report.patients[0].originalKey).toBe(key);
    expect(pseudonymFor(app.db, key).pseudonymId).toBe(filesPseudonym);
    expect(pseudonymOfPatient(app.db, patientRowId)).toMatchObject({ pseudonymId: filesPseudonym, dateOffsetDays: report.patients[0].dateOffsetDays });
    expect(pseudonymOfPatient(app.db, 99_999)).toBeNull();
    const api = await service.deidentifyPatient({ patientRowId, outDir: join(dir, 'a-api') });
    expect(api.files.map((f) => basename(f.file)).sort()).toEqual(report.files.map((f) => basename(f.file)).sort());
    const study = await service.deidentifyStudy({ studyRowId: ctStudy, outDir: join(dir, 'ct-api') });
    expect(study.files.map((f) => f.modality).sort()).toEqual(['CT', 'CT', 'CT', 'SEG']);
    expect((await service.deidOptions()).map((o) => [o.cli, o.code, o.default])).toEqual([
      ['retain-dates', '113107', true],
      ['retain-patient-characteristics', '113108', false],
      ['retain-device-identity', '113109', false],
      ['clean-descriptors', '113105', false],
      ['retain-safe-private', '113111', false],
      ['include-burned-in', null, false],
    ]);
    await expect(service.deidentifyStudy({ studyRowId: 'x' as never })).rejects.toThrow(/needs \{ studyRowId \}/);
    await expect(service.deidentifyExam({ studyRowId: 1, patientRowId: 1 })).rejects.toThrow(/one of them/);
  });
});
