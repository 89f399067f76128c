/**
 * The PACS as a reader uses it, against a real Orthanc (Debian orthanc + orthanc-dicomweb) on
 * ports of its own: nodes with their secrets outside the registry, echo, find, priors, retrieve
 * by WADO-RS, C-GET and C-MOVE into the library through the importer, results sent back and
 * filed under the original patient and study, a push received, and the errors a reader meets.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../../../core/api/maskRle';
import { freePort, orthancAvailable, startOrthanc, type OrthancHandle } from '../../../tools/testing/orthanc';
import { writePatient } from '../../../tools/phantom/index';
import { createApp, type App } from '../app';
import { withReader } from '../session/readerContext';
import { PacsError } from './transport';

const available = orthancAvailable();
if (!available) console.warn('PACS tests skipped: Orthanc is not installed (apt-get install orthanc orthanc-dicomweb; .ci/run does)');

const dir = mkdtempSync(join(tmpdir(), 'lng-pacs-'));
let orthanc: OrthancHandle;
let app: App;
let receiverPort: number;
let patient: Awaited<ReturnType<typeof writePatient>>;
const READER = { name: 'Dr PACS Test', id: 'PT1' };

function filesOf(d: string): string[] {
  return readdirSync(d).map((f) => join(d, f));
}

async function orthancStudyOf(studyUid: string): Promise<string> {
  const r = await orthanc.rest<{ ID: string; Type: string }[]>('/tools/lookup', { method: 'POST', body: studyUid });
  return r.find((x) => x.Type === 'Study')!.ID;
}

describe.skipIf(!available)('the PACS against a real Orthanc', () => {
  beforeAll(async () => {
    receiverPort = await freePort();
    orthanc = await startOrthanc({ modalities: { LNG: ['LONGITUDE', '127.0.0.1', receiverPort] } });
    patient = await writePatient(join(dir, 'src'), { seed: 'dimse', size: 64, slices: 20, sliceMm: 5, timepoints: 3, patientId: 'PACS-1', writeLabels: true });
    for (const s of patient.seriesDirs) for (const f of filesOf(s)) await orthanc.upload(readFileSync(f));
    app = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1 });
    // The latest exam is already in the library; the two earlier ones are the priors.
    await app.importPaths([patient.seriesDirs[2]]);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await orthanc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps nodes in the registry and their secrets outside it', async () => {
    await withReader(READER, () => app.savePacsNode({ name: 'orthanc', dicomwebUrl: orthanc.dicomweb, aeTitle: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort }));
    await app.savePacsNode({ name: 'secured', dicomwebUrl: 'http://127.0.0.1:9/dicom-web', auth: 'basic', username: 'reader', secret: 'S3cr3t-pw-4711', queryPriors: false });
    const nodes = await app.listPacsNodes();
    expect(nodes.map((n) => n.name)).toEqual(['orthanc', 'secured']);
    expect(nodes[1]).toMatchObject({ auth: 'basic', username: 'reader', hasSecret: true, retrieveMethod: 'wado-rs' });
    app.db.pragma('wal_checkpoint(TRUNCATE)');
    const registryBytes = readdirSync(app.homeDir).filter((f) => f.includes('sqlite') || f.endsWith('.db')).map((f) => readFileSync(join(app.homeDir, f)).toString('latin1')).join('');
    expect(registryBytes).not.toContain('S3cr3t-pw-4711');
    const secretFile = join(app.homeDir, 'secrets', 'pacs.json');
    expect(readFileSync(secretFile, 'utf8')).toContain('S3cr3t-pw-4711');
    const { statSync } = await import('node:fs');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(app.homeDir, 'secrets')).mode & 0o777).toBe(0o700);
    await app.removePacsNode({ name: 'secured' });
    expect(readFileSync(secretFile, 'utf8')).not.toContain('S3cr3t-pw-4711');
    await expect(app.savePacsNode({ name: 'bad', host: '127.0.0.1', port: 104 })).rejects.toThrow(/needs all of --aet, --host and --port/);
    await expect(app.savePacsNode({ name: 'bad', dicomwebUrl: 'http://u:p@host/dicom-web' })).rejects.toThrow(/not in the URL/);
    await expect(app.savePacsNode({ name: 'bad', aeTitle: 'A\\B', host: 'h', port: 1 })).rejects.toThrow(/not a DICOM AE title/);
  });

  it('echoes by C-ECHO and by DICOMweb', async () => {
    const r = await app.echoPacs({ name: 'orthanc' });
    expect(r.dimse).toMatchObject({ ok: true });
    expect(r.dicomweb).toMatchObject({ ok: true });
  });

  it('finds the patient’s studies, and says which the library has', async () => {
    const studies = await app.findPacsStudies({ name: 'orthanc', query: { patientId: 'PACS-1' } });
    expect(studies).toHaveLength(3);
    expect(studies.filter((s) => s.inLibrary)).toHaveLength(1);
    expect(studies.every((s) => s.modalities.includes('CT'))).toBe(true);
    // The phantom's name is PHANTOM^PACS-1.
    const wildcard = await app.findPacsStudies({ name: 'orthanc', query: { patientName: 'PHANT*' } });
    expect(wildcard.length).toBe(3);
    const dates = studies.map((s) => s.studyDate!.replaceAll('-', '')).sort();
    const ranged = await app.findPacsStudies({ name: 'orthanc', query: { patientId: 'PACS-1', studyDate: `${dates[0]}-${dates[1]}` } });
    expect(ranged).toHaveLength(2);
    await expect(app.findPacsStudies({ name: 'orthanc', query: { studyDate: '2024-01-01' } })).rejects.toThrow(/YYYYMMDD/);
  });

  it('lists the priors of an open patient that the library lacks', async () => {
    const p = (await app.listPatients()).find((x) => x.patientId === 'PACS-1')!;
    const priors = await app.findPriors({ patientRowId: p.id });
    expect(priors.errors).toEqual([]);
    expect(priors.studies).toHaveLength(2);
    expect(priors.studies.every((s) => s.node === 'orthanc' && !s.inLibrary)).toBe(true);
  });

  it('retrieves a prior by WADO-RS into the library, with the importer’s report and the transfer logged with the reader', async () => {
    const p = (await app.listPatients()).find((x) => x.patientId === 'PACS-1')!;
    const prior = (await app.findPriors({ patientRowId: p.id })).studies.sort((a, b) => (a.studyDate ?? '').localeCompare(b.studyDate ?? ''))[0];
    const events: string[] = [];
    const on = (name: string, e: { phase: string }) => name === 'onPacsProgress' && events.push(e.phase);
    app.events.on('event', on);
    const r = await withReader(READER, () => app.retrievePacs({ name: 'orthanc', studyInstanceUid: prior.studyInstanceUid, method: 'wado-rs' }));
    app.events.off('event', on);
    expect(r).toMatchObject({ method: 'wado-rs', expected: 20, received: 20, missing: [], cancelled: false });
    expect(r.report.imported).toBe(20);
    expect(events[0]).toBe('retrieve');
    expect(events.at(-1)).toBe('done');
    expect((await app.findPriors({ patientRowId: p.id })).studies).toHaveLength(1);
    const t = app.pacs.transfers(1)[0];
    expect(t).toMatchObject({ direction: 'retrieve', node: 'orthanc', method: 'wado-rs', status: 'done', instances: 20, readerName: 'Dr PACS Test' });
    // The staging folder is gone.
    expect(readdirSync(join(app.homeDir, 'incoming')).filter((n) => n.startsWith('retrieve-'))).toEqual([]);
  });

  it('retrieves a series by C-GET and a study by C-MOVE to its own receiver', async () => {
    const studies = (await app.findPacsStudies({ name: 'orthanc', query: { patientId: 'PACS-1' } })).filter((s) => !s.inLibrary);
    expect(studies).toHaveLength(1);
    const series = await app.findPacsSeries({ name: 'orthanc', studyInstanceUid: studies[0].studyInstanceUid });
    const got = await app.retrievePacs({ name: 'orthanc', studyInstanceUid: studies[0].studyInstanceUid, seriesInstanceUids: [series[0].seriesInstanceUid], method: 'c-get' });
    expect(got).toMatchObject({ method: 'c-get', received: 20, missing: [] });
    expect(got.report.imported).toBe(20);
    // Again by C-MOVE: the receiver must run, as the AE Orthanc knows.
    await expect(app.retrievePacs({ name: 'orthanc', studyInstanceUid: studies[0].studyInstanceUid, method: 'c-move' })).rejects.toThrow(/receiver.*not running/);
    await app.setReceiver({ running: true, aeTitle: 'LONGITUDE', port: receiverPort });
    const moved = await app.retrievePacs({ name: 'orthanc', studyInstanceUid: studies[0].studyInstanceUid, method: 'c-move' });
    expect(moved).toMatchObject({ method: 'c-move', received: 20, missing: [] });
    expect(moved.report.duplicates).toBe(20);
  });

  it('sends an exam’s SR, SEG and report PDF, which Orthanc files under the same patient and study', async () => {
    const p = (await app.listPatients()).find((x) => x.patientId === 'PACS-1')!;
    const study = (await app.listStudies(p.id)).sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''))[0];
    const ct = (await app.listSeries(study.id)).find((s) => s.modality === 'CT')!;
    const labels = new Uint8Array(readFileSync(join(patient.patientDir, patient.truth.timepoints[2].labelsFile!)));
    const lesion = await withReader(READER, () => app.createLesion(p.id, { site: 'liver', lesionType: 'metastasis', recistRole: 'target' }));
    const l = patient.truth.timepoints[2].lesions[0];
    const seg = await withReader(READER, () => app.saveSegmentation({ seriesId: ct.id, lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(labels.map((v) => (v === l.labelValue ? 1 : 0))) }));
    await withReader(READER, () => app.measureFromMask(seg.id));
    const before = await orthanc.rest<string[]>('/patients');
    const r = await withReader(READER, () => app.sendToPacs({ name: 'orthanc', studyRowId: study.id }));
    expect(r.failed).toEqual([]);
    expect(r.sent.map((s) => s.what).sort()).toEqual(['report', 'seg', 'sr']);
    // No new patient: the results are in the CT's study.
    expect((await orthanc.rest<string[]>('/patients')).length).toBe(before.length);
    const orthancStudy = await orthancStudyOf(study.studyInstanceUid);
    const modalities = await Promise.all(
      (await orthanc.rest<{ Series: string[] }>(`/studies/${orthancStudy}`)).Series.map(async (id) => (await orthanc.rest<{ MainDicomTags: { Modality: string } }>(`/series/${id}`)).MainDicomTags.Modality),
    );
    expect(modalities.sort()).toEqual(['CT', 'DOC', 'SEG', 'SR']);
    const t = app.pacs.transfers(1)[0];
    expect(t).toMatchObject({ direction: 'send', status: 'done', instances: 3, readerName: 'Dr PACS Test' });
  });

  it('imports what is pushed to the receiver, and names the calling AE in the log', async () => {
    // A fresh library for the push, so the instances are new there.
    const other = createApp({ homeDir: join(dir, 'home-push'), mode: 'serve', workers: 1 });
    try {
      await app.setReceiver({ running: false });
      await other.setReceiver({ running: true, aeTitle: 'LONGITUDE', port: receiverPort, allowedCallingAets: [orthanc.aet] });
      const first = (await app.findPacsStudies({ name: 'orthanc', query: { patientId: 'PACS-1' } }))[0];
      const studyId = await orthancStudyOf(first.studyInstanceUid);
      await orthanc.rest(`/modalities/LNG/store`, { method: 'POST', body: JSON.stringify({ Resources: [studyId], Synchronous: true }) });
      const deadline = Date.now() + 20_000;
      // The association's files are imported as one batch when it ends; the log says when that is done.
      while (other.pacs.transfers(1)[0]?.status !== 'done' && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
      const patients = await other.listPatients();
      expect(patients.map((x) => x.patientId)).toEqual(['PACS-1']);
      expect(other.pacs.transfers(1)[0]).toMatchObject({ direction: 'receive', node: orthanc.aet, method: 'c-store', status: 'done' });
      expect((await other.receiverStatus()).received).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('names the node and what to do: unreachable, unknown AE, unknown move destination, refused credentials, cancel', async () => {
    const closed = await freePort();
    await app.savePacsNode({ name: 'down', dicomwebUrl: `http://127.0.0.1:${closed}/dicom-web`, aeTitle: 'DOWN', host: '127.0.0.1', port: closed });
    const echo = await app.echoPacs({ name: 'down' });
    expect(echo.dimse?.ok).toBe(false);
    expect(echo.dimse?.error).toMatch(/down/);
    expect(echo.dicomweb?.error).toMatch(/cannot be reached|refused/);
    await expect(app.findPacsStudies({ name: 'down', query: {} })).rejects.toMatchObject({ code: 'unreachable' });

    await app.savePacsNode({ name: 'wrong-ae', aeTitle: 'NOT_ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort });
    await expect(app.findPacsStudies({ name: 'wrong-ae', query: { patientId: 'PACS-1' } })).rejects.toMatchObject({ code: 'rejected' });

    // A receiver AE Orthanc does not know as a destination.
    const studies = await app.findPacsStudies({ name: 'orthanc', query: { patientId: 'PACS-1' } });
    await app.setReceiver({ running: true, aeTitle: 'STRANGER', port: receiverPort });
    const err = await app.retrievePacs({ name: 'orthanc', studyInstanceUid: studies[0].studyInstanceUid, method: 'c-move' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PacsError);
    expect((err as PacsError).code).toMatch(/move-destination-unknown|rejected/);
    await app.setReceiver({ running: false, aeTitle: 'LONGITUDE' });

    const secured = await startOrthanc({ users: { reader: 'right' } });
    try {
      await app.savePacsNode({ name: 'locked', dicomwebUrl: secured.dicomweb, auth: 'basic', username: 'reader', secret: 'wrong' });
      await expect(app.findPacsStudies({ name: 'locked', query: {} })).rejects.toMatchObject({ code: 'unauthorized' });
      const node = (await app.listPacsNodes()).find((n) => n.name === 'locked')!;
      await app.savePacsNode({ id: node.id, name: 'locked', dicomwebUrl: secured.dicomweb, auth: 'basic', username: 'reader', secret: 'right' });
      expect(await app.findPacsStudies({ name: 'locked', query: {} })).toEqual([]);
    } finally {
      await secured.stop();
    }

    // Cancel: nothing of the study is imported.
    const fresh = createApp({ homeDir: join(dir, 'home-cancel'), mode: 'serve', workers: 1 });
    try {
      await fresh.savePacsNode({ name: 'orthanc', dicomwebUrl: orthanc.dicomweb });
      const jobId = 'cancel-me';
      const pending = fresh.retrievePacs({ name: 'orthanc', studyInstanceUid: studies[0].studyInstanceUid, jobId });
      await fresh.cancelPacsJob({ jobId });
      await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
      expect(await fresh.listPatients()).toEqual([]);
      expect(fresh.pacs.transfers(1)[0]).toMatchObject({ status: 'cancelled' });
    } finally {
      await fresh.close();
    }
  });
});
