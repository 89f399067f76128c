/**
 * The viewer helping the follow-up, end to end in serve mode and Chromium, on a phantom
 * patient with a baseline and a follow-up CT registered to it (corresponding points at the
 * lesion centres, through the HTTP API) and two baseline lesions with masks:
 * - the hanging rule: the follow-up opens beside its registered prior, the two scrolled
 *   together through the registration; the reader can close the prior; the baseline opens
 *   alone; with the rule set to "single" (kept across a reload) the follow-up opens alone;
 * - the lesion masks in the 3D view, each in its lesion's colour (the colour of its mask on
 *   the slices), with a legend, and hidden with the toggle;
 * - redo beside undo: a measurement deleted, brought back (Ctrl+Z), deleted again (Ctrl+Shift+Z),
 *   with the buttons and Ctrl+Y too; a new edit ends what could be redone.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../core/api/maskRle';
import type { ImportReport, Lesion, Measurement, PatientSummary, RegistrationInfo, Segmentation, SeriesSummary, StudySummary, Vec3 } from '../core/api/types';
import { lesionColour } from '../renderer/src/features/viewer/model/lesionColours';
import { writePatient } from '../tools/phantom/index';
import { launchChromium, newWorkstationPage } from '../tools/testing/chromium';
import { REPO_ROOT, apiCall, startServeMode, type ServeHandle } from '../tools/testing/serveMode';
import { ReadingToolsPage } from './support/readingToolsPage';
import { WorkstationPage } from './support/workstationPage';

const ARTIFACTS = join(REPO_ROOT, 'test-results', 'e2e');

interface TruthLesion {
  id: string;
  labelValue: number;
  centreMm: Vec3;
  axialLongAxisMm: number;
  voxelCount: number;
}
interface Truth {
  timepoints: { studyInstanceUid: string; studyDate: string; labelsFile: string; lesions: TruthLesion[] }[];
}
interface Exam {
  studyRowId: number;
  seriesId: number;
  seriesUid: string;
  date: string;
}

let serve: ServeHandle;
let browser: Browser;
let page: Page;
let ws: WorkstationPage;
let rt: ReadingToolsPage;
let phantomDir: string;
let truth: Truth;
let patientRowId: number;
let registration: RegistrationInfo;
const exams: Exam[] = [];
/** The two baseline lesions with masks: L1 and L2, largest first. */
const masked: { lesion: Lesion; truth: TruthLesion }[] = [];

const isoDate = (yyyymmdd: string) => `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `viewer-followup-${name}.png`) });
const state = () => page.evaluate(() => window.__longitudeDebug!.getState());
const measurementsOf = (seriesId: number) => apiCall<Measurement[]>(serve, 'listMeasurements', { seriesId });

async function openFromLibrary(exam: Exam): Promise<void> {
  await page.locator(`[data-testid="series-item"][data-series-uid="${exam.seriesUid}"]`).click();
  await page.waitForSelector(`[data-testid="viewer"][data-series-id="${exam.seriesId}"]`);
  await page.waitForSelector('[data-testid="view-axial"][data-slice-loaded="true"]', { timeout: 60_000 });
  // The hanging rule has decided the layout (it waits for the series' detail and the patient's exams).
  await expect.poll(async () => (await state()).viewport.layoutByRule, { timeout: 15_000 }).toBeNull();
}

beforeAll(async () => {
  phantomDir = mkdtempSync(join(tmpdir(), 'lng-e2e-viewer-fu-'));
  const written = await writePatient(phantomDir, { seed: 'e2e-viewer-followup', size: 128, slices: 64, timepoints: 2, patientId: 'E2E-VFU', writeLabels: true });
  truth = JSON.parse(readFileSync(written.truthPath, 'utf8'));
  serve = await startServeMode();
  mkdirSync(ARTIFACTS, { recursive: true });

  const report = await apiCall<ImportReport>(serve, 'importPaths', written.seriesDirs);
  expect(report.skipped).toBe(0);
  patientRowId = (await apiCall<PatientSummary[]>(serve, 'listPatients')).find((p) => p.patientId === 'E2E-VFU')!.id;
  const studies = await apiCall<StudySummary[]>(serve, 'listStudies', patientRowId);
  for (const tp of truth.timepoints) {
    const study = studies.find((s) => s.studyInstanceUid === tp.studyInstanceUid)!;
    const series = (await apiCall<SeriesSummary[]>(serve, 'listSeries', study.id))[0];
    exams.push({ studyRowId: study.id, seriesId: series.id, seriesUid: series.seriesInstanceUid, date: isoDate(tp.studyDate) });
  }
  expect(exams[0].date < exams[1].date).toBe(true);

  // The two largest baseline lesions, with their masks from the phantom's label map (as a reader's saved masks).
  const labels = new Uint8Array(readFileSync(join(written.patientDir, truth.timepoints[0].labelsFile)));
  const largest = [...truth.timepoints[0].lesions].sort((a, b) => b.voxelCount - a.voxelCount).slice(0, 2);
  for (const l of largest) {
    const lesion = await apiCall<Lesion>(serve, 'createLesion', patientRowId, { site: 'liver', notes: `phantom ${l.id}` });
    await apiCall<Segmentation>(serve, 'saveSegmentation', { seriesId: exams[0].seriesId, lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(labels.map((v) => (v === l.labelValue ? 1 : 0))) });
    masked.push({ lesion, truth: l });
  }
  expect(masked.map((m) => m.lesion.label)).toEqual(['L1', 'L2']);

  // The follow-up registered to the baseline: corresponding points at the centres of lesions on both exams.
  const pairs = truth.timepoints[0].lesions
    .map((l) => ({ fixedMm: l.centreMm, movingMm: truth.timepoints[1].lesions.find((f) => f.id === l.id)?.centreMm }))
    .filter((p): p is { fixedMm: Vec3; movingMm: Vec3 } => p.movingMm !== undefined);
  expect(pairs.length).toBeGreaterThanOrEqual(3);
  registration = await apiCall<RegistrationInfo>(serve, 'setLandmarkRegistration', { fixedSeriesId: exams[0].seriesId, movingSeriesId: exams[1].seriesId, pairs, kind: 'rigid' });

  browser = await launchChromium();
  page = await newWorkstationPage(browser);
  ws = new WorkstationPage(page);
  rt = new ReadingToolsPage(page);
  await page.goto(`${serve.url}&e2e=1`);
  await ws.ready();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  rmSync(phantomDir, { recursive: true, force: true });
});

describe('hanging rule: a follow-up opens beside its prior', () => {
  it('opens the registered follow-up beside the baseline, scrolled together through the registration', async () => {
    expect(await page.locator('[data-testid="hanging-rule"]').inputValue()).toBe('besidePrior');
    await openFromLibrary(exams[1]);
    await page.waitForSelector('[data-testid="viewer"][data-layout="compare"]');
    // Two panes: the follow-up (a, opened) and its prior (b), each with its own slices.
    expect(await page.locator('[data-testid^="group-header-"]').count()).toBe(2);
    await page.waitForSelector('[data-testid="view-axial-b"][data-slice-loaded="true"]', { timeout: 60_000 });
    expect(await page.getAttribute('[data-testid="group-header-a"]', 'data-study-date')).toBe(exams[1].date);
    expect(await page.getAttribute('[data-testid="group-header-b"]', 'data-study-date')).toBe(exams[0].date);
    expect(await page.locator('[data-testid="group-header-b"] .group-role').textContent()).toBe('prior');
    expect((await state()).viewport.compareSeriesId).toBe(exams[0].seriesId);
    // Linked by the stored registration (baseline → follow-up, used inverted from the follow-up).
    await page.waitForSelector(`[data-testid="compare-link"][data-how="inverse"][data-registration-ids="${registration.id}"]`);
    // A lesion centre chosen on the follow-up puts the baseline's crosshair on the same lesion.
    const l = masked[0].truth;
    const onFollowUp = truth.timepoints[1].lesions.find((f) => f.id === l.id)!.centreMm;
    await page.waitForSelector('[data-testid="volume-progress-b"][data-complete="true"]', { timeout: 60_000 });
    await ws.setCursor(onFollowUp);
    await expect
      .poll(async () => {
        const b = (await state()).viewport.groups.b.cursorLps!;
        return Math.hypot(b[0] - l.centreMm[0], b[1] - l.centreMm[1], b[2] - l.centreMm[2]);
      })
      .toBeLessThan(4);
    await page.click('[data-testid="preset-liver"]');
    await rt.frames(3);
    await shot('01-followup-beside-prior');
  });

  it('the reader can close the prior: one exam again, with the 3D view', async () => {
    await page.click('[data-testid="compare-close"]');
    await page.waitForSelector('[data-testid="viewer"][data-layout="single"]');
    expect(await page.locator('[data-testid="view-3d"]').count()).toBe(1);
    expect(await page.locator('[data-testid="view-axial-b"]').count()).toBe(0);
  });

  it('the baseline opens alone', async () => {
    await openFromLibrary(exams[0]);
    expect(await page.getAttribute('[data-testid="viewer"]', 'data-layout')).toBe('single');
    expect(await page.locator('[data-testid="group-header-b"]').count()).toBe(0);
  });
});

describe('lesion masks in the 3D view', () => {
  /**
   * Pixels of the 3D view whose colour points the way of `rgb` (brightness aside: the surfaces
   * are shaded): how many, and their centroid in CSS pixels.
   */
  function findColour(px: Uint8ClampedArray, width: number, rgb: readonly number[], minCosine = 0.985): { count: number; x: number; y: number } {
    const n = Math.hypot(rgb[0], rgb[1], rgb[2]);
    let count = 0;
    let sx = 0;
    let sy = 0;
    for (let p = 0; p < px.length; p += 4) {
      const m = Math.hypot(px[p], px[p + 1], px[p + 2]);
      if (m < 60) continue;
      if ((px[p] * rgb[0] + px[p + 1] * rgb[1] + px[p + 2] * rgb[2]) / (m * n) < minCosine) continue;
      count++;
      sx += (p / 4) % width;
      sy += Math.floor(p / 4 / width);
    }
    return { count, x: sx / count, y: sy / count };
  }

  it('draws each lesion mask as a surface in its lesion colour, with a legend', async () => {
    await ws.waitForVolume();
    await page.waitForSelector('[data-testid="view-3d"][data-ready="true"]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="view-3d"][data-labels="2"]', { timeout: 30_000 });
    const legend = await page.$$eval('[data-testid="vr-label"]', (els) =>
      els.map((e) => ({ name: e.getAttribute('data-name'), rgb: e.getAttribute('data-rgb'), triangles: Number(e.getAttribute('data-triangles')) })),
    );
    // The colours the slice views' mask layer gives L1 and L2 — one helper for both views.
    const expected = masked.map((m) => ({ name: m.lesion.label, rgb: lesionColour(m.lesion.label, m.lesion.id).join(',') }));
    expect(legend.map(({ name, rgb }) => ({ name, rgb }))).toEqual(expected);
    expect(expected[0].rgb).not.toBe(expected[1].rgb);
    for (const l of legend) expect(l.triangles).toBeGreaterThan(50);

    // On screen: both colours, where the masks are hidden there is neither.
    await rt.frames(3);
    const shown = await ws.viewPixels('3d');
    await page.locator('[data-testid="view-3d"]').screenshot({ path: join(ARTIFACTS, 'viewer-followup-02-3d-masks.png') });
    await shot('02-baseline-3d-masks');
    const colours = masked.map((m) => lesionColour(m.lesion.label, m.lesion.id));
    const width = Math.round((await page.locator('[data-testid="view-3d"] .vtk-host').boundingBox())!.width);
    const found = colours.map((c) => findColour(shown, width, c));
    const before = found.map((f) => f.count);
    await page.click('[data-testid="vr-masks"]');
    await page.waitForSelector('[data-testid="view-3d"][data-labels-visible="false"]');
    expect(await page.locator('[data-testid="vr-legend"]').count()).toBe(0);
    await rt.frames(3);
    const hidden = await ws.viewPixels('3d');
    const after = colours.map((c) => findColour(hidden, width, c).count);
    for (let i = 0; i < 2; i++) {
      expect(before[i], `${masked[i].lesion.label} pixels shown`).toBeGreaterThan(30);
      expect(after[i], `${masked[i].lesion.label} pixels hidden`).toBeLessThan(before[i] / 4);
    }
    // Where a radiologist expects them in the first (anterior) view: patient right on screen
    // left (LPS x grows to the right), head up (z grows upwards).
    const [a, b] = masked.map((m) => m.truth.centreMm);
    expect(Math.sign(found[0].x - found[1].x)).toBe(Math.sign(a[0] - b[0]));
    if (Math.abs(a[2] - b[2]) > 5) expect(Math.sign(found[0].y - found[1].y)).toBe(-Math.sign(a[2] - b[2]));
    await page.click('[data-testid="vr-masks"]');
    await page.waitForSelector('[data-testid="view-3d"][data-labels-visible="true"] [data-testid="vr-legend"]');
    // Turned (the 3D view's own mouse handling, through the layer of surfaces) and closer.
    const box = (await page.locator('[data-testid="view-3d"] .vtk-host').boundingBox())!;
    const centre = { clientX: box.x + box.width / 2, clientY: box.y + box.height / 2 };
    const leftBefore = await page.textContent('[data-testid="orientation-3d-left"]');
    await rt.drag(centre, { clientX: centre.clientX - 120, clientY: centre.clientY - 30 }, 20);
    await expect.poll(() => page.textContent('[data-testid="orientation-3d-left"]')).not.toBe(leftBefore);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -120);
    // The still frame after the interaction (vtk.js draws coarser while the mouse moves).
    await page.waitForTimeout(1500);
    await rt.frames(3);
    // Both lesions are still drawn, turned with the body.
    const turned = await ws.viewPixels('3d');
    for (const c of colours) expect(findColour(turned, width, c).count).toBeGreaterThan(30);
    await page.locator('[data-testid="view-3d"]').screenshot({ path: join(ARTIFACTS, 'viewer-followup-02b-3d-masks-closeup.png') });
  });
});

describe('redo beside undo', () => {
  it('deletes a measurement, brings it back, and deletes it again with Ctrl+Shift+Z, the Redo button and Ctrl+Y', async () => {
    const l = masked[0].truth;
    const [x, y, z] = l.centreMm;
    const half = l.axialLongAxisMm / 2;
    await rt.setCursor(l.centreMm);
    await page.evaluate((id) => window.__longitudeDebug!.selectLesion(id), masked[0].lesion.id);
    await rt.tool('length');
    await rt.drag(await rt.at('axial', [x - half, y, z]), await rt.at('axial', [x + half, y, z]));
    await expect.poll(() => rt.measurements().count()).toBe(1);
    const id = Number(await rt.measurements().first().getAttribute('data-measurement-id'));
    const exists = async () => (await measurementsOf(exams[0].seriesId)).some((m) => m.id === id);
    await page.keyboard.press('Escape');

    // Select it (its line) and delete it.
    const end = await rt.at('axial', [x + half, y, z]);
    await page.mouse.click(end.clientX, end.clientY);
    await page.waitForSelector(`[data-testid="measurement"][data-measurement-id="${id}"][data-selected="true"]`);
    await page.keyboard.press('Delete');
    await expect.poll(() => rt.measurements().count()).toBe(0);
    expect(await exists()).toBe(false);
    expect(await page.isDisabled('[data-testid="tool-redo"]')).toBe(true);

    await page.keyboard.press('Control+z');
    await expect.poll(() => rt.measurements().count()).toBe(1);
    expect(await exists()).toBe(true);
    await page.waitForSelector('[data-testid="tool-redo"]:not([disabled])');
    expect(await page.getAttribute('[data-testid="tool-redo"]', 'title')).toMatch(/delete the measurement again/);

    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(() => rt.measurements().count()).toBe(0);
    expect(await exists()).toBe(false);
    await page.waitForSelector('[data-testid="tool-redo"][disabled]');

    // The buttons do the same: Undo brings it back, Redo deletes it again; Ctrl+Y is redo too.
    await page.click('[data-testid="tool-undo"]');
    await expect.poll(() => rt.measurements().count()).toBe(1);
    await page.click('[data-testid="tool-redo"]');
    await expect.poll(() => rt.measurements().count()).toBe(0);
    await page.keyboard.press('Control+z');
    await expect.poll(() => rt.measurements().count()).toBe(1);
    await page.keyboard.press('Control+y');
    await expect.poll(() => rt.measurements().count()).toBe(0);
    expect(await exists()).toBe(false);
    await page.keyboard.press('Control+z');
    await expect.poll(() => rt.measurements().count()).toBe(1);
    expect(await exists()).toBe(true);
    await shot('03-undo-redo');
  });

  it('a new edit ends what could be redone', async () => {
    // Undo the restore once more, so there is something to redo…
    await page.keyboard.press('Control+z');
    await expect.poll(() => rt.measurements().count()).toBe(0);
    await page.waitForSelector('[data-testid="tool-redo"]:not([disabled])');
    // …then draw: a new edit, and Redo has nothing left.
    const l = masked[0].truth;
    const [x, y, z] = l.centreMm;
    await rt.tool('length');
    await rt.drag(await rt.at('axial', [x - 5, y - 5, z]), await rt.at('axial', [x + 5, y + 5, z]));
    await expect.poll(() => rt.measurements().count()).toBe(1);
    await page.waitForSelector('[data-testid="tool-redo"][disabled]');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
  });
});

describe('hanging rule: single', () => {
  it('is kept across a reload; the follow-up then opens alone', async () => {
    await page.selectOption('[data-testid="hanging-rule"]', 'single');
    await page.goto(`${serve.url}&e2e=1`);
    await ws.ready();
    expect(await page.locator('[data-testid="hanging-rule"]').inputValue()).toBe('single');
    await openFromLibrary(exams[1]);
    expect(await page.getAttribute('[data-testid="viewer"]', 'data-layout')).toBe('single');
    expect(await page.locator('[data-testid^="group-header-"]').count()).toBe(0);
    expect(await page.locator('[data-testid="view-3d"]').count()).toBe(1);
    // Back to the default rule: opening the follow-up again (after the baseline) shows both.
    await page.selectOption('[data-testid="hanging-rule"]', 'besidePrior');
    await openFromLibrary(exams[0]);
    await openFromLibrary(exams[1]);
    await page.waitForSelector('[data-testid="viewer"][data-layout="compare"]');
  });
});
