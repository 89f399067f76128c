/**
 * A demo patient, so a new user sees the whole job at once without DICOM at hand: a three-exam
 * synthetic contrast CT (main/services/demo/phantom: a liver with metastases that grow, shrink,
 * appear, disappear, split and merge, and a cyst) imported into the library, the liver and every
 * lesion segmented and measured on each exam from the phantom's own label maps, two targets
 * chosen at baseline, and each follow-up matched to the lesions known before it — the confident
 * links applied, the rest waiting in the review queue for the user to decide. It is made through
 * the same API as every other client, so the audit log shows it (as the reader "Longitude demo").
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LongitudeApi } from '../../../core/api/contract';
import type { DemoResult } from '../../../core/api/domains/export';
import { encodeMaskRle } from '../../../core/api/maskRle';
import { withReader } from '../session/readerContext';
import { LIVER_LABEL, writePatient } from './phantom/index';


export const DEMO_READER = { name: 'Longitude demo', id: null };

export async function createDemoPatient(api: LongitudeApi, homeDir: string, opts: { seed?: string; size?: number; slices?: number } = {}): Promise<DemoResult> {
  const seed = opts.seed ?? 'demo';
  const existing = (await api.listPatients()).filter((p) => p.patientId.startsWith('DEMO-'));
  const patientId = `DEMO-${existing.length + 1}`;
  const work = mkdtempSync(join(homeDir, 'demo-'));
  try {
    return await withReader(DEMO_READER, async () => {
      const written = await writePatient(work, { seed: `${seed}-${existing.length + 1}`, size: opts.size ?? 192, slices: opts.slices ?? 64, sliceMm: 3, timepoints: 3, patientId, writeLabels: true });
      const report = await api.importPaths(written.seriesDirs);
      if (report.imported === 0) throw new Error(`the demo series could not be imported: ${report.files.find((f) => f.outcome === 'skipped')?.reason ?? 'unknown reason'}`);
      const patient = (await api.listPatients()).find((p) => p.patientId === patientId)!;
      const studies = (await api.listStudies(patient.id)).sort((a, b) => (a.date ?? '').localeCompare(b.date ?? ''));
      const series = await Promise.all(studies.map(async (s) => (await api.listSeries(s.id))[0]));
      const truth = written.truth;
      // The radiologist's two targets at baseline: the metastases that grow and shrink (RECIST 1.1: at most two per organ).
      const targets = new Set(truth.lesions.filter((l) => l.type === 'metastasis' && (l.course === 'grow' || l.course === 'shrink')).map((l) => l.id));
      let lesions = 0;
      for (const [t, tp] of truth.timepoints.entries()) {
        const labels = new Uint8Array(readFileSync(join(written.patientDir, tp.labelsFile!)));
        await api.saveSegmentation({ seriesId: series[t].id, lesionId: null, structure: 'liver', mask: encodeMaskRle(labels.map((v) => (v === LIVER_LABEL ? 1 : 0))) });
        // Each exam's findings are lesions of their own, as accepted model proposals are; matching links them.
        for (const l of tp.lesions) {
          const lesion = await api.createLesion(patient.id, {
            site: 'liver',
            lesionType: l.type === 'cyst' ? 'cyst' : 'metastasis',
            recistRole: t === 0 && targets.has(l.id) ? 'target' : 'non-target',
            notes: 'demo phantom lesion',
          });
          const seg = await api.saveSegmentation({ seriesId: series[t].id, lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(labels.map((v) => (v === l.labelValue ? 1 : 0))) });
          await api.measureFromMask(seg.id);
          lesions++;
        }
      }
      for (let t = 1; t < studies.length; t++) await api.matchFollowUp({ baselineStudyRowId: studies[0].id, followUpStudyRowId: studies[t].id });
      const reviewItems = (await api.getReviewQueue({ patientRowId: patient.id })).length;
      return { patientRowId: patient.id, patientId, studyRowIds: studies.map((s) => s.id), lesions, reviewItems };
    });
  } finally {
    // The library holds its own copies; the generated source goes.
    rmSync(work, { recursive: true, force: true });
  }
}
