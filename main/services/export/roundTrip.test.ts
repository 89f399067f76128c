/**
 * Round trip: a patient's lesions exported as SR (TID 1500) + SEG per exam, imported with the CT
 * into a fresh library, give the same lesion table — labels, roles, Tracking UIDs, diameters to
 * 0.01 mm and RECIST 1.1 per exam.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../../../core/api/maskRle';
import type { LesionTable } from '../../../core/api/types';
import { writePatient } from '../../../tools/phantom/index';
import { createApp, type App } from '../app';
import { trackingUidOf } from '../lesions/lesionStore';
import { ExportService } from './exportService';
import { importSrMeasurements } from './srImport';

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
    const before = await a.getLesionTable(patient.id);
    expect(before.assessment.recistErrors).toEqual([]);
    const exporter = new ExportService({ db: a.db, homeDir: a.homeDir, version: 'test' });
    const out = join(dir, 'out');
    for (const s of studies) await exporter.exportSr({ studyRowId: s.id, outDir: join(out, String(s.id)) });

    // A fresh library: the CT and the reports.
    const b = createApp({ homeDir: join(dir, 'b'), mode: 'serve', workers: 1 });
    apps.push(b);
    const report = await b.importPaths([...written.seriesDirs, out]);
    expect(report.skipped).toBe(0);
    const fresh = await seriesOfExams(b, 'RT-001');
    for (const st of fresh.studies) {
      const sr = (await b.listSeries(st.id)).find((x) => x.modality === 'SR')!;
      const r = importSrMeasurements(b.db, b.homeDir, sr.id);
      expect(r.skipped).toEqual([]);
    }
    // Importing a report again adds nothing.
    const firstSr = (await b.listSeries(fresh.studies[0].id)).find((x) => x.modality === 'SR')!;
    expect(importSrMeasurements(b.db, b.homeDir, firstSr.id)).toMatchObject({ measurements: 0, lesionsCreated: [] });

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
      }));
    expect(summary(after, b)).toEqual(summary(before, a));
    expect(after.assessment.recist!.timepoints.map((tp) => [tp.sumMm, tp.overallResponse])).toEqual(before.assessment.recist!.timepoints.map((tp) => [tp.sumMm, tp.overallResponse]));
  }, 240_000);
});
