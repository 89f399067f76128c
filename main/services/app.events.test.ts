/**
 * The composition root end to end: every domain owner announces its committed changes,
 * and every audit row names the reader of the call that made it (through the same
 * dispatch the shells use). Real DICOM: the dcmqi CT and its liver SEG, and a two-exam
 * phantom patient for the follow-up domain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName } from '../../core/api/contract';
import { encodeMaskRle } from '../../core/api/maskRle';
import { writePatient } from '../../tools/phantom/index';
import { dispatch } from '../shell/dispatch';
import { createApp, type App } from './app';

const DATA = join(import.meta.dirname, '..', '..', '..', 'shared', 'data');
const READER = { name: 'Dr A. Jones', id: 'AJ7' };
let app: App;
let dir: string;
const events: { name: EventName; payload: unknown }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lng-events-'));
  app = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1, defaultReader: { name: 'workstation default' } });
  app.events.on('event', (name: EventName, payload: unknown) => events.push({ name, payload }));
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const since = (mark: number, name: EventName) => events.slice(mark).filter((e) => e.name === name).map((e) => e.payload);

async function call(method: string, ...args: unknown[]) {
  const r = await dispatch(app, method, args, READER);
  if (!r.ok) throw new Error(`${method}: ${r.error.kind}: ${r.error.message}`);
  return r.value as never;
}

describe('change events and the reader', () => {
  it('library, lesions and segmentation owners announce their changes after commit; audit rows name the reader', async () => {
    let mark = events.length;
    const report: { series: { id: number }[] } = await call('importPaths', [join(DATA, 'dcmqi', 'ct-3slice')]);
    const patient = (await app.listPatients())[0];
    expect(since(mark, 'onLibraryChanged')).toEqual([{ patientRowIds: [patient.id] }]);
    // Importing the same files again changes nothing and says nothing.
    mark = events.length;
    await call('importPaths', [join(DATA, 'dcmqi', 'ct-3slice')]);
    expect(since(mark, 'onLibraryChanged')).toEqual([]);

    mark = events.length;
    const lesion: { id: number } = await call('createLesion', patient.id, { site: 'liver' });
    await call('updateLesion', lesion.id, { notes: 'segment VII, 2 cm below the dome' });
    expect(since(mark, 'onLesionsChanged')).toEqual([{ patientRowId: patient.id }, { patientRowId: patient.id }]);
    const trail = await app.getAuditTrail('lesion', lesion.id);
    expect(trail.map((e) => [e.action, e.reader])).toEqual([
      ['create', READER],
      ['update', READER],
    ]);

    // A change made outside any client call is recorded with the workstation's default reader.
    await app.deleteLesion(lesion.id);
    expect((await app.getAuditTrail('lesion', lesion.id)).at(-1)).toMatchObject({ action: 'delete', reader: { name: 'workstation default' } });
    await call('restoreLesion', lesion.id);

    const seriesId = report.series[0].id;
    const g = (await app.getSeries(seriesId)).geometry;
    const mask = new Uint8Array(g.dims[0] * g.dims[1] * g.dims[2]);
    mask.fill(1, g.dims[0] * 200 + 200, g.dims[0] * 200 + 220);
    mark = events.length;
    const seg: { id: number } = await call('saveSegmentation', { seriesId, lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(mask) });
    expect(since(mark, 'onSegmentationsChanged')).toEqual([{ patientRowId: patient.id, seriesId }]);
    expect((await app.getAuditTrail('segmentation', seg.id))[0].reader).toEqual(READER);
  });

  it('a failed change says nothing: no event, no audit row', async () => {
    const patient = (await app.listPatients())[0];
    const before = (await app.listLesions(patient.id)).length;
    const mark = events.length;
    const r = await dispatch(app, 'createLesion', [patient.id, { site: 'brain' }], READER);
    expect(r).toMatchObject({ ok: false, error: { kind: 'invalid', message: expect.stringMatching(/site must be one of/) } });
    expect(events.slice(mark).filter((e) => e.name === 'onLesionsChanged')).toEqual([]);
    expect((await app.listLesions(patient.id)).length).toBe(before);
  });

  it('the follow-up owner announces a registration for the patient', async () => {
    const written = await writePatient(join(dir, 'phantom'), { seed: 7, size: 64, slices: 24, timepoints: 2, patientId: 'EV-001' });
    const a: { series: { id: number }[] } = await call('importPaths', [written.seriesDirs[0]]);
    const b: { series: { id: number }[] } = await call('importPaths', [written.seriesDirs[1]]);
    const patient = (await app.listPatients()).find((p) => p.patientId === 'EV-001')!;
    const mark = events.length;
    const pairs = [
      { fixedMm: [0, 0, 0], movingMm: [1, 2, 3] },
      { fixedMm: [50, 0, 0], movingMm: [51, 2, 3] },
      { fixedMm: [0, 50, 0], movingMm: [1, 52, 3] },
    ];
    const reg: { matrix4x4: number[][] } = await call('setLandmarkRegistration', { fixedSeriesId: a.series[0].id, movingSeriesId: b.series[0].id, pairs });
    expect(reg.matrix4x4[0][3]).toBeCloseTo(1, 6);
    expect(since(mark, 'onFollowUpChanged')).toEqual([{ patientRowId: patient.id }]);
  });
});

describe('one dispatch for both shells', () => {
  it('an unknown method, a raw-body method called as JSON, and a missing series each come back with their kind', async () => {
    expect(await dispatch(app, 'dropAllTables', [], null)).toMatchObject({ ok: false, error: { kind: 'not-found', message: 'unknown API method "dropAllTables"' } });
    expect(await dispatch(app, 'uploadFile', ['b', 'x.dcm', new Uint8Array(1)], null)).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    expect(await dispatch(app, 'getSeries', [999], null)).toMatchObject({ ok: false, error: { kind: 'not-found', message: 'series 999 is not in the library' } });
    expect(await dispatch(app, 'getSeries', ['x'], null)).toMatchObject({ ok: false, error: { kind: 'invalid' } });
    expect(await dispatch(app, 'pickImportPaths', [], null)).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
  });

  it('binary methods say so; getReader answers the caller', async () => {
    const seriesId = (await app.listSeries((await app.listStudies((await app.listPatients())[0].id))[0].id))[0].id;
    const thumb = await dispatch(app, 'getThumbnail', [seriesId], null);
    expect(thumb).toMatchObject({ ok: true, binary: 'image/png' });
    expect(await dispatch(app, 'getReader', [], READER)).toMatchObject({ ok: true, value: READER });
    expect(await dispatch(app, 'getReader', [], null)).toMatchObject({ ok: true, value: { name: 'workstation default' } });
  });
});
