/**
 * "Place on CT" (`importSegMasks`): a SEG series of the library placed on the CT it references.
 * Real data: dcmqi's liver SEG on its three CT slices (the known volume, 70.3619 mL), highdicom's
 * SEGs (made on images that are not in shared/data). Longitude's own SEG in a fresh library:
 * the lesions come back with their Tracking UIDs and labels and exactly the same volumes, once;
 * a mask the reader changed is kept; a signed exam is not touched.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../../../core/api/maskRle';
import { writePatient } from '../../../tools/phantom/index';
import { createApp, type App } from '../app';
import { auditTrail } from '../audit/auditLog';
import { ExportService } from '../export/exportService';
import { trackingUidOf } from '../lesions/lesionStore';
import { signExam } from '../lesions/signoffStore';
import { withReader } from '../session/readerContext';

const DATA = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data');
const dir = mkdtempSync(join(tmpdir(), 'lng-seg-place-'));
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

async function allSeries(app: App) {
  const out = [];
  for (const p of await app.listPatients()) for (const st of await app.listStudies(p.id)) for (const s of await app.listSeries(st.id)) out.push({ ...s, patientRowId: p.id, patientId: p.patientId });
  return out;
}

describe('Place on CT: a SEG series on the CT it references', () => {
  it("dcmqi's liver SEG becomes the CT's liver mask, with the volume the SEG's content description gives; once", async () => {
    const app = fresh('dcmqi');
    await app.importPaths([join(DATA, 'dcmqi', 'ct-3slice'), join(DATA, 'dcmqi', 'liver.dcm')]);
    const series = await allSeries(app);
    const ct = series.find((s) => s.modality === 'CT')!;
    const seg = series.find((s) => s.modality === 'SEG')!;
    const r = await withReader({ name: 'Place^Reader', id: 'PR1' }, () => app.importSegMasks({ seriesId: seg.id }));
    expect(r).toEqual({ segSeriesId: seg.id, targetSeriesId: ct.id, masks: 1, lesionsMatched: [], lesionsCreated: [], skipped: [] });
    const [liver] = await app.listSegmentations({ seriesId: ct.id });
    expect(liver).toMatchObject({ structure: 'liver', lesionId: null, source: 'dicom-seg' });
    expect(Math.abs(liver.volumeMl * 1000 - 70361.9) / 70361.9).toBeLessThan(0.001);
    expect(auditTrail(app.db, 'segmentation', liver.id)[0]).toMatchObject({ action: 'create', reader: { name: 'Place^Reader', id: 'PR1' } });
    const content = await app.describeSeriesContent({ seriesId: seg.id });
    expect(content.seg!.segments[0]).toMatchObject({ label: 'Liver', voxels: liver.voxelCount, volumeMl: liver.volumeMl });
    expect(await app.importSegMasks({ seriesId: seg.id })).toMatchObject({ masks: 0, skipped: [] });
    expect(await app.listSegmentations({ seriesId: ct.id })).toHaveLength(1);
  });

  it("highdicom's SEGs, made on images not in the library, name why for each segment; a series that is no SEG is refused", async () => {
    const app = fresh('highdicom');
    await app.importPaths([join(DATA, 'highdicom')]);
    const series = await allSeries(app);
    const segs = series.filter((s) => s.modality === 'SEG');
    expect(segs).toHaveLength(4);
    for (const seg of segs) {
      const r = await app.importSegMasks({ seriesId: seg.id });
      expect(r.targetSeriesId).toBeNull();
      expect(r.masks).toBe(0);
      expect(r.skipped.length).toBeGreaterThan(0);
      for (const line of r.skipped) expect(line).toMatch(/the images it was made on \(series 1\.3\.6\.1\.4\.1\.5962\.1\.1\.0\.0\.0\.1196530851\.28319\.0\.2\) are not in the library$/);
    }
    const ct = series.find((s) => s.modality === 'CT')!;
    await expect(app.importSegMasks({ seriesId: ct.id })).rejects.toMatchObject({ kind: 'invalid', message: `series ${ct.id} holds no DICOM Segmentation` });
    await expect(app.importSegMasks({ seriesId: 4242 })).rejects.toMatchObject({ kind: 'not-found' });
  });

  it("Longitude's SEG in a fresh library: lesions with their Tracking UIDs and labels, exactly the same volumes; a changed mask is kept; a signed exam is not touched", async () => {
    const written = await writePatient(join(dir, 'phantom'), { seed: 'seg-place', size: 96, slices: 32, sliceMm: 3, timepoints: 1, patientId: 'SEGP-001', writeLabels: true });
    const a = fresh('a');
    await a.importPaths(written.seriesDirs);
    const [ctA] = await allSeries(a);
    const labels = new Uint8Array(readFileSync(join(written.patientDir, written.truth.timepoints[0].labelsFile!)));
    for (const l of written.truth.timepoints[0].lesions) {
      const lesion = await a.createLesion(ctA.patientRowId, { site: 'liver', lesionType: l.type as 'metastasis' | 'cyst', recistRole: 'non-target' });
      await a.saveSegmentation({ seriesId: ctA.id, lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(labels.map((v) => (v === l.labelValue ? 1 : 0))) });
    }
    await a.saveSegmentation({ seriesId: ctA.id, lesionId: null, structure: 'liver', mask: encodeMaskRle(labels.map((v) => (v > 0 ? 1 : 0))) });
    const exported = await new ExportService({ db: a.db, homeDir: a.homeDir, version: 'test' }).exportSeg({ studyRowId: ctA.studyRowId, outDir: join(dir, 'out') });

    const b = fresh('b');
    await b.importPaths([...written.seriesDirs, exported.file]);
    const series = await allSeries(b);
    const ct = series.find((s) => s.modality === 'CT')!;
    const seg = series.find((s) => s.modality === 'SEG')!;
    const r = await b.importSegMasks({ seriesId: seg.id });
    const lesionsA = await a.listLesions(ctA.patientRowId);
    expect(r).toMatchObject({ targetSeriesId: ct.id, masks: lesionsA.length + 1, lesionsMatched: [], skipped: [] });
    expect(r.lesionsCreated.sort()).toEqual(lesionsA.map((l) => l.label).sort());
    // Per Tracking UID (the liver apart): label, voxels and volume of the mask, in each library.
    const shape = async (app: App, seriesId: number, patientRowId: number) => {
      const lesions = await app.listLesions(patientRowId);
      return Object.fromEntries(
        (await app.listSegmentations({ seriesId })).map((m) => [
          m.lesionId === null ? 'liver' : trackingUidOf(app.db, m.lesionId),
          { label: m.lesionId === null ? null : lesions.find((l) => l.id === m.lesionId)!.label, voxels: m.voxelCount, ml: m.volumeMl },
        ]),
      );
    };
    const inA = await shape(a, ctA.id, ctA.patientRowId);
    expect(await shape(b, ct.id, ct.patientRowId)).toEqual(inA);
    // The content description gives the same volumes, computed on the CT's grid.
    const described = (await b.describeSeriesContent({ seriesId: seg.id })).seg!;
    expect(described.volumesFrom).toBe('ct');
    expect(Object.fromEntries(described.segments.map((s) => [s.label === 'Liver' ? 'liver' : s.trackingUid, s.volumeMl]))).toEqual(Object.fromEntries(Object.entries(inA).map(([k, v]) => [k, v.ml])));

    // Again: every lesion is matched, nothing is placed.
    const again = await b.importSegMasks({ seriesId: seg.id });
    expect(again).toMatchObject({ masks: 0, lesionsCreated: [], skipped: [] });
    expect(again.lesionsMatched.sort()).toEqual(r.lesionsCreated.sort());

    // The reader changed a mask: the SEG does not overwrite it.
    const first = (await b.listSegmentations({ seriesId: ct.id })).find((m) => m.lesionId !== null)!;
    const edited = new Uint8Array(labels.length);
    edited[0] = 1;
    await b.updateSegmentation(first.id, encodeMaskRle(edited));
    const kept = await b.importSegMasks({ seriesId: seg.id });
    expect(kept.masks).toBe(0);
    expect(kept.skipped).toEqual([expect.stringMatching(new RegExp(`^segment \\d+ "L\\d+" of SEG series ${seg.id}: L\\d+ already has a different mask on series ${ct.id} \\(segmentation ${first.id}\\); it is kept$`))]);

    // Signed: a segment that would be placed again refuses the whole call, naming the lock.
    await b.deleteSegmentation(first.id);
    signExam(b.db, ct.studyRowId, { date: null, sumMm: null, targetResponse: null, nonTargetResponse: null, overallResponse: null, newLesionIds: [], explanation: [] });
    await expect(b.importSegMasks({ seriesId: seg.id })).rejects.toMatchObject({ kind: 'conflict', message: expect.stringMatching(/is locked/) });
    expect((await b.listSegmentations({ seriesId: ct.id })).length).toBe(lesionsA.length);
  });
});
