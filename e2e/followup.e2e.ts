/**
 * Follow-up registration, lesion matching and the review queue end to end, in serve mode and
 * Chromium. A phantom patient with a baseline and a follow-up CT (the follow-up moved and
 * turned on the table; lesions that grow, shrink, appear, disappear, split and merge): the
 * baseline lesions are the radiologist's (masks and measurements from the phantom's label
 * maps), the follow-up's findings are separate lesions, as accepted AI proposals are — all
 * set up through the HTTP API. Then, as a reader: open the follow-up, the Follow-up tab,
 * "Match lesions" (registers first), read the links and the review queue, confirm a link
 * from the queue and see the lesion table follow; read both exams side by side, linked by
 * the registration; correct the registration with corresponding points.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../core/api/maskRle';
import type { ImportReport, Lesion, LesionLinkRow, LesionTable, Measurement, PatientSummary, RegistrationInfo, Segmentation, SeriesSummary, StudySummary, Vec3 } from '../core/api/types';
import { applyMat4, type Mat4 } from '../core/registration/affine';
import { writePatient } from '../tools/phantom/index';
import { launchChromium, newWorkstationPage } from '../tools/testing/chromium';
import { REPO_ROOT, apiCall, startServeMode, type ServeHandle } from '../tools/testing/serveMode';
import { FollowUpPage, WorkstationPage } from './support/workstationPage';

const ARTIFACTS = join(REPO_ROOT, 'test-results', 'e2e');

interface TruthLesion {
  id: string;
  labelValue: number;
  type: string;
  centreMm: Vec3;
}
interface Truth {
  lesions: { id: string; course: string; splitFrom: string | null; mergedInto: string | null }[];
  timepoints: { studyInstanceUid: string; labelsFile: string; lesions: TruthLesion[]; baselineToExam: { matrix4x4: Mat4 } }[];
}
interface Exam {
  studyRowId: number;
  seriesId: number;
  seriesUid: string;
}

let serve: ServeHandle;
let browser: Browser;
let page: Page;
let ws: WorkstationPage;
let fu: FollowUpPage;
let phantomDir: string;
let truth: Truth;
let patientRowId: number;
const exams: Exam[] = [];
/** Lesion per exam index and phantom truth id. */
const lesionOf: Map<string, Lesion>[] = [new Map(), new Map()];

const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const baselineToFollowUp = (p: Vec3) => applyMat4(truth.timepoints[1].baselineToExam.matrix4x4, p);
const centreOf = (t: number, id: string) => truth.timepoints[t].lesions.find((l) => l.id === id)!.centreMm;
const state = () => page.evaluate(() => window.__longitudeDebug!.getState());

async function openFollowUpTab(): Promise<void> {
  await page.click('[data-testid="tab-followup"]');
  await page.waitForSelector('[data-testid="followup-panel"]');
}

async function queue(): Promise<{ id: number; kind: string; from: string; to: string; confidence: number }[]> {
  return page.$$eval('[data-testid="fu-queue-item"]', (items) =>
    items.map((el) => ({
      id: Number(el.getAttribute('data-link-id')),
      kind: el.getAttribute('data-kind')!,
      from: el.getAttribute('data-from')!,
      to: el.getAttribute('data-to')!,
      confidence: Number(el.getAttribute('data-confidence')),
    })),
  );
}

beforeAll(async () => {
  phantomDir = mkdtempSync(join(tmpdir(), 'lng-e2e-followup-'));
  const written = await writePatient(phantomDir, { seed: 233, size: 128, slices: 80, timepoints: 2, patientId: 'E2E-FU', writeLabels: true });
  truth = JSON.parse(readFileSync(written.truthPath, 'utf8'));
  serve = await startServeMode();
  mkdirSync(ARTIFACTS, { recursive: true });

  // The library and the lesions, through the HTTP API (another client of the same workstation).
  const report = await apiCall<ImportReport>(serve, 'importPaths', written.seriesDirs);
  expect(report.skipped).toBe(0);
  patientRowId = (await apiCall<PatientSummary[]>(serve, 'listPatients')).find((p) => p.patientId === 'E2E-FU')!.id;
  const studies = await apiCall<StudySummary[]>(serve, 'listStudies', patientRowId);
  for (const [t, tp] of truth.timepoints.entries()) {
    const study = studies.find((s) => s.studyInstanceUid === tp.studyInstanceUid)!;
    const series = (await apiCall<SeriesSummary[]>(serve, 'listSeries', study.id))[0];
    exams.push({ studyRowId: study.id, seriesId: series.id, seriesUid: series.seriesInstanceUid });
    const labels = new Uint8Array(readFileSync(join(written.patientDir, tp.labelsFile)));
    for (const l of tp.lesions) {
      // Targets at baseline: the two that will split and merge (RECIST 1.1: at most two per organ).
      const target = t === 0 && truth.lesions.some((x) => x.splitFrom === l.id || x.mergedInto === l.id);
      const lesion = await apiCall<Lesion>(serve, 'createLesion', patientRowId, {
        site: 'liver',
        lesionType: l.type,
        recistRole: target ? 'target' : 'non-target',
        notes: `phantom ${l.id}, exam ${t}`,
      });
      lesionOf[t].set(l.id, lesion);
      const seg = await apiCall<Segmentation>(serve, 'saveSegmentation', { seriesId: exams[t].seriesId, lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(labels.map((v) => (v === l.labelValue ? 1 : 0))) });
      await apiCall<Measurement>(serve, 'measureFromMask', seg.id);
    }
  }
  browser = await launchChromium();
  page = await newWorkstationPage(browser);
  ws = new WorkstationPage(page);
  fu = new FollowUpPage(page);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  rmSync(phantomDir, { recursive: true, force: true });
});

describe('follow-up: registration, matching and the review queue in Chromium', () => {
  it('opens the follow-up exam and its Follow-up tab: baseline and follow-up chosen, not registered yet', async () => {
    await page.goto(`${serve.url}&e2e=1`);
    await ws.ready();
    await fu.openSeries(exams[1].seriesUid);
    await openFollowUpTab();
    await page.waitForSelector(`[data-testid="followup-panel"][data-baseline-study="${exams[0].studyRowId}"][data-followup-study="${exams[1].studyRowId}"]`);
    await page.waitForSelector('[data-testid="fu-reg-none"]');
    await page.waitForSelector('[data-testid="fu-match"]:not([disabled])');
  });

  it('"Match lesions" registers the follow-up to the baseline, links the confident matches and queues the rest', async () => {
    await page.click('[data-testid="fu-match"]');
    // elastix runs in a worker: the progress bar names the phase while it works.
    await page.waitForSelector('[data-testid="fu-progress"]', { timeout: 10_000 });
    await page.waitForSelector('[data-testid="fu-match-result"]', { timeout: 150_000 });
    // The registration, as a reader checks it: a few degrees, some mm, and a good similarity.
    await page.waitForSelector('[data-testid="fu-reg-method"]');
    expect(await page.locator('[data-testid="fu-reg-method"]').innerText()).toBe('elastix affine');
    const reg = (await apiCall<RegistrationInfo[]>(serve, 'listRegistrations', patientRowId)).find((r) => r.status === 'current')!;
    expect(reg).toMatchObject({ fixedSeriesId: exams[0].seriesId, movingSeriesId: exams[1].seriesId });
    const rotationDeg = Number(await page.getAttribute('[data-testid="fu-reg-rotation"]', 'data-deg'));
    expect(rotationDeg).toBeGreaterThan(0.5);
    expect(rotationDeg).toBeLessThan(20);
    expect(await page.locator('[data-testid="fu-reg-translation"]').innerText()).toMatch(/[LR] \d+\.\d · [PA] \d+\.\d · [SI] \d+\.\d mm/);
    expect(await page.locator('[data-testid="fu-reg-metric"]').innerText()).toMatch(/^NCC 0\.\d{3}$/);
    // The stored registration maps the stable lesions' baseline centres onto their follow-up centres.
    const stable = truth.lesions.filter((l) => l.course === 'stable').map((l) => l.id);
    for (const id of stable) expect(dist(applyMat4(reg.matrix4x4 as Mat4, centreOf(0, id)), centreOf(1, id))).toBeLessThan(4);

    // The review queue: every proposal below the auto-confirm threshold, least confident first.
    await page.waitForSelector('[data-testid="fu-queue-item"]');
    const q = await queue();
    expect(q.length).toBeGreaterThanOrEqual(2);
    expect(q.every((l) => l.confidence < 0.6)).toBe(true);
    expect(q.map((l) => l.confidence)).toEqual([...q.map((l) => l.confidence)].sort((a, b) => a - b));
    // The phantom's split and merge are in it, for the reader to decide.
    expect(q.map((l) => l.kind)).toContain('split');
    expect(q.map((l) => l.kind)).toContain('merge');
    // Each proposal shows both lesions, the distance after registration and the confidence.
    const first = page.locator('[data-testid="fu-queue-item"]').first();
    expect(await first.locator('[data-testid="fu-lesion"]').count()).toBe(2);
    expect(await first.innerText()).toMatch(/distance \d+\.\d mm after registration/);
    for (const b of ['fu-confirm', 'fu-reject', 'fu-relink']) expect(await first.locator(`[data-testid="${b}"]`).count()).toBe(1);

    // Linked automatically: the stable lesions, each at or above 60%.
    const settled = await page.$$eval('[data-testid="fu-settled-item"]', (els) => els.map((e) => ({ from: e.getAttribute('data-from'), to: e.getAttribute('data-to'), decided: e.getAttribute('data-decided') })));
    expect(settled.length).toBeGreaterThanOrEqual(3);
    expect(settled.every((s) => s.decided === 'auto')).toBe(true);
    for (const id of stable) expect(settled).toContainEqual({ from: lesionOf[0].get(id)!.label, to: lesionOf[1].get(id)!.label, decided: 'auto' });
    // New on the follow-up: the lesion that appeared. Not found: the one that disappeared.
    const appeared = truth.lesions.find((l) => l.course === 'appear')!.id;
    const vanished = truth.lesions.find((l) => l.course === 'disappear')!.id;
    expect(await page.$$eval('[data-testid="fu-new"] [data-testid="fu-unlinked"]', (els) => els.map((e) => e.getAttribute('data-lesion-label')))).toEqual([lesionOf[1].get(appeared)!.label]);
    expect(await page.$$eval('[data-testid="fu-disappeared"] [data-testid="fu-unlinked"]', (els) => els.map((e) => e.getAttribute('data-lesion-label')))).toEqual([lesionOf[0].get(vanished)!.label]);
    await page.screenshot({ path: join(ARTIFACTS, 'followup-01-matched-queue.png') });
  });

  it('confirming a link from the queue moves the follow-up finding onto the baseline lesion, and the table follows', async () => {
    // The merge's survivor: the same lesion on both exams, proposed (it grew into its neighbour).
    const survivor = truth.lesions.find((l) => truth.lesions.some((x) => x.mergedInto === l.id))!.id;
    const from = lesionOf[0].get(survivor)!;
    const to = lesionOf[1].get(survivor)!;
    const proposal = (await queue()).find((l) => l.kind === 'match' && l.from === from.label && l.to === to.label);
    expect(proposal, `the queue proposes ${from.label} → ${to.label}`).toBeTruthy();
    const followUpFinding = (await apiCall<Measurement[]>(serve, 'listMeasurements', { lesionId: to.id })).find((m) => m.seriesId === exams[1].seriesId)!;

    await page.click(`[data-testid="fu-queue-item"][data-link-id="${proposal!.id}"] [data-testid="fu-confirm"]`);
    await page.waitForSelector(`[data-testid="fu-settled-item"][data-link-id="${proposal!.id}"][data-decided="reviewed"]`);
    expect((await queue()).some((l) => l.id === proposal!.id)).toBe(false);
    const link = (await apiCall<LesionLinkRow[]>(serve, 'listLesionLinks', { patientRowId, status: 'confirmed' })).find((l) => l.id === proposal!.id)!;
    expect(link).toMatchObject({ status: 'confirmed', auto: false, fromLesionId: from.id, toLesionId: to.id });
    await page.screenshot({ path: join(ARTIFACTS, 'followup-02-confirmed.png') });

    // The table: the baseline lesion now has the follow-up's measurement; the finding's own row is gone.
    await fu.tab('table');
    const cell = page.locator(`[data-testid="lesion-cell-${from.id}-${exams[1].studyRowId}"] .cell-mm`);
    await cell.waitFor();
    expect(Number(await cell.getAttribute('data-long-mm'))).toBeCloseTo(followUpFinding.longAxisMm!, 1);
    await expect.poll(() => page.locator(`[data-testid="lesion-row"][data-lesion-id="${to.id}"]`).count()).toBe(0);
    expect(await page.locator(`[data-testid="lesion-row"][data-lesion-id="${from.id}"]`).count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'followup-03-table.png') });
  });

  it('confirming the split, the merge and the rest of the queue records the lineage that RECIST follows', async () => {
    await openFollowUpTab();
    for (const kind of ['split', 'merge']) {
      const l = (await queue()).find((x) => x.kind === kind)!;
      await page.click(`[data-testid="fu-queue-item"][data-link-id="${l.id}"] [data-testid="fu-confirm"]`);
      await page.waitForSelector(`[data-testid="fu-settled-item"][data-link-id="${l.id}"][data-kind="${kind}"]`);
    }
    // What is left: the other fragment of the split, continuing its lesion.
    for (const l of await queue()) {
      await page.click(`[data-testid="fu-queue-item"][data-link-id="${l.id}"] [data-testid="fu-confirm"]`);
      await page.waitForSelector(`[data-testid="fu-settled-item"][data-link-id="${l.id}"]`);
    }
    await page.waitForSelector('[data-testid="fu-queue-empty"]');
    const table = await apiCall<LesionTable>(serve, 'getLesionTable', patientRowId);
    expect(table.table.lineage.map((x) => x.kind).sort()).toEqual(['merge', 'split']);
    const split = truth.lesions.find((l) => l.splitFrom)!;
    expect(table.table.lineage.find((x) => x.kind === 'split')!.parentLesionId).toBe(lesionOf[0].get(split.splitFrom!)!.id);
    expect(table.assessment.recistErrors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'followup-04-lineage.png') });
  });

  it('a new lesion found by matching turns the follow-up to PD at its exam; equivocal it is not PD; a sign-off locks the exam', async () => {
    const appeared = lesionOf[1].get(truth.lesions.find((l) => l.course === 'appear')!.id)!;
    const vanished = lesionOf[0].get(truth.lesions.find((l) => l.course === 'disappear')!.id)!;
    const fuStudy = exams[1].studyRowId;
    await fu.tab('table');
    // The new lesion: assessed as new at the follow-up (whatever role it was created with), nothing before it.
    await page.waitForSelector(`[data-testid="lesion-row"][data-lesion-id="${appeared.id}"] [data-testid="assessed-role"][data-role="new"]`);
    expect(await page.getAttribute(`[data-testid="lesion-cell-${appeared.id}-${exams[0].studyRowId}"]`, 'data-status')).toBe('before-first-seen');
    await page.waitForSelector(`[data-testid="recist-overall-${fuStudy}"][data-response="PD"]`);
    expect((await page.getAttribute(`[data-testid="recist-new-${fuStudy}"]`, 'data-new'))!.split(',')).toContain(appeared.label);
    await page.screenshot({ path: join(ARTIFACTS, 'followup-05a-new-lesion-pd.png') });

    // The reader calls it equivocal: no longer a new lesion at this exam (PD waits for a later exam).
    await openFollowUpTab();
    const newItem = page.locator(`[data-testid="fu-new"] [data-testid="fu-unlinked"][data-lesion-label="${appeared.label}"] [data-testid="fu-finding"]`);
    expect(await newItem.getAttribute('data-status')).toBe('proposed');
    await newItem.locator('[data-testid="fu-finding-equivocal"]').click();
    await page.waitForSelector(`[data-testid="fu-new"] [data-testid="fu-finding"][data-status="equivocal"]`);
    await fu.tab('table');
    await expect.poll(() => page.getAttribute(`[data-testid="recist-new-${fuStudy}"]`, 'data-equivocal')).toBe(appeared.label);
    expect(await page.getAttribute(`[data-testid="recist-new-${fuStudy}"]`, 'data-new')).toBe('');
    // Back to unequivocal; the one that vanished is confirmed gone.
    await openFollowUpTab();
    await page.click(`[data-testid="fu-new"] [data-testid="fu-finding"] [data-testid="fu-finding-reopen"]`);
    await page.click(`[data-testid="fu-new"] [data-testid="fu-finding"][data-status="proposed"] [data-testid="fu-finding-confirm"]`);
    await page.waitForSelector(`[data-testid="fu-new"] [data-testid="fu-finding"][data-status="confirmed"]`);
    await page.click(`[data-testid="fu-disappeared"] [data-testid="fu-unlinked"][data-lesion-label="${vanished.label}"] [data-testid="fu-finding-confirm"]`);
    await page.waitForSelector(`[data-testid="fu-disappeared"] [data-testid="fu-finding"][data-status="confirmed"]`);
    await fu.tab('table');
    await page.waitForSelector(`[data-testid="lesion-cell-${vanished.id}-${fuStudy}"][data-status="disappeared"]`);
    await page.waitForSelector(`[data-testid="recist-overall-${fuStudy}"][data-response="PD"]`);

    // Sign-off: the reader signs; the exam shows who signed and is locked.
    await page.click(`[data-testid="signoff-${fuStudy}"]`);
    const signed = page.locator(`[data-testid="signed-${fuStudy}"]`);
    await signed.waitFor();
    const reader = (await apiCall<{ name: string }>(serve, 'getReader')).name;
    expect(await signed.getAttribute('data-reader')).toBe(reader);
    await page.screenshot({ path: join(ARTIFACTS, 'followup-05b-signed.png') });
    await openFollowUpTab();
    await page.click(`[data-testid="fu-new"] [data-testid="fu-finding"] [data-testid="fu-finding-reopen"]`);
    await page.waitForSelector('[data-testid="fu-error"]');
    expect(await page.locator('[data-testid="fu-error"]').innerText()).toMatch(/signed by .* locked; reopen it/);
    await page.waitForSelector(`[data-testid="fu-new"] [data-testid="fu-finding"][data-status="confirmed"]`);
    // Reopening takes a reason, and unlocks.
    await fu.tab('table');
    await page.click(`[data-testid="reopen-${fuStudy}"]`);
    await page.fill(`[data-testid="reopen-reason-${fuStudy}"]`, 'second reading');
    await page.click(`[data-testid="reopen-confirm-${fuStudy}"]`);
    await page.waitForSelector(`[data-testid="signoff-${fuStudy}"]`);
    const signoffs = (await apiCall<LesionTable>(serve, 'getLesionTable', patientRowId)).table.signoffs;
    expect(signoffs).toHaveLength(1);
    expect(signoffs[0]).toMatchObject({ reopenReason: 'second reading', reopenedBy: { name: reader } });
    await openFollowUpTab();
  });

  it('side by side, the exams are linked by the registration: a point chosen in the follow-up centres the baseline on the same anatomy', async () => {
    await page.click('[data-testid="fu-side-by-side"]');
    await page.waitForSelector('[data-testid="viewer"][data-layout="compare"]');
    await page.waitForSelector('[data-testid="view-axial-b"][data-slice-loaded="true"]', { timeout: 60_000 });
    // Group a is the follow-up (opened), b the baseline: the stored baseline → follow-up registration, inverted.
    await page.waitForSelector('[data-testid="compare-link"][data-how="inverse"]');
    const id = truth.lesions.find((l) => l.course === 'stable')!.id;
    await ws.setCursor(centreOf(1, id));
    await expect.poll(async () => dist((await state()).viewport.groups.b.cursorLps!, centreOf(0, id)), { timeout: 5_000 }).toBeLessThan(4);
    // …and centres it there (the crosshair in the middle of the baseline's axial view).
    const onB = (await page.evaluate((p) => window.__longitudeDebug!.worldToCanvas('axial-b', p as Vec3), (await state()).viewport.groups.b.cursorLps))!;
    const box = (await page.locator('[data-testid="view-axial-b"] .vtk-host').boundingBox())!;
    expect(Math.abs(onB.x - box.width / 2)).toBeLessThan(2);
    expect(Math.abs(onB.y - box.height / 2)).toBeLessThan(2);
    // A lesion measured only on the baseline (it vanished): the follow-up shows where it was.
    const vanished = truth.lesions.find((l) => l.course === 'disappear')!.id;
    await page.evaluate((lesionId) => window.__longitudeDebug!.selectLesion(lesionId), lesionOf[0].get(vanished)!.id);
    await expect.poll(async () => dist((await state()).viewport.groups.a.cursorLps!, baselineToFollowUp(centreOf(0, vanished))), { timeout: 5_000 }).toBeLessThan(6);
    await page.screenshot({ path: join(ARTIFACTS, 'followup-05-side-by-side.png') });
  });

  it('"Correct with points": corresponding points clicked in both exams give a landmark registration the views then follow', async () => {
    await page.click('[data-testid="fu-landmarks"]');
    await page.waitForSelector('[data-testid="fu-landmark-box"][data-next="fixed"]');
    // Four lesion centres the phantom keeps in place (stable, shrinking, growing): click each in the baseline (b), then in the follow-up (a).
    const ids = truth.lesions.filter((l) => ['stable', 'shrink', 'grow'].includes(l.course) && truth.timepoints.every((tp) => tp.lesions.some((x) => x.id === l.id))).map((l) => l.id).slice(0, 4);
    expect(ids).toHaveLength(4);
    for (const [k, id] of ids.entries()) {
      for (const [group, t] of [['b', 0], ['a', 1]] as const) {
        await page.evaluate(([p, g]) => window.__longitudeDebug!.setCursor(p as Vec3, g as 'a' | 'b'), [centreOf(t, id), group] as const);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        const at = (await page.evaluate(([v, p]) => window.__longitudeDebug!.worldToCanvas(v as 'axial' | 'axial-b', p as Vec3), [group === 'a' ? 'axial' : 'axial-b', centreOf(t, id)] as const))!;
        expect(at.inside).toBe(true);
        await page.mouse.click(at.clientX, at.clientY);
      }
      await page.waitForSelector(`[data-testid="fu-landmark-box"][data-pairs="${k + 1}"]`);
    }
    expect(await page.locator('[data-testid="landmark-mark"]').count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(ARTIFACTS, 'followup-06-landmarks.png') });
    await page.click('[data-testid="fu-solve-rigid"]');
    await page.waitForSelector('[data-testid="followup-panel"] [data-testid="fu-registration"][data-method="landmarks"]');
    expect(await page.locator('[data-testid="fu-reg-metric"]').innerText()).toMatch(/^RMS \d+\.\d mm at 4 points$/);
    const regs = await apiCall<RegistrationInfo[]>(serve, 'listRegistrations', patientRowId);
    const current = regs.find((r) => r.status === 'current')!;
    expect(current.method).toBe('landmarks');
    // The lesions moved (grew, shrank) but their centres did not: the fit is within a few mm.
    expect(current.metric!).toBeLessThan(3);
    await page.waitForSelector(`[data-testid="compare-link"][data-registration-ids="${current.id}"]`);
    await page.screenshot({ path: join(ARTIFACTS, 'followup-07-landmark-registration.png') });
  });
});
