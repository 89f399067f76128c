/**
 * The AI flow through the library service with a real SQLite registry, a real phantom CT
 * imported from DICOM, and a real ONNX model run by onnxruntime-node in the inference
 * process: the known-answer threshold model (testdata/threshold) marks voxels below 25 HU,
 * so on the phantom it finds the cysts (0–10 HU) and not the metastases (40–60 HU).
 * Monitoring of the model's errors (rejections, misses, findings later found not to be
 * lesions) runs on the same flow, and on an in-memory registry for the runs that do not count.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMaskRle, encodeMaskRle } from '../../../core/api/maskRle';
import type { AcceptProposalResult, AiProgressEvent, AiProposal, Lesion, Vec3 } from '../../../core/api/types';
import { writePatient } from '../../../tools/phantom/index';
import { createApp, type App } from '../app';
import { openMemoryRegistry } from '../registry/db';
import { withReader } from '../session/readerContext';
import { listAgreementRows, monitoring, recordNotALesion, recordReaderFindings } from './aiService';

const TESTDATA = fileURLToPath(new URL('./testdata', import.meta.url));
let service: App;
let dir: string;
let seriesId: number;
let truth: { timepoints: { lesions: { id: string; type: string; centreMm: number[]; voxelizedVolumeMl: number }[] }[] };
const events: AiProgressEvent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lng-ai-'));
  service = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 2, appModelsDir: TESTDATA });
  service.events.on('event', (name: string, payload: AiProgressEvent) => name === 'onAiProgress' && events.push(payload));
  const written = await writePatient(join(dir, 'phantom'), { seed: 'ai-svc', size: 160, slices: 60, sliceMm: 3, timepoints: 1, patientId: 'AI-001' });
  truth = JSON.parse(readFileSync(written.truthPath, 'utf8'));
  const report = await service.importPaths([written.seriesDirs[0]]);
  seriesId = report.series[0].id;
}, 120_000);
afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('models', () => {
  it('lists the shipped test model as valid, with its card', async () => {
    const models = await service.listModels();
    const m = models.find((x) => x.id === 'test-threshold')!;
    expect(m.valid).toBe(true);
    expect(m.errors).toEqual([]);
    expect(m.source).toBe('app');
    expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.card?.notForClinicalUse).toBe(true);
  });

  it('refuses to add a model whose weights do not match the hash, or whose ONNX does not match the manifest', async () => {
    const bad = join(dir, 'bad-hash');
    cpSync(join(TESTDATA, 'threshold'), bad, { recursive: true });
    const json = JSON.parse(readFileSync(join(bad, 'model.json'), 'utf8'));
    writeFileSync(join(bad, 'model.json'), JSON.stringify({ ...json, sha256: 'a'.repeat(64) }));
    await expect(service.addModel(bad)).rejects.toThrow(/model\.onnx has SHA-256 [0-9a-f]{64}, but model\.json says a{64}/);

    const wrongIo = join(dir, 'wrong-io');
    cpSync(join(TESTDATA, 'threshold'), wrongIo, { recursive: true });
    writeFileSync(join(wrongIo, 'model.json'), JSON.stringify({ ...json, id: 'wrong-io', input: { ...json.input, name: 'ct', patchSize: [32, 16, 16] } }));
    await expect(service.addModel(wrongIo)).rejects.toThrow(/the model has no input "ct" \(it has "image"\)/);
    writeFileSync(join(wrongIo, 'model.json'), JSON.stringify({ ...json, id: 'wrong-io', input: { ...json.input, patchSize: [32, 16, 16] } }));
    await expect(service.addModel(wrongIo)).rejects.toThrow(/axis x is 16; the manifest patch needs 32/);
    // Nothing half-added.
    expect((await service.listModels()).map((m) => m.id)).not.toContain('wrong-io');
  });

  it('adds a valid model folder to the user models folder', async () => {
    const good = join(dir, 'good');
    cpSync(join(TESTDATA, 'threshold'), good, { recursive: true });
    const json = JSON.parse(readFileSync(join(good, 'model.json'), 'utf8'));
    writeFileSync(join(good, 'model.json'), JSON.stringify({ ...json, id: 'user-threshold' }));
    const info = await service.addModel(good);
    expect(info).toMatchObject({ id: 'user-threshold', source: 'user', valid: true });
    expect(info.folder).toBe(join(dir, 'home', 'models', 'user-threshold@1.0.0'));
    // A tampered copy in the models folder is listed as invalid, with the reason.
    writeFileSync(join(info.folder, 'model.onnx'), Buffer.concat([readFileSync(join(info.folder, 'model.onnx')), Buffer.from([0])]));
    const listed = (await service.listModels()).find((m) => m.id === 'user-threshold')!;
    expect(listed.valid).toBe(false);
    expect(listed.errors.join(' ')).toMatch(/not the ones the manifest describes/);
    await expect(service.runModel({ seriesId, modelId: 'user-threshold' })).rejects.toThrow(/cannot be used: .*SHA-256/);
  });
});

describe('runs and proposals', () => {
  let runId: number;
  let accepted: AcceptProposalResult;
  let rejected: AiProposal;
  let editedDice: number;
  /** Lesions the reader added by hand: one measured, one drawn as a mask. */
  let measuredByHand: Lesion;
  let drawnByHand: Lesion;

  it('runs the model on the phantom with progress; the run records model, hash, provider, parameters and timings', async () => {
    const queued = await service.runModel({ seriesId, modelId: 'test-threshold', options: { minLesionVolumeMl: 0.2 } });
    expect(queued.status).toBe('queued');
    runId = queued.id;
    const run = await service.ai.waitForRun(runId);
    expect(run.error).toBeNull();
    expect(run.status).toBe('done');
    expect(run.provider).toBe('cpu');
    expect(run.modelSha256).toBe((await service.listModels()).find((m) => m.id === 'test-threshold')!.sha256);
    expect(run.parameters).toMatchObject({ batchSize: 2, minLesionVolumeMl: 0.2, providers: ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'], spacingMm: [2, 2, 2] });
    expect(run.windows).toBeGreaterThan(0);
    expect(run.sessionRunMs).toBeGreaterThan(0);
    expect(run.durationMs!).toBeGreaterThanOrEqual(run.sessionRunMs!);
    const mine = events.filter((e) => e.runId === runId);
    expect(mine.some((e) => e.phase === 'inference' && e.done > 0)).toBe(true);
    expect(mine.at(-1)!.status).toBe('done');
  }, 120_000);

  it('proposes each phantom cyst, with its volume and type', async () => {
    const proposals = await service.listProposals({ runId });
    expect(proposals.length).toBeGreaterThan(0);
    const cysts = truth.timepoints[0].lesions.filter((l) => l.type === 'cyst');
    expect(cysts.length).toBeGreaterThan(0);
    for (const c of cysts) {
      const near = proposals.find((p) => Math.hypot(p.centroidLps[0] - c.centreMm[0], p.centroidLps[1] - c.centreMm[1], p.centroidLps[2] - c.centreMm[2]) < 4);
      expect(near, `cyst ${c.id}`).toBeDefined();
      // The 25 HU threshold lies nearer the cyst (0–10 HU) than the liver (≈ 100 HU), so the
      // partial-volume rim falls outside and the proposal is smaller than the cyst.
      expect(near!.volumeMl / c.voxelizedVolumeMl).toBeGreaterThan(0.4);
      expect(near!.volumeMl / c.voxelizedVolumeMl).toBeLessThan(1.1);
      expect(near!.lesionType).toBe('cyst');
      expect(near!.longAxisMm).toBeGreaterThan(0);
    }
    // The model's mask is the proposal's voxels.
    const p0 = proposals[0];
    expect(decodeMaskRle(await service.getProposalMask(p0.id)).reduce((s, v) => s + v, 0)).toBe(p0.voxelCount);
  });

  it('accepting makes a lesion with the AI mask and measurement; rejecting is audited; both show in the lesion table', async () => {
    const cyst = truth.timepoints[0].lesions.find((l) => l.type === 'cyst')!;
    const proposals = await service.listProposals({ runId });
    const target = proposals.find((p) => Math.hypot(...([0, 1, 2].map((a) => p.centroidLps[a] - cyst.centreMm[a]) as [number, number, number])) < 4)!;
    const other = proposals.find((p) => p.id !== target.id)!;
    accepted = await service.acceptProposal(target.id);
    expect(accepted.proposal.status).toBe('accepted');
    expect(accepted.lesion).toMatchObject({ lesionType: 'cyst', site: 'liver' });
    expect(accepted.segmentation).toMatchObject({ source: 'ai', structure: 'lesion', lesionId: accepted.lesion!.id, voxelCount: target.voxelCount });
    expect(accepted.measurement).toMatchObject({ kind: 'bidirectional', source: 'ai' });
    expect(accepted.measurement!.longAxisMm).toBeCloseTo(target.longAxisMm!, 6);
    await expect(service.acceptProposal(target.id)).rejects.toThrow(/already accepted/);

    // Rejected by a named reader (as the shells run every call).
    rejected = await withReader({ name: 'Dr A. Jones', id: 'AJ7' }, () => service.rejectProposal(other.id));
    expect(rejected.status).toBe('rejected');
    const trail = await service.getAuditTrail('ai-proposal', other.id);
    expect(trail.at(-1)).toMatchObject({ action: 'update', before: { status: 'proposed' }, after: { status: 'rejected' } });

    const patientRowId = (await service.listPatients())[0].id;
    const table = await service.getLesionTable(patientRowId);
    expect(table.table.lesions.map((l) => l.id)).toContain(accepted.lesion!.id);
    const cells = Object.values(table.table.cells[accepted.lesion!.id]);
    expect(cells.some((c) => c.longAxisMm !== null && Math.abs(c.longAxisMm - target.longAxisMm!) < 1e-6 && c.volumeMl === accepted.segmentation.volumeMl)).toBe(true);

    // Agreement: accepted as the model drew it → Dice 1; then an edit that drops half the voxels.
    const mask = decodeMaskRle(await service.getSegmentationMask(accepted.segmentation.id));
    let kept = 0;
    const edited = mask.map((v) => (v && kept++ % 2 === 0 ? 1 : 0));
    const a = target.voxelCount;
    const b = edited.reduce((s, v) => s + v, 0);
    await service.updateSegmentation(accepted.segmentation.id, encodeMaskRle(edited));
    const log = await service.listAgreement({ modelId: 'test-threshold' });
    expect(log.map((e) => [e.event, e.proposalId])).toEqual([
      ['accepted', target.id],
      ['rejected', other.id],
      ['edited', target.id],
    ]);
    expect(log[0]).toMatchObject({ runId, dice: 1, lesionId: accepted.lesion!.id, segmentationId: accepted.segmentation.id });
    // The rejection is a false positive of the run: no Dice, no lesion, and who rejected it.
    expect(log[1]).toMatchObject({ runId, event: 'rejected', proposalId: other.id, dice: null, lesionId: null, readerName: 'Dr A. Jones', modelId: 'test-threshold', modelVersion: '1.0.0' });
    expect(service.db.prepare("SELECT reader_id AS id FROM ai_agreement WHERE event = 'rejected'").get()).toEqual({ id: 'AJ7' });
    // Dice = 2|A∩B| / (|A| + |B|) with B ⊂ A.
    expect(log[2].dice).toBeCloseTo((2 * b) / (a + b), 12);
    editedDice = log[2].dice!;
    // The model's original is kept beside the edit.
    expect(decodeMaskRle(await service.getSegmentationMask(accepted.segmentation.id, 'original')).reduce((s, v) => s + v, 0)).toBe(a);
  });

  const misses = async () => (await service.listAgreement({ modelId: 'test-threshold' })).filter((e) => e.event === 'missed');

  it('a lesion the reader measures or draws by hand on the run’s series is a miss of the model, logged once; one whose proposal was accepted is not', async () => {
    const patientRowId = (await service.listPatients())[0].id;
    // The threshold model cannot see metastases (40–60 HU): the reader measures one by hand.
    const met = truth.timepoints[0].lesions.find((l) => l.type === 'metastasis')!;
    const [x, y, z] = met.centreMm;
    const across = (half: number): Vec3[] => [
      [x - half, y, z],
      [x + half, y, z],
    ];
    measuredByHand = await service.createLesion(patientRowId, { site: 'liver', lesionType: 'metastasis' });
    await withReader({ name: 'Dr B. Smith', id: null }, () => service.addMeasurement({ lesionId: measuredByHand.id, seriesId, kind: 'length', pointsLps: across(5) }));
    expect(await misses()).toEqual([
      expect.objectContaining({ runId, proposalId: null, segmentationId: null, lesionId: measuredByHand.id, event: 'missed', dice: null, readerName: 'Dr B. Smith' }),
    ]);
    // A second measurement of the same lesion is not a second miss.
    await service.addMeasurement({ lesionId: measuredByHand.id, seriesId, kind: 'length', pointsLps: across(6) });
    expect(await misses()).toHaveLength(1);
    // The reader measuring the lesion the model proposed (and was accepted) is no miss.
    await service.addMeasurement({ lesionId: accepted.lesion!.id, seriesId, kind: 'length', pointsLps: across(4) });
    expect((await misses()).map((e) => e.lesionId)).toEqual([measuredByHand.id]);

    // A lesion mask drawn by hand is a finding too; a liver mask is not a lesion.
    drawnByHand = await service.createLesion(patientRowId, { site: 'liver' });
    const grid = decodeMaskRle(await service.getSegmentationMask(accepted.segmentation.id));
    const blob = new Uint8Array(grid.length);
    blob.fill(1, 0, 50);
    await service.saveSegmentation({ seriesId, lesionId: drawnByHand.id, structure: 'lesion', mask: encodeMaskRle(blob) });
    await service.saveSegmentation({ seriesId, lesionId: null, structure: 'liver', mask: encodeMaskRle(blob) });
    expect((await misses()).map((e) => e.lesionId)).toEqual([measuredByHand.id, drawnByHand.id]);
  });

  it('accepting a proposal into a lesion the reader had added by hand withdraws its miss: the model found it', async () => {
    const third = (await service.listProposals({ runId })).find((p) => p.status === 'proposed')!;
    expect(third).toBeDefined();
    await service.acceptProposal(third.id, { lesionId: drawnByHand.id });
    expect((await misses()).map((e) => e.lesionId)).toEqual([measuredByHand.id]);
  });

  it('getMonitoring: per run true and false positives, misses, sensitivity, false positives per exam and mean Dice', async () => {
    // Accepted: the target (edited, Dice d) and the third proposal (Dice 1) → TP 2; rejected: 1 → FP 1; missed: 1 → FN 1.
    const [m] = await service.getMonitoring({ modelId: 'test-threshold' });
    expect(m.modelId).toBe('test-threshold');
    expect(m.runs.map((r) => r.runId)).toEqual([runId]);
    const r = m.runs[0];
    const series = await service.getSeries(seriesId);
    expect(r).toMatchObject({ seriesId, exams: 1, truePositives: 2, edited: 1, falsePositives: 1, falseNegatives: 1, falsePositivesPerExam: 1, modelVersion: '1.0.0' });
    expect(r.finishedAt).toBe((await service.getModelRun(runId)).finishedAt);
    expect(r.studyDate).toBe(service.db.prepare('SELECT st.study_date AS d FROM series se JOIN studies st ON st.id = se.study_id WHERE se.id = ?').pluck().get(series.id));
    expect(r.sensitivity).toBeCloseTo(2 / 3, 12);
    expect(r.meanDice).toBeCloseTo((editedDice + 1) / 2, 12);
    expect(r.undecided).toBe((await service.listProposals({ runId })).filter((p) => p.status === 'proposed').length);
    expect(m.totals).toEqual(r.cumulative);
    expect(await service.getMonitoring({ modelId: 'no-such-model' })).toEqual([]);
  });

  it('recordNotALesion: an accepted finding later found not to be a lesion becomes a false positive (once); its miss, if any, is withdrawn', async () => {
    await withReader({ name: 'Dr C. Lee', id: null }, async () => recordNotALesion(service.db, accepted.lesion!.id));
    recordNotALesion(service.db, accepted.lesion!.id);
    const log = await service.listAgreement({ modelId: 'test-threshold' });
    expect(log.filter((e) => e.event === 'rejected' && e.proposalId === accepted.proposal.id)).toEqual([
      expect.objectContaining({ runId, lesionId: accepted.lesion!.id, segmentationId: accepted.segmentation.id, dice: null, readerName: 'Dr C. Lee' }),
    ]);
    let [r] = (await service.getMonitoring({ modelId: 'test-threshold' }))[0].runs;
    // TP 1 (the third proposal, Dice 1), FP 2, FN 1.
    expect(r).toMatchObject({ truePositives: 1, edited: 0, falsePositives: 2, falseNegatives: 1, sensitivity: 0.5, falsePositivesPerExam: 2, meanDice: 1 });
    // The lesion the reader measured by hand is not one either: the model was right to miss it.
    recordNotALesion(service.db, measuredByHand.id);
    expect(await misses()).toEqual([]);
    [r] = (await service.getMonitoring())[0].runs;
    expect(r).toMatchObject({ truePositives: 1, falsePositives: 2, falseNegatives: 0, sensitivity: 1 });
  });

  it('cancels a queued run', async () => {
    const first = await service.runModel({ seriesId, modelId: 'test-threshold' });
    const second = await service.runModel({ seriesId, modelId: 'test-threshold' });
    await service.cancelModelRun(second.id);
    await service.cancelModelRun(first.id);
    expect((await service.ai.waitForRun(first.id)).status).toMatch(/cancelled|done/);
    expect((await service.ai.waitForRun(second.id)).status).toBe('cancelled');
    expect(await service.listProposals({ runId: second.id })).toEqual([]);
  }, 120_000);

  it('names what is wrong with a run request', async () => {
    await expect(service.runModel({ seriesId, modelId: 'nope' })).rejects.toThrow(/no model "nope"/);
    await expect(service.runModel({ seriesId: 9999, modelId: 'test-threshold' })).rejects.toThrow(/series 9999 is not in the library/);
    await expect(service.acceptProposal(99999)).rejects.toThrow(/proposal 99999 does not exist/);
  });
});

describe('misses count only where a model run was read', () => {
  /** A registry with one patient, two series and one lesion; runs added per test. */
  function registry() {
    const db = openMemoryRegistry();
    db.exec(`INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'Doe^Jane');
             INSERT INTO studies (id, patient_id, study_uid, study_date) VALUES (1, 1, '1.2', '20250301');
             INSERT INTO series (id, study_id, series_uid, modality) VALUES (1, 1, '1.2.3', 'CT'), (2, 1, '1.2.4', 'CT');
             INSERT INTO lesions (id, patient_id, label, site, recist_role, created_at) VALUES (7, 1, 'L1', 'liver', 'target', 't'), (8, 1, 'L2', 'liver', 'target', 't');`);
    const addRun = (seriesId: number, status: string, modelId = 'm', modelVersion = '1') =>
      Number(
        db
          .prepare("INSERT INTO ai_runs (series_id, model_id, model_version, model_sha256, parameters_json, status, started_at, finished_at) VALUES (?, ?, ?, 'abc', '{}', ?, 't', 't')")
          .run(seriesId, modelId, modelVersion, status).lastInsertRowid,
      );
    const addProposal = (runId: number, status: string, lesionId: number | null = null) =>
      Number(
        db
          .prepare(
            `INSERT INTO ai_proposals (run_id, series_id, kind, label_value, label_name, class_probabilities_json, mean_probability, voxel_count, volume_ml, centroid_json, mask_path, status, lesion_id)
             SELECT ?, series_id, 'lesion', 1, 'metastasis', '[]', 0.9, 10, 0.1, '[0,0,0]', 'x', ?, ? FROM ai_runs WHERE id = ?`,
          )
          .run(runId, status, lesionId, runId).lastInsertRowid,
      );
    return { db, addRun, addProposal };
  }
  const manual = (seriesId: number, lesionId: number | null = 7) => ({ seriesId, lesionId, source: 'manual' });

  it('not on a series without a finished run: none, failed, cancelled or still running', () => {
    const { db, addRun } = registry();
    expect(recordReaderFindings(db, manual(1))).toBe(0);
    addRun(1, 'failed');
    addRun(1, 'cancelled');
    addRun(1, 'running');
    addRun(2, 'done');
    expect(recordReaderFindings(db, manual(1))).toBe(0);
    expect(listAgreementRows(db)).toEqual([]);
    db.close();
  });

  it('only the reader’s own lesion findings: not AI or mask-derived ones, not liver masks, not masks without a lesion', () => {
    const { db, addRun } = registry();
    const run = addRun(1, 'done');
    expect(recordReaderFindings(db, { ...manual(1), source: 'ai' })).toBe(0);
    expect(recordReaderFindings(db, { ...manual(1), source: 'mask' })).toBe(0);
    expect(recordReaderFindings(db, { ...manual(1), structure: 'liver' })).toBe(0);
    expect(recordReaderFindings(db, manual(1, null))).toBe(0);
    expect(recordReaderFindings(db, { ...manual(1), structure: 'lesion' })).toBe(1);
    expect(recordReaderFindings(db, manual(1))).toBe(0);
    expect(listAgreementRows(db).map((e) => [e.runId, e.lesionId, e.event])).toEqual([[run, 7, 'missed']]);
    db.close();
  });

  it('per model, the run the reader read: the newest finished run with a decision, else the newest; each model its own miss', () => {
    const { db, addRun, addProposal } = registry();
    const read = addRun(1, 'done');
    addProposal(read, 'rejected');
    const rerun = addRun(1, 'done');
    addProposal(rerun, 'proposed');
    const otherModel = addRun(1, 'done', 'other', '2');
    // Lesion 8 was accepted from the read run: no miss of model m; model "other" missed it.
    addProposal(read, 'accepted', 8);
    expect(recordReaderFindings(db, manual(1, 8))).toBe(1);
    expect(recordReaderFindings(db, manual(1, 7))).toBe(2);
    expect(listAgreementRows(db).map((e) => [e.runId, e.lesionId, e.modelId]).sort((a, b) => Number(a[0]) - Number(b[0]) || Number(a[1]) - Number(b[1]))).toEqual([
      [read, 7, 'm'],
      [otherModel, 7, 'other'],
      [otherModel, 8, 'other'],
    ]);
    expect(listAgreementRows(db).some((e) => e.runId === rerun)).toBe(false);
    // Monitoring: run "read" has one miss and no decision logged here; lesion-less runs are not exams.
    const byModel = monitoring(db);
    expect(byModel.map((m) => [m.modelId, m.totals.exams, m.totals.falseNegatives, m.totals.sensitivity])).toEqual([
      ['m', 1, 1, 0],
      ['other', 1, 2, 0],
    ]);
    expect(byModel[0].runs[0]).toMatchObject({ runId: read, seriesId: 1, studyDate: '20250301' });
    expect(monitoring(db, 'other').map((m) => m.modelId)).toEqual(['other']);
    db.close();
  });
});
