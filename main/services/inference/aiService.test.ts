/**
 * The AI flow through the library service with a real SQLite registry, a real phantom CT
 * imported from DICOM, and a real ONNX model run by onnxruntime-node in the inference
 * process: the known-answer threshold model (testdata/threshold) marks voxels below 25 HU,
 * so on the phantom it finds the cysts (0–10 HU) and not the metastases (40–60 HU).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMaskRle, encodeMaskRle } from '../../../core/api/maskRle';
import type { AiProgressEvent } from '../../../core/api/types';
import { writePatient } from '../../../tools/phantom/index';
import { createApp, type App } from '../app';

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
    const accepted = await service.acceptProposal(target.id);
    expect(accepted.proposal.status).toBe('accepted');
    expect(accepted.lesion).toMatchObject({ lesionType: 'cyst', site: 'liver' });
    expect(accepted.segmentation).toMatchObject({ source: 'ai', structure: 'lesion', lesionId: accepted.lesion!.id, voxelCount: target.voxelCount });
    expect(accepted.measurement).toMatchObject({ kind: 'bidirectional', source: 'ai' });
    expect(accepted.measurement!.longAxisMm).toBeCloseTo(target.longAxisMm!, 6);
    await expect(service.acceptProposal(target.id)).rejects.toThrow(/already accepted/);

    const rejected = await service.rejectProposal(other.id);
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
      ['edited', target.id],
    ]);
    expect(log[0].dice).toBe(1);
    // Dice = 2|A∩B| / (|A| + |B|) with B ⊂ A.
    expect(log[1].dice).toBeCloseTo((2 * b) / (a + b), 12);
    // The model's original is kept beside the edit.
    expect(decodeMaskRle(await service.getSegmentationMask(accepted.segmentation.id, 'original')).reduce((s, v) => s + v, 0)).toBe(a);
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
