/**
 * Follow-up matching end to end on a phantom patient with known motion between exams and
 * lesions that grow, shrink, appear, disappear, split and merge: real DICOM imported into a
 * real registry, masks from the phantom's label maps, elastix registration in a worker,
 * matching, the review queue, and the lesion table / RECIST following the lineage.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../../../core/api/maskRle';
import type { Vec3 } from '../../../core/api/types';
import { applyMat4, type Mat4 } from '../../../core/registration/affine';
import { writePatient } from '../../../tools/phantom/index';
import { recistCaseFromTable } from '../../../core/recist/lesionAssessment';
import { createApp, type App } from '../app';
import { withReader } from '../session/readerContext';

interface TruthLesion {
  id: string;
  labelValue: number;
  type: string;
  centreMm: Vec3;
}
interface Truth {
  lesions: { id: string; splitFrom: string | null; mergedInto: string | null }[];
  timepoints: { labelsFile: string; lesions: TruthLesion[]; baselineToExam: { matrix4x4: Mat4 }; geometry: { originMm: Vec3 } }[];
}

let service: App;
let dir: string;
let truth: Truth;
let patientRowId: number;
const study: number[] = [];
const series: number[] = [];
/** Lesion row id per exam and truth id. */
const lesionOf: Map<string, number>[] = [new Map(), new Map()];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lng-fu-'));
  service = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 2 });
  const written = await writePatient(join(dir, 'phantom'), { seed: 233, size: 128, slices: 80, timepoints: 2, patientId: 'FU-001', writeLabels: true });
  truth = JSON.parse(readFileSync(written.truthPath, 'utf8'));
  for (let t = 0; t < 2; t++) {
    const report = await service.importPaths([written.seriesDirs[t]]);
    series.push(report.series[0].id);
    const detail = await service.getSeries(report.series[0].id);
    patientRowId = (await service.listPatients())[0].id;
    const st = (await service.listStudies(patientRowId)).find((s) => s.studyInstanceUid === detail.study.studyInstanceUid)!;
    study.push(st.id);
    // The library's grid is the phantom's (slice 0 lowest), so the label maps lie on it.
    for (let a = 0; a < 3; a++) expect(detail.geometry.originMm[a]).toBeCloseTo(truth.timepoints[t].geometry.originMm[a], 3);
    const labels = new Uint8Array(readFileSync(join(written.patientDir, truth.timepoints[t].labelsFile)));
    const tp = truth.timepoints[t];
    // Baseline: the radiologist's lesions. Follow-up: findings as new identities (as accepted AI proposals are).
    for (const l of tp.lesions) {
      const splitOrigin = truth.lesions.some((x) => x.splitFrom === l.id);
      const mergeSurvivor = truth.lesions.some((x) => x.mergedInto === l.id);
      const lesion = await service.createLesion(patientRowId, {
        site: 'liver',
        lesionType: l.type as 'metastasis' | 'cyst',
        recistRole: t === 0 && (splitOrigin || mergeSurvivor) ? 'target' : 'non-target',
        notes: `phantom ${l.id} exam ${t}`,
      });
      lesionOf[t].set(l.id, lesion.id);
      const mask = labels.map((v) => (v === l.labelValue ? 1 : 0));
      const seg = await service.saveSegmentation({ seriesId: series[t], lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(mask) });
      await service.measureFromMask(seg.id);
    }
  }
}, 300_000);
afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The lineage edges baseline → follow-up the phantom made, as lesion row ids. */
function truthEdges(): Set<string> {
  const [t0, t1] = truth.timepoints.map((tp) => new Set(tp.lesions.map((l) => l.id)));
  const edges = new Set<string>();
  for (const id of t0) if (t1.has(id)) edges.add(`${lesionOf[0].get(id)}>${lesionOf[1].get(id)}`);
  for (const l of truth.lesions) {
    if (l.splitFrom && t0.has(l.splitFrom) && t1.has(l.id) && !t0.has(l.id)) edges.add(`${lesionOf[0].get(l.splitFrom)}>${lesionOf[1].get(l.id)}`);
    if (l.mergedInto && t0.has(l.id) && t1.has(l.mergedInto) && !t1.has(l.id)) edges.add(`${lesionOf[0].get(l.id)}>${lesionOf[1].get(l.mergedInto)}`);
  }
  return edges;
}

describe('follow-up matching on a phantom patient', () => {
  it('registers the follow-up to the baseline (elastix), maps lesion centres within 2 mm, and links every lesion right', async () => {
    const result = await service.matchFollowUp({ baselineStudyRowId: study[0], followUpStudyRowId: study[1] });
    expect(result.registrationId).not.toBeNull();
    const regs = await service.listRegistrations(patientRowId);
    expect(regs).toHaveLength(1);
    expect(regs[0]).toMatchObject({ fixedSeriesId: series[0], movingSeriesId: series[1], status: 'current' });
    // Registration error at the lesions that kept their shape and place (truth: p_exam = T · p_baseline).
    const T = truth.timepoints[1].baselineToExam.matrix4x4;
    const stable = truth.timepoints[0].lesions.filter((l) => truth.timepoints[1].lesions.some((m) => m.id === l.id) && !truth.lesions.some((x) => x.splitFrom === l.id || x.mergedInto === l.id));
    const errors = stable.map((l) => {
      const want = applyMat4(T, l.centreMm);
      const got = applyMat4(regs[0].matrix4x4 as Mat4, l.centreMm);
      return Math.hypot(want[0] - got[0], want[1] - got[1], want[2] - got[2]);
    });
    errors.sort((a, b) => a - b);
    expect(errors[Math.floor(errors.length / 2)]).toBeLessThanOrEqual(2);
    expect(errors.at(-1)!).toBeLessThanOrEqual(4);

    const got = new Set(result.links.filter((l) => l.status !== 'rejected').map((l) => `${l.fromLesionId}>${l.toLesionId}`));
    expect([...got].sort()).toEqual([...truthEdges()].sort());
    // What appeared and what disappeared.
    const appeared = truth.timepoints[1].lesions.filter((l) => !truth.timepoints[0].lesions.some((m) => m.id === l.id) && !truth.lesions.find((x) => x.id === l.id)?.splitFrom);
    expect(result.newLesionIds.sort()).toEqual(appeared.map((l) => lesionOf[1].get(l.id)).sort());
    // Synchronized navigation goes through the stored registration.
    const p = truth.timepoints[0].lesions[0].centreMm;
    const mapped = await service.mapPoint({ fromSeriesId: series[0], toSeriesId: series[1], pointLps: p });
    const want = applyMat4(T, p);
    expect(Math.hypot(mapped.pointLps[0] - want[0], mapped.pointLps[1] - want[1], mapped.pointLps[2] - want[2])).toBeLessThan(2);
  }, 300_000);

  it('confident matches are applied; the split and the merge wait in the review queue; confirming them drives RECIST', async () => {
    const queue = await service.listLesionLinks({ patientRowId, status: 'proposed' });
    expect(queue.length).toBeGreaterThan(0);
    expect(queue.every((l) => l.kind !== 'match' || (l.confidence ?? 0) < 0.6)).toBe(true);
    const splitOrigin = truth.lesions.find((x) => x.splitFrom)!.splitFrom!;
    const absorbed = truth.lesions.find((x) => x.mergedInto)!;
    for (const l of queue) await service.confirmLesionLink(l.id);
    expect(await service.listLesionLinks({ patientRowId, status: 'proposed' })).toEqual([]);

    const table = await service.getLesionTable(patientRowId);
    // Matched follow-up findings continued the baseline identities: their own rows are retired.
    // (Where a lesion split or merged, which of the pieces continues the identity is the
    // matcher's choice; the lineage records the rest.)
    const live = new Set(table.table.lesions.map((l) => l.id));
    for (const id of truth.timepoints[0].lesions.map((l) => l.id)) expect(live.has(lesionOf[0].get(id)!)).toBe(true);
    const matches = (await service.listLesionLinks({ patientRowId, status: 'confirmed' })).filter((l) => l.kind === 'match');
    expect(matches.length).toBeGreaterThan(3);
    for (const m of matches) {
      expect(live.has(m.toLesionId)).toBe(false);
      expect(table.table.cells[m.fromLesionId][study[1]].longAxisMm).not.toBeNull();
    }
    expect(table.table.lineage.map((x) => x.kind).sort()).toEqual(['merge', 'split']);
    const { recistCase } = recistCaseFromTable(table.table);
    const origin = table.table.lesions.find((l) => l.id === lesionOf[0].get(splitOrigin))!;
    const fu = recistCase.timepoints[1];
    expect(fu.target[origin.label]).toHaveProperty('fragments');
    expect((fu.target[origin.label] as { fragments: unknown[] }).fragments).toHaveLength(2);
    // The two that coalesced: one carries the merged lesion, the other is recorded as merged into it.
    const pair = [absorbed.id, absorbed.mergedInto!].map((id) => table.table.lesions.find((l) => l.id === lesionOf[0].get(id))!);
    const entries = pair.map((l) => (l.recistRole === 'target' ? fu.target[l.label] : fu.nonTarget![l.label]));
    expect(entries.some((e) => e === 'absent' || (typeof e === 'object' && e !== null && 'mergedInto' in e))).toBe(true);
    expect(table.assessment.recistErrors).toEqual([]);
    expect(table.assessment.recist).not.toBeNull();
  });

  it('unlinking a confirmed match gives the follow-up finding back its own identity, and the audit trail has both', async () => {
    const match = (await service.listLesionLinks({ patientRowId, status: 'confirmed' })).find((l) => l.kind === 'match')!;
    const before = (await service.listSegmentations({ lesionId: match.fromLesionId })).length;
    await service.rejectLesionLink(match.id);
    expect((await service.listLesions(patientRowId)).map((l) => l.id)).toContain(match.toLesionId);
    expect((await service.listSegmentations({ lesionId: match.fromLesionId })).length).toBe(before - 1);
    expect((await service.listSegmentations({ lesionId: match.toLesionId })).length).toBe(1);
    const trail = await service.getAuditTrail('lesion-link', match.id);
    expect(trail.map((e) => (e.after as { status: string }).status)).toEqual(['confirmed', 'rejected']);
    // A rejected link is not proposed again.
    const again = await service.matchFollowUp({ baselineStudyRowId: study[0], followUpStudyRowId: study[1] });
    expect(again.links.filter((l) => l.status === 'proposed' && l.fromLesionId === match.fromLesionId && l.toLesionId === match.toLesionId)).toEqual([]);
    // Relinking by hand restores it.
    const manual = await service.linkLesions({ baselineStudyRowId: study[0], followUpStudyRowId: study[1], fromLesionId: match.fromLesionId, toLesionId: match.toLesionId, kind: 'match' });
    expect(manual).toMatchObject({ status: 'confirmed', source: 'manual' });
  }, 120_000);

  it('what matching cannot pair becomes review items: a new lesion at this exam, a proposed disappearance; each decision is undone by reopening', async () => {
    const appearedId = truth.timepoints[1].lesions.find((l) => !truth.timepoints[0].lesions.some((m) => m.id === l.id) && !truth.lesions.find((x) => x.id === l.id)?.splitFrom)!.id;
    const goneId = truth.timepoints[0].lesions.find((l) => !truth.timepoints[1].lesions.some((m) => m.id === l.id) && !truth.lesions.find((x) => x.id === l.id)?.mergedInto)!.id;
    const queue = await service.getReviewQueue({ patientRowId });
    const newItem = queue.find((i) => i.kind === 'new')!;
    const goneItem = queue.find((i) => i.kind === 'disappeared')!;
    const newLesion = (await service.listLesions(patientRowId)).find((l) => l.id === lesionOf[1].get(appearedId))!;
    const goneLesion = (await service.listLesions(patientRowId)).find((l) => l.id === lesionOf[0].get(goneId))!;
    expect(newItem).toMatchObject({ lesionLabels: [newLesion.label], followUpStudyRowId: study[1], decisions: ['confirm', 'equivocal', 'reject'] });
    expect(goneItem).toMatchObject({ lesionLabels: [goneLesion.label], decisions: ['confirm', 'reject'] });
    const cell = async (lesionId: number) => (await service.getLesionTable(patientRowId)).table.cells[lesionId]?.[study[1]];

    // Equivocal: written as the lesion's status on the follow-up; reopening restores what was there.
    await withReader({ name: 'Dr A. Jones' }, () => service.decideReviewItem({ itemId: newItem.itemId, decision: 'equivocal' }));
    expect((await cell(newLesion.id))!.status).toBe('equivocal');
    const fu = (await service.getLesionTable(patientRowId)).assessment.recist!.timepoints[1];
    expect(fu.equivocalNewLesionIds).toEqual([newLesion.label]);
    expect(fu.newLesionIds).not.toContain(newLesion.label);
    await expect(service.decideReviewItem({ itemId: newItem.itemId, decision: 'confirm' })).rejects.toThrow(/already equivocal; reopen it first/);
    await service.decideReviewItem({ itemId: newItem.itemId, decision: 'reopen' });
    expect((await cell(newLesion.id))!.status).toBe('measured');

    // Not a lesion: the identity is retired (a false positive), and comes back on reopening.
    await service.decideReviewItem({ itemId: newItem.itemId, decision: 'reject' });
    expect((await service.listLesions(patientRowId)).map((l) => l.id)).not.toContain(newLesion.id);
    await service.decideReviewItem({ itemId: newItem.itemId, decision: 'reopen' });
    expect((await service.listLesions(patientRowId)).map((l) => l.id)).toContain(newLesion.id);
    const confirmed = await service.decideReviewItem({ itemId: newItem.itemId, decision: 'confirm' });
    expect(confirmed).toMatchObject({ status: 'confirmed', decisions: ['reopen'] });
    expect((await service.getLesionTable(patientRowId)).assessment.recist!.timepoints[1]).toMatchObject({ newLesionIds: [newLesion.label], overallResponse: 'PD' });

    // Disappeared: confirming records it on the follow-up (0 mm for a target); it cannot be equivocal.
    await expect(service.decideReviewItem({ itemId: goneItem.itemId, decision: 'equivocal' })).rejects.toThrow(/only a new lesion can be equivocal/);
    const gone = await withReader({ name: 'Dr B. Smith' }, () => service.decideFinding({ findingId: Number(goneItem.itemId.slice(8)), decision: 'confirm' }));
    expect(gone).toMatchObject({ status: 'confirmed', reader: { name: 'Dr B. Smith' } });
    expect((await cell(goneLesion.id))!.status).toBe('disappeared');
    const history = await service.getLesionHistory(goneLesion.id);
    expect(history.some((e) => e.entity === 'followup-finding' && e.reader?.name === 'Dr B. Smith')).toBe(true);
    await service.decideReviewItem({ itemId: goneItem.itemId, decision: 'reopen' });
    expect((await cell(goneLesion.id))!.status).toBeNull();
    await expect(service.decideReviewItem({ itemId: 'lesion-3', decision: 'confirm' })).rejects.toThrow(/not an item id/);
    await expect(service.decideReviewItem({ itemId: 'finding-9999', decision: 'confirm' })).rejects.toThrow(/finding 9999 does not exist/);
  }, 120_000);

  it('a manual registration from corresponding points', async () => {
    const T = truth.timepoints[1].baselineToExam.matrix4x4;
    const pts: Vec3[] = [
      [0, 0, 0],
      [50, 0, 0],
      [0, 60, 10],
      [20, -30, 40],
    ];
    const reg = await service.setLandmarkRegistration({ fixedSeriesId: series[0], movingSeriesId: series[1], pairs: pts.map((p) => ({ fixedMm: p, movingMm: applyMat4(T, p) })) });
    expect(reg.method).toBe('landmarks');
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(reg.matrix4x4[r][c]).toBeCloseTo(T[r][c], 4);
    await expect(service.setLandmarkRegistration({ fixedSeriesId: series[0], movingSeriesId: series[1], pairs: [] })).rejects.toThrow(/at least three pairs/);
  });
});
