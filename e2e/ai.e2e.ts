/**
 * Local AI end to end, in serve mode and Chromium, on a phantom CT: the reader opens the
 * AI panel, sees the model's card (intended use, not for clinical use) and a broken model
 * listed as unusable with its reason, runs the model on the series and watches the progress
 * bar move through the sliding windows to the end, reads the run's provenance, clicks a
 * proposal (the views centre on it and its mask is outlined), accepts the proposal at a
 * phantom cyst and rejects another; the accepted one is a lesion in the lesion table, the
 * rejected one is not. The model page then shows the accepted mask's agreement (Dice 1.00)
 * and validates the model on a one-case cohort made from the same phantom.
 *
 * The model: the shipped longitude-liver-lesions when its weights are in resources/models
 * and match its manifest; otherwise the known-answer test model test-threshold (it marks
 * voxels below 25 HU, so on the phantom it finds the cysts), through --models /
 * LONGITUDE_APP_MODELS_DIR.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementEntry, AiProposal, AiRun, ImportReport, ModelInfo, PatientSummary, Segmentation, SeriesSummary, StudySummary, ValidationReport, Vec3, VolumeGeometry } from '../core/api/types';
import { serializeNifti1 } from '../core/nifti';
import { writePatient } from '../tools/phantom/index';
import { launchChromium, newWorkstationPage } from '../tools/testing/chromium';
import { REPO_ROOT, apiCall, startServeMode, type ServeHandle } from '../tools/testing/serveMode';
import { FollowUpPage, WorkstationPage } from './support/workstationPage';

const ARTIFACTS = process.env.E2E_SCREENSHOT_DIR ?? join(REPO_ROOT, 'test-results', 'e2e');
const SHIPPED = join(REPO_ROOT, 'resources', 'models', 'longitude-liver-lesions');
const TESTDATA_MODELS = join(REPO_ROOT, 'main', 'services', 'inference', 'testdata');

/** The shipped model when its weights are there and are the ones its manifest names. */
function shippedModelReady(): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(SHIPPED, 'model.json'), 'utf8')) as { sha256?: string };
    const onnx = join(SHIPPED, 'model.onnx');
    return existsSync(onnx) && createHash('sha256').update(readFileSync(onnx)).digest('hex') === manifest.sha256;
  } catch {
    return false;
  }
}
const USE_SHIPPED = shippedModelReady();
const MODEL_ID = USE_SHIPPED ? 'longitude-liver-lesions' : 'test-threshold';

interface LesionTruth {
  id: string;
  type: string;
  labelValue: number;
  centreMm: Vec3;
  voxelizedVolumeMl: number;
}
interface ExamTruth {
  seriesInstanceUid: string;
  labelsFile: string;
  geometry: VolumeGeometry;
  lesions: LesionTruth[];
}

let serve: ServeHandle;
let browser: Browser;
let page: Page;
let ws: WorkstationPage;
let fu: FollowUpPage;
let phantomDir: string;
let homeDir: string;
let seriesDir: string;
let patientDir: string;
let truth: ExamTruth;
let seriesId: number;
let run: AiRun;
let accepted: AiProposal;
let rejected: AiProposal;
let edited: AiProposal;
let editedDice: number;
let savedModelsEnv: string | undefined;

const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `ai-${name}.png`) });

beforeAll(async () => {
  phantomDir = mkdtempSync(join(tmpdir(), 'lng-e2e-ai-'));
  const written = await writePatient(phantomDir, { seed: 'e2e-ai', size: 192, slices: 64, timepoints: 1, patientId: 'E2E-AI', writeLabels: true });
  seriesDir = written.seriesDirs[0];
  patientDir = written.patientDir;
  truth = JSON.parse(readFileSync(written.truthPath, 'utf8')).timepoints[0];

  // A model folder that fails its checks (weights that are not the manifest's) in the user's models folder.
  homeDir = mkdtempSync(join(tmpdir(), 'lng-e2e-ai-home-'));
  const broken = join(homeDir, 'models', 'broken-threshold');
  mkdirSync(broken, { recursive: true });
  cpSync(join(TESTDATA_MODELS, 'threshold', 'model.onnx'), join(broken, 'model.onnx'));
  const manifest = JSON.parse(readFileSync(join(TESTDATA_MODELS, 'threshold', 'model.json'), 'utf8'));
  writeFileSync(join(broken, 'model.json'), JSON.stringify({ ...manifest, id: 'broken-threshold', sha256: '0'.repeat(64) }));

  savedModelsEnv = process.env.LONGITUDE_APP_MODELS_DIR;
  if (!USE_SHIPPED) process.env.LONGITUDE_APP_MODELS_DIR = TESTDATA_MODELS;
  serve = await startServeMode({ homeDir });
  browser = await launchChromium();
  page = await newWorkstationPage(browser);
  ws = new WorkstationPage(page);
  fu = new FollowUpPage(page);
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  if (savedModelsEnv === undefined) delete process.env.LONGITUDE_APP_MODELS_DIR;
  else process.env.LONGITUDE_APP_MODELS_DIR = savedModelsEnv;
  await browser?.close();
  await serve?.stop();
  rmSync(phantomDir, { recursive: true, force: true });
  rmSync(homeDir, { recursive: true, force: true });
});

describe(`local AI in Chromium (${MODEL_ID})`, () => {
  it('imports the phantom and opens it; the AI panel shows the model, its card, and the broken model with its reason', async () => {
    const report = await apiCall<ImportReport>(serve, 'importPaths', [seriesDir]);
    expect(report.imported).toBe(64);
    const patient = (await apiCall<PatientSummary[]>(serve, 'listPatients')).find((p) => p.patientId === 'E2E-AI')!;
    const study = (await apiCall<StudySummary[]>(serve, 'listStudies', patient.id))[0];
    seriesId = (await apiCall<SeriesSummary[]>(serve, 'listSeries', study.id))[0].id;

    await page.goto(`${serve.url}&e2e=1`);
    await ws.ready();
    await fu.openSeries(truth.seriesInstanceUid);
    await page.click('[data-testid="tab-ai"]');
    await page.waitForSelector('[data-testid="ai-panel"]');

    const select = page.locator('[data-testid="ai-model-select"]');
    await expect.poll(() => select.inputValue()).toBe(`${MODEL_ID}@${(await apiCall<ModelInfo[]>(serve, 'listModels')).find((m) => m.id === MODEL_ID)!.version}`);
    // The broken model is in the picker but cannot be chosen, and says why.
    const brokenOption = page.locator('[data-testid="ai-model-select"] option', { hasText: 'broken-threshold' });
    expect(await brokenOption.isDisabled()).toBe(true);
    expect(await brokenOption.getAttribute('title')).toMatch(/SHA-256/);
    await page.click('[data-testid="ai-invalid-models"] summary');
    expect(await page.locator('[data-testid="ai-invalid-model"][data-model-id="broken-threshold"]').innerText()).toMatch(/not the ones the manifest describes/);
    // The card: intended use and the clinical-use warning.
    expect((await page.locator('[data-testid="ai-intended-use"]').innerText()).length).toBeGreaterThan(5);
    expect(await page.locator('[data-testid="ai-not-clinical"]').innerText()).toMatch(/not for clinical use/i);
    await shot('01-panel');
  });

  it('runs the model on the series: the bar moves through the windows, then the run finishes with its provenance', async () => {
    // Record every state the progress bar shows (it can move faster than a poll).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __aiProgress: string[] }).__aiProgress = seen;
      const record = () => {
        const bar = document.querySelector('[data-testid="ai-progress"]');
        if (!bar) return;
        const entry = `${bar.getAttribute('data-phase')}:${bar.getAttribute('data-done')}/${bar.getAttribute('data-total')}:${bar.getAttribute('data-fraction')}`;
        if (seen[seen.length - 1] !== entry) seen.push(entry);
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-done', 'data-phase', 'data-fraction'] });
    });
    await page.click('[data-testid="ai-run-button"]');
    await page.waitForSelector('[data-testid="ai-progress"]', { timeout: 30_000 });
    await expect.poll(() => page.locator('[data-testid="ai-progress"]').getAttribute('data-phase'), { timeout: 120_000 }).toBe('inference');
    await shot('02-running');
    await page.waitForSelector('[data-testid="ai-run"][data-status="done"]', { timeout: 600_000 });
    const seen = await page.evaluate(() => (window as unknown as { __aiProgress: string[] }).__aiProgress);
    const windows = seen.filter((s) => s.startsWith('inference:')).map((s) => Number(s.split(':')[1].split('/')[0]));
    // The windows count up (several distinct values), and the bar only ever moves forward.
    expect(new Set(windows).size).toBeGreaterThan(1);
    const fractions = seen.map((s) => Number(s.split(':')[2]));
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1])).toBe(true);
    expect(await page.locator('[data-testid="ai-progress"]').count()).toBe(0);

    run = (await apiCall<AiRun[]>(serve, 'listModelRuns', seriesId))[0];
    expect(run.status).toBe('done');
    expect(await page.locator('[data-testid="ai-provenance-model"]').innerText()).toBe(`${run.modelId} ${run.modelVersion}`);
    expect(await page.locator('[data-testid="ai-provenance-hash"]').innerText()).toBe(`sha256 ${run.modelSha256.slice(0, 12)}`);
    expect(await page.locator('[data-testid="ai-provenance-provider"]').innerText()).toBe(run.provider!);
    expect(await page.locator('[data-testid="ai-provenance-time"]').innerText()).toMatch(/in all · .* in session\.run · \d+ windows/);
    expect(await page.locator('[data-testid="ai-proposal"]').count()).toBe(run.proposalCount);
    expect(run.proposalCount).toBeGreaterThanOrEqual(2);
  });

  it('centres the views on a clicked proposal and outlines its mask in the AI colour', async () => {
    const proposals = await apiCall<AiProposal[]>(serve, 'listProposals', { runId: run.id });
    const lesions = proposals.filter((p) => p.kind === 'lesion');
    // The proposal at a phantom cyst (or, with the shipped model, at any phantom lesion).
    const wanted = truth.lesions.filter((l) => USE_SHIPPED || l.type === 'cyst');
    const hits = lesions
      .map((p) => ({ p, d: Math.min(...wanted.map((l) => dist(p.centroidLps, l.centreMm))) }))
      .sort((a, b) => a.d - b.d);
    expect(hits[0].d).toBeLessThan(5);
    accepted = hits[0].p;
    rejected = proposals.find((p) => p.id !== accepted.id && !wanted.some((l) => dist(p.centroidLps, l.centreMm) < 5)) ?? proposals.find((p) => p.id !== accepted.id)!;

    const item = page.locator(`[data-testid="ai-proposal"][data-proposal-id="${accepted.id}"]`);
    const title = await item.locator('.ai-proposal-title').innerText();
    expect(title).toMatch(new RegExp(`^${accepted.lesionType} \\d\\.\\d\\d`));
    expect(await item.locator('[data-testid="ai-proposal-volume"]').innerText()).toMatch(/mL$/);
    await item.locator('[data-testid="ai-proposal-select"]').click();
    await page.waitForSelector(`[data-testid="ai-proposal"][data-proposal-id="${accepted.id}"][data-selected="true"]`);
    // The crosshair is on the centroid, which is in the middle of the axial view.
    const cursor = await page.evaluate(() => window.__longitudeDebug!.getState().cursorLps);
    expect(dist(cursor as Vec3, accepted.centroidLps)).toBeLessThan(1e-6);
    const centre = await ws.worldToCanvas('axial', accepted.centroidLps);
    const box = (await page.locator('[data-testid="view-axial"] .vtk-host').boundingBox())!;
    expect(Math.abs(centre.x - box.width / 2)).toBeLessThan(2);
    expect(Math.abs(centre.y - box.height / 2)).toBeLessThan(2);
    // Its mask is drawn on the slice through its centroid.
    await expect.poll(() => page.locator('[data-testid="proposal-layer-axial"]').getAttribute('data-selected-pixels'), { timeout: 10_000 }).not.toBe('0');
    await shot('03-proposal-selected');
  });

  it('accepts the proposal at a phantom lesion and rejects another: only the accepted one is a lesion in the table', async () => {
    await page.locator(`[data-testid="ai-proposal"][data-proposal-id="${accepted.id}"] [data-testid="ai-accept"]`).click();
    await page.waitForSelector(`[data-testid="ai-proposal"][data-proposal-id="${accepted.id}"][data-status="accepted"]`);
    await page.locator(`[data-testid="ai-proposal"][data-proposal-id="${rejected.id}"] [data-testid="ai-reject"]`).click();
    await page.waitForSelector(`[data-testid="ai-proposal"][data-proposal-id="${rejected.id}"][data-status="rejected"]`);
    const after = await apiCall<AiProposal[]>(serve, 'listProposals', { runId: run.id });
    const a = after.find((p) => p.id === accepted.id)!;
    expect(a.status).toBe('accepted');
    expect(a.lesionId).not.toBeNull();
    expect(after.find((p) => p.id === rejected.id)!.status).toBe('rejected');
    await expect.poll(() => page.locator(`[data-testid="ai-proposal"][data-proposal-id="${accepted.id}"] [data-testid="ai-decision"]`).innerText()).toBe('accepted → L1');
    // The accepted mask is now a lesion mask (drawn by the lesion overlay, not as a proposal).
    await expect.poll(() => page.locator('[data-testid="mask-layer-axial"]').getAttribute('data-mask-pixels'), { timeout: 10_000 }).not.toBe('0');
    await shot('04-decided');

    await fu.tab('table');
    await page.waitForSelector('[data-testid="lesion-table"]');
    await expect.poll(() => page.locator('[data-testid="lesion-row"]').count()).toBe(1);
    const row = await page.locator('[data-testid="lesion-row"]').innerText();
    expect(row).toContain('L1');
    expect(row.replace(/\s+/g, ' ')).toContain(`${a.longAxisMm!.toFixed(1)} × ${a.shortAxisMm!.toFixed(1)} mm`);
    await shot('05-lesion-table');
    await fu.tab('lesions');
    await expect.poll(() => page.locator('[data-testid="lesion-item"]').count()).toBe(1);
    expect(await fu.lesionItem('L1').innerText()).toContain(accepted.lesionType!);
    await shot('05b-lesion-panel');
  });

  it('Edit accepts a proposal and hands its mask to the brush; the saved edit logs the model’s agreement (Dice < 1)', async () => {
    await page.click('[data-testid="tab-ai"]');
    const proposals = await apiCall<AiProposal[]>(serve, 'listProposals', { runId: run.id });
    edited = proposals.filter((p) => p.status === 'proposed' && p.kind === 'lesion').sort((a, b) => b.volumeMl - a.volumeMl)[0];
    await page.locator(`[data-testid="ai-proposal"][data-proposal-id="${edited.id}"] [data-testid="ai-edit"]`).click();
    await page.waitForSelector(`[data-testid="ai-proposal"][data-proposal-id="${edited.id}"][data-status="accepted"]`);
    await page.waitForSelector('[data-testid="tool-brush"][aria-pressed="true"]');
    expect(await page.locator('[data-testid="ai-notice"]').innerText()).toMatch(/accepted as L2: correct its mask with the brush/);
    // A brush stroke through the proposal's centre (where the views now are) adds voxels; then Save.
    await page.fill('[data-testid="seg-brush-radius"]', '6');
    const [x, y, z] = edited.centroidLps;
    const from = await ws.worldToCanvas('axial', [x - 12, y, z]);
    const to = await ws.worldToCanvas('axial', [x + 12, y, z]);
    await page.mouse.move(from.clientX, from.clientY);
    await page.mouse.down();
    for (let k = 1; k <= 10; k++) await page.mouse.move(from.clientX + ((to.clientX - from.clientX) * k) / 10, from.clientY + ((to.clientY - from.clientY) * k) / 10);
    await page.mouse.up();
    await page.waitForSelector('[data-testid="seg-save"][data-dirty="true"]');
    await page.click('[data-testid="seg-save"]');
    await page.waitForSelector('[data-testid="seg-save"][data-dirty="false"]');
    await shot('05c-edited');
    await page.click('[data-testid="tool-windowLevel"]');
    // The lesion has one mask: the accepted one, edited (not a second, new one).
    const after = (await apiCall<AiProposal[]>(serve, 'listProposals', { runId: run.id })).find((p) => p.id === edited.id)!;
    const masks = (await apiCall<Segmentation[]>(serve, 'listSegmentations', { seriesId })).filter((sg) => sg.lesionId === after.lesionId);
    expect(masks.map((m) => m.id)).toEqual([after.segmentationId]);
    const log = (await apiCall<AgreementEntry[]>(serve, 'listAgreement', { modelId: MODEL_ID })).filter((e) => e.proposalId === edited.id);
    expect(log.map((e) => e.event)).toEqual(['accepted', 'edited']);
    expect(log[1].dice).toBeGreaterThan(0);
    expect(log[1].dice).toBeLessThan(1);
    editedDice = log[1].dice!;
  });

  it('the model page shows each accepted proposal’s agreement: Dice 1.00 as drawn, lower after the edit', async () => {
    const log = await apiCall<AgreementEntry[]>(serve, 'listAgreement', { modelId: MODEL_ID });
    // Agreement (Dice) for the accepted and edited masks; the rejected proposal is a false positive, logged without Dice.
    expect(log.map((e) => [e.proposalId, e.event, e.dice])).toEqual([
      [accepted.id, 'accepted', 1],
      [rejected.id, 'rejected', null],
      [edited.id, 'accepted', 1],
      [edited.id, 'edited', editedDice],
    ]);
    await page.click('[data-testid="ai-open-model-page"]');
    await page.waitForSelector('[data-testid="model-page"]');
    await page.click('[data-testid="model-tab-monitoring"]');
    const section = page.locator(`[data-testid="monitoring-model-section"][data-model-id="${MODEL_ID}"]`);
    await section.waitFor();
    const row = section.locator(`[data-testid="agreement-row"][data-proposal-id="${accepted.id}"]`);
    expect(await row.getAttribute('data-dice')).toBe('1.00');
    expect(await row.getAttribute('data-event')).toBe('accepted');
    const editedRow = section.locator(`[data-testid="agreement-row"][data-proposal-id="${edited.id}"][data-event="edited"]`);
    expect(await editedRow.getAttribute('data-dice')).toBe(editedDice.toFixed(2));
    // The mean over proposals of each one's final Dice.
    expect(await section.locator('[data-testid="monitoring-mean"]').innerText()).toBe(((1 + editedDice) / 2).toFixed(2));
    expect(await section.locator('[data-testid="agreement-plot"]').getAttribute('data-points')).toBe(`${accepted.id}:1.00;${edited.id}:${editedDice.toFixed(2)}`);
    expect(await section.locator('[data-testid="agreement-dot"]').count()).toBe(2);
    await shot('06-monitoring');
  });

  it('validates the model on a one-case cohort (the phantom with its labels as reference)', async () => {
    // The reference: the phantom's label map in the model's label values (liver → its organ
    // label, each lesion → the label of its type; the test model knows only cysts).
    const model = (await apiCall<ModelInfo[]>(serve, 'listModels')).find((m) => m.id === MODEL_ID && m.valid)!;
    const organValue = model.labels.find((l) => l.role === 'organ')?.value ?? 0;
    const valueOf = new Map<number, number>([[1, organValue]]);
    for (const l of truth.lesions) valueOf.set(l.labelValue, model.labels.find((m) => m.role === 'lesion' && m.lesionType === l.type)?.value ?? (organValue || 0));
    const labels = new Uint8Array(readFileSync(join(patientDir, truth.labelsFile)));
    const reference = labels.map((v) => valueOf.get(v) ?? 0);
    expect(reference.some((v) => v > 0)).toBe(true);
    const cohortDir = join(phantomDir, 'cohort');
    mkdirSync(cohortDir, { recursive: true });
    writeFileSync(join(cohortDir, 'reference.nii'), serializeNifti1(reference, truth.geometry));
    writeFileSync(join(cohortDir, 'cohort.json'), JSON.stringify({ cases: [{ id: 'phantom-1', patientId: 'E2E-AI', images: seriesDir, reference: join(cohortDir, 'reference.nii') }] }));

    await page.click('[data-testid="model-tab-validation"]');
    await page.waitForSelector('[data-testid="validation-form"]');
    // A form with a mistake names it and starts nothing.
    await page.fill('[data-testid="validation-iouThreshold"]', '0');
    await page.click('[data-testid="validation-run"]');
    expect(await page.locator('[data-testid="validation-errors"]').innerText()).toMatch(/Cohort folder.*\n?.*IoU threshold/s);
    await page.fill('[data-testid="validation-iouThreshold"]', '0.1');
    await page.fill('[data-testid="validation-cohortDir"]', cohortDir);
    await page.fill('[data-testid="validation-minDiameterMm"]', '0');
    await page.fill('[data-testid="validation-bootstrapResamples"]', '200');
    await page.click('[data-testid="validation-run"]');
    await page.waitForSelector('[data-testid="validation-report"]');
    await page.waitForSelector('[data-testid="validation-report"][data-status="done"], [data-testid="validation-report"][data-status="failed"]', { timeout: 600_000 });
    expect(await page.locator('[data-testid="validation-error"]').count()).toBe(0);
    expect(await page.locator('[data-testid="validation-case"]').count()).toBe(1);
    const caseRow = await page.locator('[data-testid="validation-case"]').innerText();
    expect(caseRow).toContain('phantom-1');
    expect(caseRow).toContain('E2E-AI');
    expect((await page.locator('[data-testid="validation-match-rule"]').innerText()).length).toBeGreaterThan(20);
    expect(await page.locator('[data-testid="validation-overall"] tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="validation-detection"]').innerText()).toMatch(/\d+ \/ \d+ \/ \d+/);
    await shot('07-validation');
    if (USE_SHIPPED) {
      // The shipped model has two lesion classes: the report shows how well it tells them
      // apart, drawn from the report the API returns.
      const [report] = await apiCall<ValidationReport[]>(serve, 'listValidations');
      const cls = report.overall!.classification!;
      expect(cls.positiveClass).toBe('metastasis');
      const roc = page.locator('[data-testid="roc-plot"]');
      await roc.waitFor();
      expect(Number(await roc.getAttribute('data-auc'))).toBeCloseTo(cls.auc!.value, 3);
      expect(Number(await roc.getAttribute('data-points'))).toBe(cls.roc.length);
      expect(await page.locator('[data-testid="roc-auc"]').innerText()).toMatch(report.cases.length >= 2 ? /^AUC \d\.\d\d \(95% CI \d\.\d\d–\d\.\d\d\)$/ : /^AUC \d\.\d\d \(95% CI n\/a\)$/);
      const matrix = (await page.locator('[data-testid="confusion-matrix"] tbody').innerText()).replace(/\s+/g, ' ').trim();
      expect(matrix).toBe(`metastasis ${cls.confusion.matrix[0].join(' ')} cyst ${cls.confusion.matrix[1].join(' ')}`);
      await shot('08-validation-roc');
    }
    await page.click('[data-testid="model-page-close"]');
    expect(await page.locator('[data-testid="model-page"]').count()).toBe(0);
  });

});
