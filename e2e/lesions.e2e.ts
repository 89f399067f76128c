/**
 * Follow-up of liver metastases end to end, in serve mode and Chromium: a phantom patient
 * with a baseline and a follow-up CT; the reader creates lesions in the lesion panel,
 * measures them on both exams, marks one target as disappeared and a non-target as present,
 * and the table shows the RECIST 1.1 response a radiologist would give (a shrinking and a
 * vanished target: partial response), the spider plot the per-lesion change.
 *
 * Measurements are drawn with the bidirectional tool when the viewer has one; otherwise they
 * are posted through the API with the ground truth's axial long and short axes (the same
 * numbers a caliper on the largest axial section gives).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../core/api/maskRle';
import type { ImportReport, Measurement, PatientSummary, Segmentation, SeriesDetail, SeriesSummary, StudySummary, Vec3, VolumeGeometry } from '../core/api/types';
import { writePatient } from '../tools/phantom/index';
import { launchChromium, newWorkstationPage } from '../tools/testing/chromium';
import { REPO_ROOT, apiCall, startServeMode, type ServeHandle } from '../tools/testing/serveMode';
import { ReadingToolsPage } from './support/readingToolsPage';
import { FollowUpPage, WorkstationPage } from './support/workstationPage';

const ARTIFACTS = join(REPO_ROOT, 'test-results', 'e2e');

interface ExamLesionTruth {
  id: string;
  type: string;
  labelValue: number;
  voxelizedVolumeMl: number;
  centreMm: Vec3;
  axialLongAxisMm: number;
  axialShortAxisMm: number;
}
interface ExamTruth {
  studyDate: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  labelsFile: string;
  geometry: VolumeGeometry;
  lesions: ExamLesionTruth[];
}
interface Exam {
  date: string;
  studyRowId: number;
  seriesId: number;
  seriesUid: string;
  truth: ExamTruth;
}

let serve: ServeHandle;
let browser: Browser;
let page: Page;
let ws: WorkstationPage;
let rt: ReadingToolsPage;
let fu: FollowUpPage;
let phantomDir: string;
let patientDir: string;
let seriesDirs: string[];
let truthExams: ExamTruth[];
let truthLesions: { id: string; type: string; course: string }[];
let exams: Exam[];
/** Lesion panel label → registry id. */
const ids: Record<string, number> = {};
/** What was measured, by "L1@0" (label @ exam index): the numbers the expectations use. */
const measured: Record<string, { longAxisMm: number; shortAxisMm: number }> = {};

const isoDate = (yyyymmdd: string) => `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;

function truthAt(exam: Exam, truthId: string): ExamLesionTruth {
  const l = exam.truth.lesions.find((x) => x.id === truthId);
  if (!l) throw new Error(`phantom lesion ${truthId} is not in the exam of ${exam.date}`);
  return l;
}

/** Long axis along x, short along y, through the centre, on its axial plane (LPS mm). */
function caliperPoints(l: ExamLesionTruth): Vec3[] {
  const [x, y, z] = l.centreMm;
  const a = l.axialLongAxisMm / 2;
  const b = l.axialShortAxisMm / 2;
  return [
    [x - a, y, z],
    [x + a, y, z],
    [x, y - b, z],
    [x, y + b, z],
  ];
}

/**
 * Measure a lesion on an exam: with the bidirectional tool when the viewer has one (long axis
 * dragged across the lesion on the axial image), otherwise through the API with the truth's
 * caliper points. Either way the expectations use what was actually saved.
 */
async function measure(label: string, exam: Exam, truthId: string): Promise<Measurement> {
  const l = truthAt(exam, truthId);
  const m = (await page.locator('[data-testid="tool-bidirectional"]').count())
    ? await measureWithTool(label, exam, l)
    : await apiCall<Measurement>(serve, 'addMeasurement', { lesionId: ids[label], seriesId: exam.seriesId, kind: 'bidirectional', pointsLps: caliperPoints(l) });
  expect(m.lesionId).toBe(ids[label]);
  // A drag on screen is good to about a pixel (≈ 1 mm here).
  expect(Math.abs(m.longAxisMm! - l.axialLongAxisMm)).toBeLessThan(2);
  measured[`${label}@${exams.indexOf(exam)}`] = { longAxisMm: m.longAxisMm!, shortAxisMm: m.shortAxisMm! };
  // An API write comes from another client: reload the dock as a reader would (↻).
  await page.click('[data-testid="dock-refresh"]');
  await page.waitForFunction((id) => Boolean(document.querySelector(`[data-testid="lesion-item"][data-lesion-id="${id}"] .lesion-cell-mm`)), ids[label]);
  return m;
}

async function drag(from: { clientX: number; clientY: number }, to: { clientX: number; clientY: number }): Promise<void> {
  await page.mouse.move(from.clientX, from.clientY);
  await page.mouse.down();
  for (let k = 1; k <= 8; k++) await page.mouse.move(from.clientX + ((to.clientX - from.clientX) * k) / 8, from.clientY + ((to.clientY - from.clientY) * k) / 8);
  await page.mouse.up();
}

/** The reader's way: select the lesion, centre the axial view on it, drag the long axis, then set the short axis ends. */
async function measureWithTool(label: string, exam: Exam, l: ExamLesionTruth): Promise<Measurement> {
  await fu.tab('lesions');
  await fu.selectLesion(label);
  await ws.setCursor(l.centreMm);
  await page.click('[data-testid="tool-bidirectional"]');
  const before = new Set((await apiCall<Measurement[]>(serve, 'listMeasurements', { lesionId: ids[label] })).map((m) => m.id));
  const [p0, p1, s0, s1] = caliperPoints(l);
  await drag(await ws.worldToCanvas('axial', p0), await ws.worldToCanvas('axial', p1));
  const findNew = async () => (await apiCall<Measurement[]>(serve, 'listMeasurements', { lesionId: ids[label] })).find((m) => !before.has(m.id) && m.seriesId === exam.seriesId);
  await expect.poll(findNew, { timeout: 10_000 }).toBeTruthy();
  let m = (await findNew())!;
  // The viewer must have the saved measurement before its handles are taken.
  await rt.handlesAt(m.id, m.pointsLps);
  // The tool places a short axis across the middle; drag each of its ends onto the lesion's edge.
  for (const target of [s0, s1]) {
    const nearest = [m.pointsLps[2], m.pointsLps[3]].sort((a, b) => Math.hypot(a[0] - target[0], a[1] - target[1]) - Math.hypot(b[0] - target[0], b[1] - target[1]))[0];
    const updatedAt = m.updatedAt;
    await drag(await ws.worldToCanvas('axial', nearest), await ws.worldToCanvas('axial', target));
    await expect.poll(async () => (await findNew())?.updatedAt, { timeout: 10_000 }).not.toBe(updatedAt);
    m = (await findNew())!;
    await rt.handlesAt(m.id, m.pointsLps);
  }
  await page.click('[data-testid="tool-windowLevel"]');
  return m;
}

beforeAll(async () => {
  phantomDir = mkdtempSync(join(tmpdir(), 'lng-e2e-lesions-'));
  const written = await writePatient(phantomDir, { seed: 'e2e-lesions', size: 192, slices: 64, timepoints: 2, patientId: 'E2E-LES', writeLabels: true });
  seriesDirs = written.seriesDirs;
  patientDir = written.patientDir;
  const truth = JSON.parse(readFileSync(written.truthPath, 'utf8'));
  truthExams = truth.timepoints;
  truthLesions = truth.lesions;
  serve = await startServeMode();
  browser = await launchChromium();
  page = await newWorkstationPage(browser);
  ws = new WorkstationPage(page);
  rt = new ReadingToolsPage(page);
  fu = new FollowUpPage(page);
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  rmSync(phantomDir, { recursive: true, force: true });
});

describe('lesion follow-up in Chromium', () => {
  it('imports a baseline and a follow-up CT of one patient', async () => {
    const report = await apiCall<ImportReport>(serve, 'importPaths', seriesDirs);
    expect(report.imported).toBe(128);
    const patient = (await apiCall<PatientSummary[]>(serve, 'listPatients')).find((p) => p.patientId === 'E2E-LES')!;
    const studies = await apiCall<StudySummary[]>(serve, 'listStudies', patient.id);
    exams = [];
    for (const t of truthExams) {
      const study = studies.find((s) => s.studyInstanceUid === t.studyInstanceUid)!;
      const series = (await apiCall<SeriesSummary[]>(serve, 'listSeries', study.id))[0];
      exams.push({ date: isoDate(t.studyDate), studyRowId: study.id, seriesId: series.id, seriesUid: series.seriesInstanceUid, truth: t });
    }
    expect(exams.map((e) => e.date)).toEqual([...exams.map((e) => e.date)].sort());
    await page.goto(`${serve.url}&e2e=1`);
    await ws.ready();
  });

  it('lists no lesions until a series is open, then the patient’s (none yet)', async () => {
    await expect.poll(() => page.locator('[data-testid="lesion-panel"]').textContent()).toContain('Open a series');
    await fu.openSeries(exams[0].seriesUid);
    await page.waitForSelector('[data-testid="lesion-create"]');
    expect(await page.locator('[data-testid="lesion-item"]').count()).toBe(0);
  });

  it('creates lesions and edits their fields with proper controls, each edit in the history', async () => {
    const shrink = truthLesions.find((l) => l.course === 'shrink')!;
    const gone = truthLesions.find((l) => l.course === 'disappear')!;
    expect(shrink.type).toBe('metastasis');

    const l1 = await fu.createLesion();
    expect(l1.label).toBe('L1');
    ids.L1 = l1.id;
    await page.selectOption('[data-testid="lesion-type"]', 'metastasis');
    await page.waitForSelector('[data-testid="lesion-item"][data-lesion-label="L1"] >> text=metastasis');
    await page.selectOption('[data-testid="lesion-segment"]', 'VII');
    await page.waitForSelector('[data-testid="lesion-item"][data-lesion-label="L1"] >> text=seg VII');
    await page.fill('[data-testid="lesion-notes"]', `phantom ${shrink.id}, shrinking`);
    await page.locator('[data-testid="lesion-notes"]').blur();
    await expect.poll(() => page.locator('[data-testid="audit-entry"]').count()).toBe(4);
    const history = await page.locator('[data-testid="lesion-audit"]').innerText();
    expect(history).toContain('L1 created');
    expect(history).toMatch(/Type:\s*indeterminate\s*→\s*metastasis/);
    expect(history).toMatch(/Couinaud segment:\s*—\s*→\s*VII/);

    const l2 = await fu.createLesion();
    ids.L2 = l2.id;
    await page.selectOption('[data-testid="lesion-type"]', 'metastasis');
    await page.fill('[data-testid="lesion-notes"]', `phantom ${gone.id}, disappears`);
    await page.locator('[data-testid="lesion-notes"]').blur();

    // A lymph node followed as non-target: site, station and the node flag.
    const l3 = await fu.createLesion();
    ids.L3 = l3.id;
    await page.click('[data-testid="lesion-role-non-target"]');
    await page.waitForSelector('[data-testid="lesion-item"][data-lesion-label="L3"] .role-non-target');
    await page.selectOption('[data-testid="lesion-site"]', 'lymph-node');
    await page.waitForSelector('[data-testid="lesion-lymph-node"]:checked');
    await page.fill('[data-testid="lesion-node-station"]', '12b');
    await page.locator('[data-testid="lesion-node-station"]').press('Enter');
    await page.waitForSelector('[data-testid="lesion-item"][data-lesion-label="L3"] >> text=station 12b');
    expect(await page.locator('[data-testid="lesion-segment"]').count()).toBe(0);
  });

  it('measures the targets on the baseline and marks the non-target present', async () => {
    const shrink = truthLesions.find((l) => l.course === 'shrink')!;
    const gone = truthLesions.find((l) => l.course === 'disappear')!;
    await measure('L1', exams[0], shrink.id);
    await measure('L2', exams[0], gone.id);
    await fu.selectLesion('L3');
    await fu.setStatus('present', exams[0].studyRowId);
    await page.screenshot({ path: join(ARTIFACTS, 'lesions-01-baseline-panel.png') });
  });

  it('on the follow-up: measures the shrinking target, marks the vanished one as disappeared', async () => {
    const shrink = truthLesions.find((l) => l.course === 'shrink')!;
    await fu.openSeries(exams[1].seriesUid);
    await page.waitForSelector(`[data-testid="lesion-exam-status"][data-study-row-id="${exams[1].studyRowId}"], [data-testid="lesion-item"]`);
    await measure('L1', exams[1], shrink.id);
    await fu.selectLesion('L2');
    await fu.setStatus('disappeared', exams[1].studyRowId);
    await fu.selectLesion('L3');
    await fu.setStatus('present', exams[1].studyRowId);
    // Selecting a lesion is shared with the viewer.
    await fu.selectLesion('L1');
    expect(await page.evaluate(() => document.querySelector('[data-testid="lesion-item"][data-selected="true"]')?.getAttribute('data-lesion-label'))).toBe('L1');
    await page.screenshot({ path: join(ARTIFACTS, 'lesions-02-followup-panel.png') });
  });

  it('segments the lesions and the liver (from the phantom label maps): volumes in the table', async () => {
    const shrink = truthLesions.find((l) => l.course === 'shrink')!;
    const gone = truthLesions.find((l) => l.course === 'disappear')!;
    for (const [i, exam] of exams.entries()) {
      // The label map is on the phantom's grid; it must be the series' grid as imported.
      const detail = await apiCall<SeriesDetail>(serve, 'getSeries', exam.seriesId);
      expect(detail.geometry.dims).toEqual(exam.truth.geometry.dims);
      detail.geometry.originMm.forEach((v, k) => expect(v).toBeCloseTo(exam.truth.geometry.originMm[k], 3));
      const labels = new Uint8Array(readFileSync(join(patientDir, exam.truth.labelsFile)));
      const save = (lesionId: number | null, structure: 'lesion' | 'liver', keep: (v: number) => boolean) =>
        apiCall<Segmentation>(serve, 'saveSegmentation', { seriesId: exam.seriesId, lesionId, structure, mask: encodeMaskRle(labels.map((v) => (keep(v) ? 1 : 0))) });
      // The whole liver, lesions included (tumour burden = lesions / liver).
      await save(null, 'liver', (v) => v > 0);
      const s1 = await save(ids.L1, 'lesion', (v) => v === truthAt(exam, shrink.id).labelValue);
      expect(s1.volumeMl).toBeCloseTo(truthAt(exam, shrink.id).voxelizedVolumeMl, 2);
      if (i === 0) await save(ids.L2, 'lesion', (v) => v === truthAt(exam, gone.id).labelValue);
    }
    await page.click('[data-testid="dock-refresh"]');
  });

  it('shows the RECIST 1.1 response per exam in the table: a partial response', async () => {
    const baselineSum = measured['L1@0'].longAxisMm + measured['L2@0'].longAxisMm;
    const followUpSum = measured['L1@1'].longAxisMm;
    const changePct = ((followUpSum - baselineSum) / baselineSum) * 100;
    // The phantom must make this a partial response, or the test proves nothing.
    expect(changePct).toBeLessThanOrEqual(-30);
    expect(changePct).toBeGreaterThan(-100);

    await fu.tab('table');
    await page.waitForSelector('[data-testid="lesion-table"]');
    expect(await page.locator('[data-testid="lesion-row"]').count()).toBe(3);
    expect(Number(await page.getAttribute(`[data-testid="recist-sum-${exams[0].studyRowId}"]`, 'data-sum-mm'))).toBeCloseTo(baselineSum, 2);
    expect(Number(await page.getAttribute(`[data-testid="recist-sum-${exams[1].studyRowId}"]`, 'data-sum-mm'))).toBeCloseTo(followUpSum, 2);
    expect(await fu.overallResponse(exams[0].studyRowId)).toBe('baseline');
    expect(await fu.overallResponse(exams[1].studyRowId)).toBe('PR');
    expect(await page.getAttribute('[data-testid="best-overall-response"]', 'data-response')).toBe('PR');
    expect(await page.locator('[data-testid="recist-errors"]').count()).toBe(0);
    // Cells: caliper numbers and the status word.
    const l1FollowUp = await page.locator(`[data-testid="lesion-cell-${ids.L1}-${exams[1].studyRowId}"]`).innerText();
    const t1 = measured['L1@1'];
    expect(l1FollowUp.replace(/\s+/g, ' ')).toContain(`${t1.longAxisMm.toFixed(1)} × ${t1.shortAxisMm.toFixed(1)} mm`);
    expect(await page.locator(`[data-testid="lesion-cell-${ids.L2}-${exams[1].studyRowId}"]`).innerText()).toContain('disappeared');
    // Volumetry: L1 shrinks, so it has a halving time, not a doubling time.
    expect(await page.locator('[data-testid="growth-row"][data-lesion-label="L1"]').innerText()).toMatch(/halves in \d+ d/);
    expect(await page.locator(`[data-testid="volume-total-${exams[0].studyRowId}"]`).innerText()).toMatch(/mL/);
    // The reasons, on demand.
    await page.click(`[data-testid="recist-overall-${exams[1].studyRowId}"]`);
    const why = await page.locator('[data-testid="recist-explanation"]').innerText();
    expect(why.length).toBeGreaterThan(20);
    await page.screenshot({ path: join(ARTIFACTS, 'lesions-03-table.png') });
  });

  it('draws the spider plot: one line per target with its % change from baseline', async () => {
    const shrink = truthLesions.find((l) => l.course === 'shrink')!;
    const l0 = measured['L1@0'].longAxisMm;
    const l1 = measured['L1@1'].longAxisMm;
    await fu.tab('plots');
    await page.waitForSelector('[data-testid="spider-plot"] [data-testid="spider-line"]');
    expect(await page.locator('[data-testid="spider-line"]').count()).toBe(2);
    expect(await fu.spiderPoints('L1')).toBe(`${exams[0].date}:0.0;${exams[1].date}:${(((l1 - l0) / l0) * 100).toFixed(1)}`);
    expect(await fu.spiderPoints('L2')).toBe(`${exams[0].date}:0.0;${exams[1].date}:-100.0`);
    // Waterfall: the sum's best change is the follow-up's, coloured as a response.
    const sum = page.locator('[data-testid="waterfall-bar"][data-label="Sum"]');
    expect(await sum.getAttribute('data-category')).toBe('PR');
    // Volume over time: the masks' volumes, the vanished lesion at 0 mL.
    const v0 = truthAt(exams[0], shrink.id).voxelizedVolumeMl;
    const v1 = truthAt(exams[1], shrink.id).voxelizedVolumeMl;
    expect(await page.getAttribute('[data-testid="volume-line"][data-lesion-label="L1"]', 'data-points')).toBe(`${exams[0].date}:${v0.toFixed(2)};${exams[1].date}:${v1.toFixed(2)}`);
    expect(await page.getAttribute('[data-testid="volume-line"][data-lesion-label="L2"]', 'data-points')).toMatch(new RegExp(`;${exams[1].date}:0\\.00$`));
    await page.screenshot({ path: join(ARTIFACTS, 'lesions-04-plots.png') });
    await page.click('[data-testid="dock-wide"]');
    await page.screenshot({ path: join(ARTIFACTS, 'lesions-05-plots-wide.png') });
    await fu.tab('table');
    await page.screenshot({ path: join(ARTIFACTS, 'lesions-06-table-wide.png') });
    await page.click('[data-testid="dock-wide"]');
  });

  it('names the problem when the case is not valid RECIST, and undoes a deletion', async () => {
    await fu.tab('lesions');
    const l4 = await fu.createLesion();
    // A target never measured at baseline: RECIST cannot be assessed, and the table says why.
    await fu.tab('table');
    await page.waitForSelector('[data-testid="recist-errors"]');
    expect(await page.locator('[data-testid="recist-errors"]').innerText()).toContain(l4.label);
    await page.screenshot({ path: join(ARTIFACTS, 'lesions-07-recist-error.png') });

    await fu.tab('lesions');
    await fu.selectLesion(l4.label);
    await page.click('[data-testid="lesion-delete"]');
    await page.waitForSelector('[data-testid="lesion-undo"]');
    await expect.poll(() => fu.lesionItem(l4.label).count()).toBe(0);
    await page.click('[data-testid="lesion-undo"]');
    await fu.lesionItem(l4.label).waitFor();
    expect(await fu.lesionItem(l4.label).getAttribute('data-selected')).toBe('true');
    await expect.poll(() => page.locator('[data-testid="lesion-audit"]').innerText()).toContain(`${l4.label} restored`);
    expect(await page.locator('[data-testid="lesion-audit"]').innerText()).toContain(`${l4.label} deleted`);
    // Remove it for good: the case is valid again.
    await page.click('[data-testid="lesion-delete"]');
    await fu.tab('table');
    await expect.poll(() => fu.overallResponse(exams[1].studyRowId)).toBe('PR');
    expect(await page.locator('[data-testid="recist-errors"]').count()).toBe(0);
  });
});
