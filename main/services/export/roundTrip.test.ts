/**
 * Round trip: a patient's lesions exported as SR (TID 1500) + SEG per exam, imported with the CT
 * into a fresh library, give the same lesion table — labels, roles, Tracking UIDs, diameters to
 * 0.01 mm, RECIST 1.1 per exam, and the lesion and liver volumes exactly: the SR import alone
 * places the SEG's masks on their lesions by Tracking UID (and the liver), on the CT.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../../../core/api/maskRle';
import type { LesionTable } from '../../../core/api/types';
import { writePatient } from '../../../tools/phantom/index';
import { createApp, type App } from '../app';
import { auditTrail } from '../audit/auditLog';
import { trackingUidOf } from '../lesions/lesionStore';
import { withReader } from '../session/readerContext';
import { ExportService } from './exportService';

const dir = mkdtempSync(join(tmpdir(), 'lng-roundtrip-'));
const apps: App[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

async function seriesOfExams(app: App, patientId: string) {
  const patient = (await app.listPatients()).find((p) => p.patientId === patientId)!;
  const studies = (await app.listStudies(patient.id)).sort((a, b) => (a.date ?? '').localeCompare(b.date ?? ''));
  const series = await Promise.all(studies.map(async (s) => (await app.listSeries(s.id)).filter((x) => x.modality === 'CT')[0]));
  return { patient, studies, series };
}

describe('SR + SEG out, then in', () => {
  it('gives back the same lesion table in a fresh library', async () => {
    const written = await writePatient(join(dir, 'phantom'), { seed: 'round-trip', size: 128, slices: 48, sliceMm: 3, timepoints: 2, patientId: 'RT-001', writeLabels: true });
    const a = createApp({ homeDir: join(dir, 'a'), mode: 'serve', workers: 1 });
    apps.push(a);
    await a.importPaths(written.seriesDirs);
    const { patient, studies, series } = await seriesOfExams(a, 'RT-001');
    // The reader's lesions: every baseline lesion, measured from its mask on both exams.
    const baseline = written.truth.timepoints[0].lesions.filter((l) => written.truth.timepoints[1].lesions.some((m) => m.id === l.id));
    const targets = baseline.filter((l) => l.type === 'metastasis').slice(0, 2).map((l) => l.id);
    for (const l of baseline) {
      const lesion = await a.createLesion(patient.id, { site: 'liver', lesionType: l.type as 'metastasis' | 'cyst', recistRole: targets.includes(l.id) ? 'target' : 'non-target' });
      for (const t of [0, 1]) {
        const labels = new Uint8Array(readFileSync(join(written.patientDir, written.truth.timepoints[t].labelsFile!)));
        const value = written.truth.timepoints[t].lesions.find((x) => x.id === l.id)!.labelValue;
        const seg = await a.saveSegmentation({ seriesId: series[t].id, lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(labels.map((v) => (v === value ? 1 : 0))) });
        await a.measureFromMask(seg.id);
      }
    }
    // The liver of each exam (parenchyma and lesions), as the liver mask.
    for (const t of [0, 1]) {
      const labels = new Uint8Array(readFileSync(join(written.patientDir, written.truth.timepoints[t].labelsFile!)));
      await a.saveSegmentation({ seriesId: series[t].id, lesionId: null, structure: 'liver', mask: encodeMaskRle(labels.map((v) => (v > 0 ? 1 : 0))) });
    }
    const before = await a.getLesionTable(patient.id);
    expect(before.assessment.recistErrors).toEqual([]);
    const exporter = new ExportService({ db: a.db, homeDir: a.homeDir, version: 'test' });
    const out = join(dir, 'out');
    const exported = [];
    for (const s of studies) exported.push(await exporter.exportSr({ studyRowId: s.id, outDir: join(out, String(s.id)) }));

    // A fresh library: the CT and the reports.
    const b = createApp({ homeDir: join(dir, 'b'), mode: 'serve', workers: 1 });
    apps.push(b);
    const report = await b.importPaths([...written.seriesDirs, out]);
    expect(report.skipped).toBe(0);
    const fresh = await seriesOfExams(b, 'RT-001');
    const reader = { name: 'Import^Reader', id: 'IR1' };
    for (const st of fresh.studies) {
      const sr = (await b.listSeries(st.id)).find((x) => x.modality === 'SR')!;
      // The SR import alone: measurements, and the masks of the SEG it references (every lesion and the liver).
      const r = await withReader(reader, () => b.importSrMeasurements({ seriesId: sr.id }));
      expect(r.skipped).toEqual([]);
      expect(r.masks).toBe(baseline.length + 1);
    }
    const masksOf = async () => (await Promise.all(fresh.series.map((s) => b.listSegmentations({ seriesId: s.id })))).flat();
    const masks = await masksOf();
    expect(masks.map((m) => m.source)).toEqual(masks.map(() => 'dicom-seg'));
    expect(masks.filter((m) => m.structure === 'liver').map((m) => m.seriesId)).toEqual(fresh.series.map((s) => s.id));
    // Recorded with the reader of the call, as every write is.
    for (const m of masks) expect(auditTrail(b.db, 'segmentation', m.id)[0]).toMatchObject({ action: 'create', reader: reader });
    // Importing a report again adds nothing: no measurement, no lesion, no mask.
    for (const st of fresh.studies) {
      const sr = (await b.listSeries(st.id)).find((x) => x.modality === 'SR')!;
      expect(await b.importSrMeasurements({ seriesId: sr.id })).toMatchObject({ measurements: 0, masks: 0, lesionsCreated: [], skipped: [] });
    }
    expect((await masksOf()).map((m) => [m.id, m.updatedAt])).toEqual(masks.map((m) => [m.id, m.updatedAt]));

    // What each report and SEG holds, as the browser and `series <id>` show it: the groups as written, the volumes as placed.
    for (const [i, st] of fresh.studies.entries()) {
      const [sr, seg] = ['SR', 'SEG'].map((m) => b.listSeries(st.id).then((l) => l.find((x) => x.modality === m)!));
      const doc = (await b.describeSeriesContent({ seriesId: (await sr).id })).sr!.documents[0];
      expect(doc.timePoints).toEqual([i === 0 ? 'baseline' : 'follow-up 1']);
      // (As written: a DS value keeps 16 characters.)
      const mm = (v: number | null) => (v === null ? null : Number(v.toFixed(4)));
      const planar = doc.groups.filter((g) => g.longAxisMm !== null).map((g) => ({ label: g.trackingId, trackingUid: g.trackingUid, longAxisMm: mm(g.longAxisMm), shortAxisMm: mm(g.shortAxisMm) }));
      expect(planar).toEqual(exported[i].groups.map((g) => ({ label: g.label, trackingUid: g.trackingUid, longAxisMm: mm(g.longAxisMm), shortAxisMm: mm(g.shortAxisMm) })));
      const segContent = (await b.describeSeriesContent({ seriesId: (await seg).id })).seg!;
      expect(segContent.targetSeriesId).toBe(fresh.series[i].id);
      const placed = await b.listSegmentations({ seriesId: fresh.series[i].id });
      expect(segContent.segments.map((x) => x.volumeMl).sort()).toEqual(placed.map((m) => m.volumeMl).sort());
    }

    const after = await b.getLesionTable(fresh.patient.id);
    const summary = (t: LesionTable, app: App) =>
      t.table.lesions.map((l) => ({
        label: l.label,
        role: l.recistRole,
        type: l.lesionType,
        trackingUid: trackingUidOf(app.db, l.id),
        diameters: t.table.exams.map((e) => {
          const c = t.table.cells[l.id][e.studyRowId];
          return [Number(c.longAxisMm?.toFixed(2)), Number(c.shortAxisMm?.toFixed(2))];
        }),
        // Exactly: the same voxels on the same grid.
        volumesMl: t.table.exams.map((e) => t.table.cells[l.id][e.studyRowId].volumeMl),
      }));
    expect(summary(after, b)).toEqual(summary(before, a));
    expect(summary(before, a).every((l) => l.volumesMl.every((v) => v !== null && v > 0))).toBe(true);
    expect(before.table.exams.every((e) => before.table.liverVolumeMl[e.studyRowId] > 0)).toBe(true);
    expect(after.table.exams.map((e) => after.table.liverVolumeMl[e.studyRowId])).toEqual(before.table.exams.map((e) => before.table.liverVolumeMl[e.studyRowId]));
    expect(after.assessment.recist!.timepoints.map((tp) => [tp.sumMm, tp.overallResponse])).toEqual(before.assessment.recist!.timepoints.map((tp) => [tp.sumMm, tp.overallResponse]));
  }, 240_000);
});
