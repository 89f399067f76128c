/**
 * The reading tools end to end, in serve mode and Chromium, on a phantom patient with a
 * baseline and a follow-up CT: caliper measurements of a metastasis drawn with the mouse
 * (bidirectional with its perpendicular short axis, ellipse and freehand ROIs with HU
 * statistics), edited, deleted and brought back; a lesion mask grown and painted, saved
 * and measured; and the two exams side by side, scrolled together by table position and
 * centred on a lesion when it is chosen. Checks what a radiologist would check: the
 * numbers against the phantom's ground truth, and where things are on screen.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport, Measurement, PatientSummary, Segmentation, SeriesSummary, StudySummary, Vec3 } from '../core/api/types';
import { writePatient } from '../tools/phantom/index';
import { launchChromium, newWorkstationPage } from '../tools/testing/chromium';
import { ReadingToolsPage } from './support/readingToolsPage';
import { REPO_ROOT, apiCall, startServeMode, type ServeHandle } from '../tools/testing/serveMode';
import { WorkstationPage } from './support/workstationPage';

const ARTIFACTS = join(REPO_ROOT, 'test-results', 'e2e');

interface LesionTruth {
  id: string;
  type: string;
  centreMm: Vec3;
  semiAxesMm: Vec3;
  axialLongAxisMm: number;
  axialShortAxisMm: number;
  voxelizedVolumeMl: number;
}
interface ExamTruth {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  lesions: LesionTruth[];
  geometry: { spacingMm: Vec3 };
}

let serve: ServeHandle;
let browser: Browser;
let page: Page;
let ws: WorkstationPage;
let rt: ReadingToolsPage;
let phantomDir: string;
const exams: { seriesId: number; seriesUid: string; truth: ExamTruth }[] = [];
let target: LesionTruth;
let targetFollowUp: LesionTruth;
let coreHu: number;
let liverHu: number;
let bidirectional: Measurement;

const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const dir = (a: Vec3, b: Vec3): Vec3 => {
  const d = dist(a, b);
  return [(b[0] - a[0]) / d, (b[1] - a[1]) / d, (b[2] - a[2]) / d];
};
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `tools-${name}.png`) });

/** The axial view zoomed 3× on the lesion, as a reader looks at it; then back to fit. */
async function closeUp(name: string): Promise<void> {
  const centre = await rt.at('axial', target.centreMm);
  await page.mouse.move(centre.clientX, centre.clientY);
  await page.keyboard.down('Control');
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -120);
  await page.keyboard.up('Control');
  await rt.frames(3);
  await page.locator('[data-testid="view-axial"]').screenshot({ path: join(ARTIFACTS, `tools-${name}.png`) });
  await page.click('[data-testid="view-reset"]');
  await rt.frames(2);
}

async function seriesMeasurements(seriesId: number): Promise<Measurement[]> {
  return apiCall<Measurement[]>(serve, 'listMeasurements', { seriesId });
}

beforeAll(async () => {
  phantomDir = mkdtempSync(join(tmpdir(), 'lng-e2e-tools-'));
  const written = await writePatient(phantomDir, { seed: 'e2e-tools', size: 192, slices: 64, timepoints: 2, patientId: 'E2E-TOOLS' });
  const truth = JSON.parse(readFileSync(written.truthPath, 'utf8'));
  serve = await startServeMode();
  const report = await apiCall<ImportReport>(serve, 'importPaths', written.seriesDirs);
  expect(report.imported).toBe(128);
  const patient = (await apiCall<PatientSummary[]>(serve, 'listPatients')).find((p) => p.patientId === 'E2E-TOOLS')!;
  const studies = await apiCall<StudySummary[]>(serve, 'listStudies', patient.id);
  for (const t of truth.timepoints as ExamTruth[]) {
    const study = studies.find((s) => s.studyInstanceUid === t.studyInstanceUid)!;
    const series = (await apiCall<SeriesSummary[]>(serve, 'listSeries', study.id))[0];
    exams.push({ seriesId: series.id, seriesUid: series.seriesInstanceUid, truth: t });
  }
  // The largest metastasis without an enhancing rim present on both exams: a clean target.
  const plain = (truth.lesions as { id: string; type: string; rim: unknown; coreHu: number }[]).filter((l) => l.type === 'metastasis' && !l.rim);
  const candidates = exams[0].truth.lesions
    .filter((l) => plain.some((p) => p.id === l.id) && exams[1].truth.lesions.some((f) => f.id === l.id))
    .sort((a, b) => b.axialShortAxisMm - a.axialShortAxisMm);
  target = candidates[0];
  targetFollowUp = exams[1].truth.lesions.find((l) => l.id === target.id)!;
  coreHu = plain.find((p) => p.id === target.id)!.coreHu;
  liverHu = truth.timepoints[0].liverHu;
  expect(target.axialShortAxisMm).toBeGreaterThan(12);

  browser = await launchChromium();
  page = await newWorkstationPage(browser);
  ws = new WorkstationPage(page);
  rt = new ReadingToolsPage(page);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.goto(`${serve.url}&e2e=1`);
  await ws.ready();
  await page.locator(`[data-testid="series-item"][data-series-uid="${exams[0].seriesUid}"]`).click();
  await ws.waitForVolume();
  await page.click('[data-testid="preset-liver"]');
  await rt.setCursor(target.centreMm);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  rmSync(phantomDir, { recursive: true, force: true });
});

describe('measurement tools', () => {
  it('draws a bidirectional measurement: the short axis perpendicular at the middle of the long one, on a new lesion', async () => {
    await rt.tool('bidirectional');
    const [x, y, z] = target.centreMm;
    const half = target.axialLongAxisMm / 2;
    await rt.drag(await rt.at('axial', [x - half, y, z]), await rt.at('axial', [x + half, y, z]));
    await expect.poll(() => rt.measurements().count()).toBe(1);
    const id = Number(await rt.measurements().first().getAttribute('data-measurement-id'));
    bidirectional = (await seriesMeasurements(exams[0].seriesId)).find((m) => m.id === id)!;
    const [p0, p1, s0, s1] = bidirectional.pointsLps;
    // Drawn with the mouse, so good to a screen pixel (about 1 mm here).
    expect(Math.abs(bidirectional.longAxisMm! - target.axialLongAxisMm)).toBeLessThan(2);
    expect(Math.abs(dot(dir(p0, p1), dir(s0, s1)))).toBeLessThan(1e-6);
    expect(bidirectional.shortAxisMm! / bidirectional.longAxisMm!).toBeCloseTo(0.5, 3);
    expect(dist([(s0[0] + s1[0]) / 2, (s0[1] + s1[1]) / 2, (s0[2] + s1[2]) / 2], [(p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2, (p0[2] + p1[2]) / 2])).toBeLessThan(1e-6);
    // On the image it was drawn on: the axial slice of the lesion centre.
    expect(bidirectional.sliceIndex).toBe(Number(await page.getAttribute('[data-testid="view-axial"]', 'data-slice-index')));
    for (const p of bidirectional.pointsLps) expect(Math.abs(p[2] - z)).toBeLessThan(exams[0].truth.geometry.spacingMm[2] / 2 + 1e-6);
    // Every measurement belongs to a lesion: none was selected, so L1 was made for it.
    expect(await rt.label(id)).toBe(`L1  ${bidirectional.longAxisMm!.toFixed(1)} × ${bidirectional.shortAxisMm!.toFixed(1)} mm`);
    expect(await page.getAttribute('[data-testid="tool-lesion-target"]', 'data-lesion-id')).toBe(String(bidirectional.lesionId));
    // Only on its own slice (± half a slice): one slice down it is gone.
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => rt.measurements().count()).toBe(0);
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => rt.measurements().count()).toBe(1);
    await shot('01-bidirectional');
  });

  it('fits the short axis to the lesion by dragging its ends; it stays perpendicular and the registry follows', async () => {
    const [x, y, z] = target.centreMm;
    const b = target.axialShortAxisMm / 2;
    // The truth's short axis runs along y through the centre (the long axis was drawn along x).
    for (const end of [[x, y - b, z], [x, y + b, z]] as Vec3[]) {
      const current = (await seriesMeasurements(exams[0].seriesId)).find((m) => m.id === bidirectional.id)!;
      const nearest = [current.pointsLps[2], current.pointsLps[3]].sort((p, q) => dist(p, end) - dist(q, end))[0];
      await rt.drag(await rt.at('axial', nearest), await rt.at('axial', end));
      await expect.poll(async () => (await seriesMeasurements(exams[0].seriesId)).find((m) => m.id === bidirectional.id)!.updatedAt).not.toBe(current.updatedAt);
      await rt.handlesAt(bidirectional.id, (await seriesMeasurements(exams[0].seriesId)).find((m) => m.id === bidirectional.id)!.pointsLps);
    }
    const m = (await seriesMeasurements(exams[0].seriesId)).find((x) => x.id === bidirectional.id)!;
    expect(Math.abs(m.shortAxisMm! - target.axialShortAxisMm)).toBeLessThan(2);
    expect(Math.abs(dot(dir(m.pointsLps[0], m.pointsLps[1]), dir(m.pointsLps[2], m.pointsLps[3])))).toBeLessThan(1e-6);
    await expect.poll(() => rt.label(m.id)).toBe(`L1  ${m.longAxisMm!.toFixed(1)} × ${m.shortAxisMm!.toFixed(1)} mm`);
    bidirectional = m;
    await shot('02-bidirectional-fitted');
    await closeUp('02b-bidirectional-closeup');
  });

  it('Escape returns to window/level; a drag then windows the image and draws nothing', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="tool-windowLevel"][aria-pressed="true"]');
    const before = await page.getAttribute('[data-testid="window-value"]', 'data-width');
    const box = (await page.locator('[data-testid="view-axial"] .vtk-host').boundingBox())!;
    await rt.drag({ clientX: box.x + 40, clientY: box.y + box.height - 60 }, { clientX: box.x + 120, clientY: box.y + box.height - 60 });
    await expect.poll(() => page.getAttribute('[data-testid="window-value"]', 'data-width')).not.toBe(before);
    expect(await rt.measurements().count()).toBe(1);
    await page.click('[data-testid="preset-liver"]');
  });

  it('an ellipse inside the lesion reads its HU: mean near the core, with SD, min, max and area', async () => {
    await rt.tool('ellipse');
    const [x, y, z] = target.centreMm;
    const r = target.axialShortAxisMm / 4;
    await rt.drag(await rt.at('axial', [x - r, y - r, z]), await rt.at('axial', [x + r, y + r, z]));
    await expect.poll(() => rt.measurements().count()).toBe(2);
    const m = (await seriesMeasurements(exams[0].seriesId)).find((q) => q.kind === 'ellipse')!;
    expect(m.lesionId).toBe(bidirectional.lesionId);
    expect(Math.abs(m.hu!.meanHu - coreHu)).toBeLessThan(15);
    expect(m.areaMm2!).toBeCloseTo(Math.PI * r * r, -1);
    const stats = await rt.stats(m.id);
    expect(stats.join(' | ')).toContain(`mean ${Math.round(m.hu!.meanHu)} ± ${Math.round(m.hu!.sdHu)} HU`);
    expect(stats.join(' | ')).toMatch(/min −?\d+ · max \d+ HU/);
    await shot('03-ellipse');
    await closeUp('03-ellipse-closeup');
  });

  it('a freehand ROI in the liver away from the lesion reads enhancing parenchyma', async () => {
    await rt.tool('freehand');
    const [x, y, z] = target.centreMm;
    // A ring of 10 mm radius, beside the lesion on the side away from the liver edge.
    const cx = x + (target.axialLongAxisMm / 2 + 14) * (x < 0 ? 1 : -1);
    const points = [];
    for (let i = 0; i <= 24; i++) points.push(await rt.at('axial', [cx + 8 * Math.cos((i / 24) * 2 * Math.PI), y + 8 * Math.sin((i / 24) * 2 * Math.PI), z]));
    await rt.trace(points);
    await expect.poll(() => rt.measurements().count()).toBe(3);
    const m = (await seriesMeasurements(exams[0].seriesId)).find((q) => q.kind === 'freehand')!;
    expect(m.areaMm2!).toBeGreaterThan(150);
    expect(m.areaMm2!).toBeLessThan(215); // π·8² = 201 mm²
    expect(Math.abs(m.hu!.meanHu - liverHu)).toBeLessThan(15);
    expect((await rt.stats(m.id))[0]).toMatch(/^mean \d+ ± \d+ HU$/);
    await shot('04-freehand');
    await closeUp('04-freehand-closeup');
    await page.keyboard.press('Escape');
  });

  it('deletes the selected measurement with Delete and brings it back with Ctrl+Z', async () => {
    const ellipse = (await seriesMeasurements(exams[0].seriesId)).find((q) => q.kind === 'ellipse')!;
    // Click its outline (the right end of its first axis) to select it.
    await page.mouse.click((await rt.at('axial', ellipse.pointsLps[1])).clientX, (await rt.at('axial', ellipse.pointsLps[1])).clientY);
    await page.waitForSelector(`[data-testid="measurement"][data-measurement-id="${ellipse.id}"][data-selected="true"]`);
    await page.waitForSelector('[data-testid="measurement-delete"]');
    await page.keyboard.press('Delete');
    await expect.poll(() => rt.measurements().count()).toBe(2);
    expect((await seriesMeasurements(exams[0].seriesId)).some((q) => q.id === ellipse.id)).toBe(false);
    await page.keyboard.press('Control+z');
    await expect.poll(() => rt.measurements().count()).toBe(3);
    expect((await seriesMeasurements(exams[0].seriesId)).some((q) => q.id === ellipse.id)).toBe(true);
    // Undo also takes back an edit: move the freehand ROI, then Ctrl+Z puts it back.
    const roi = (await seriesMeasurements(exams[0].seriesId)).find((q) => q.kind === 'freehand')!;
    const start = await rt.at('axial', roi.pointsLps[0]);
    await rt.drag(start, { clientX: start.clientX + 30, clientY: start.clientY });
    await expect.poll(async () => (await seriesMeasurements(exams[0].seriesId)).find((q) => q.id === roi.id)!.updatedAt).not.toBe(roi.updatedAt);
    await page.click('[data-testid="tool-undo"]');
    await expect.poll(async () => dist((await seriesMeasurements(exams[0].seriesId)).find((q) => q.id === roi.id)!.pointsLps[0], roi.pointsLps[0])).toBeLessThan(1e-6);
  });
});

describe('segmentation', () => {
  it('grows the lesion from a seed in 3D; its volume matches the phantom’s', async () => {
    // As a reader would: the whole volume loaded, and the views on the lesion's slice before the seed is clicked.
    await ws.waitForVolume();
    await rt.setCursor(target.centreMm);
    await rt.tool('regionGrow');
    await page.waitForSelector('[data-testid="seg-bar"]');
    await page.fill('[data-testid="seg-tolerance"]', '25');
    const c = await rt.at('axial', target.centreMm);
    await page.mouse.click(c.clientX, c.clientY);
    await expect.poll(async () => Number(await page.getAttribute('[data-testid="seg-volume"]', 'data-volume-ml'))).toBeGreaterThan(0);
    const grownMl = Number(await page.getAttribute('[data-testid="seg-volume"]', 'data-volume-ml'));
    // The blurred margin is partly inside the HU window, partly not: within a quarter.
    expect(Math.abs(grownMl - target.voxelizedVolumeMl) / target.voxelizedVolumeMl).toBeLessThan(0.25);
    expect(Number(await page.getAttribute('[data-testid="mask-layer-axial"]', 'data-mask-pixels'))).toBeGreaterThan(20);
    await shot('05-region-grown');
    await closeUp('05-region-grown-closeup');
  });

  it('paints with an HU-limited brush: liver parenchyma outside the window stays out', async () => {
    await rt.tool('brush');
    await page.check('[data-testid="seg-hu-limit"]');
    await page.fill('[data-testid="seg-hu-min"]', String(coreHu - 40));
    await page.fill('[data-testid="seg-hu-max"]', String(coreHu + 30));
    await page.fill('[data-testid="seg-brush-radius"]', '12');
    const before = Number(await page.getAttribute('[data-testid="seg-volume"]', 'data-volume-ml'));
    // A big stroke across the lesion and the liver around it: only lesion voxels can join.
    const [x, y, z] = target.centreMm;
    await rt.drag(await rt.at('axial', [x - 20, y, z]), await rt.at('axial', [x + 20, y, z]));
    const after = Number(await page.getAttribute('[data-testid="seg-volume"]', 'data-volume-ml'));
    const sliceMl = (40 * 24 * exams[0].truth.geometry.spacingMm[2]) / 1000;
    expect(after - before).toBeGreaterThan(0);
    expect(after - before).toBeLessThan(sliceMl * 0.3);
    // Noise puts a few parenchyma voxels in the window too: the stroke is taken back.
    await page.keyboard.press('Control+z');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid="seg-volume"]', 'data-volume-ml'))).toBeCloseTo(before, 6);
    await page.uncheck('[data-testid="seg-hu-limit"]');
  });

  it('saves the mask and measures it: a bidirectional from the mask on the lesion', async () => {
    await page.click('[data-testid="seg-save"]');
    await page.waitForSelector('[data-testid="seg-save"][data-dirty="false"]');
    const segs = await apiCall<Segmentation[]>(serve, 'listSegmentations', { seriesId: exams[0].seriesId });
    expect(segs).toHaveLength(1);
    expect(segs[0].lesionId).toBe(bidirectional.lesionId);
    expect(segs[0].volumeMl).toBeCloseTo(Number(await page.getAttribute('[data-testid="seg-volume"]', 'data-volume-ml')), 2);
    await page.click('[data-testid="seg-measure"]');
    await expect.poll(async () => (await seriesMeasurements(exams[0].seriesId)).filter((m) => m.source === 'mask').length).toBe(1);
    const fromMask = (await seriesMeasurements(exams[0].seriesId)).find((m) => m.source === 'mask')!;
    expect(Math.abs(fromMask.longAxisMm! - target.axialLongAxisMm)).toBeLessThan(4);
    // It is shown: the views went to its slice, and it is drawn there.
    await page.waitForSelector(`[data-testid="measurement"][data-measurement-id="${fromMask.id}"]`);
    await shot('06-measured-from-mask');
    await closeUp('06-measured-from-mask-closeup');
  });

  it('interpolates between painted slices of the liver target', async () => {
    await page.click('[data-testid="seg-target-liver"]');
    await rt.tool('brush');
    await page.fill('[data-testid="seg-brush-radius"]', '6');
    const [x, y, z] = target.centreMm;
    const liverPoint: Vec3 = [x + (x < 0 ? 1 : -1) * (target.axialLongAxisMm / 2 + 14), y, z];
    const step = exams[0].truth.geometry.spacingMm[2];
    for (const dz of [-3, 3]) {
      await rt.setCursor([liverPoint[0], liverPoint[1], z + dz * step]);
      const p = await rt.at('axial', [liverPoint[0], liverPoint[1], z + dz * step]);
      await page.mouse.click(p.clientX, p.clientY);
    }
    const painted = Number(await page.getAttribute('[data-testid="seg-volume"]', 'data-volume-ml'));
    await page.click('[data-testid="seg-interpolate"]');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid="seg-volume"]', 'data-volume-ml'))).toBeGreaterThan(painted * 2);
    await page.keyboard.press('Control+z');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid="seg-volume"]', 'data-volume-ml'))).toBeCloseTo(painted, 3);
    await page.click('[data-testid="seg-target-lesion"]');
    await page.keyboard.press('Escape');
  });
});

describe('baseline and follow-up side by side', () => {
  it('opens the follow-up beside the baseline, at the same table position', async () => {
    await page.selectOption('[data-testid="compare-series-select"]', String(exams[1].seriesId));
    await page.waitForSelector('[data-testid="view-axial-b"][data-slice-loaded="true"]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="volume-progress-b"][data-complete="true"]', { timeout: 60_000 });
    expect(await page.locator('[data-testid="view-3d"]').count()).toBe(0);
    const z = await rt.state<[number, number]>('(s) => [s.viewport.groups.a.cursorLps[2], s.viewport.groups.b.cursorLps[2]]');
    expect(Math.abs(z[0] - z[1])).toBeLessThan(exams[1].truth.geometry.spacingMm[2]);
  });

  it('scrolls both exams together by table position (z)', async () => {
    const box = (await page.locator('[data-testid="view-axial"] .vtk-host').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 4; i++) await page.mouse.wheel(0, 120);
    await rt.frames();
    const [za, zb] = await rt.state<[number, number]>('(s) => [s.viewport.groups.a.cursorLps[2], s.viewport.groups.b.cursorLps[2]]');
    expect(Math.abs(za - zb)).toBeLessThan(exams[1].truth.geometry.spacingMm[2] / 2 + 1e-6);
    // The other way too: scrolling the follow-up moves the baseline.
    const boxB = (await page.locator('[data-testid="view-axial-b"] .vtk-host').boundingBox())!;
    await page.mouse.move(boxB.x + boxB.width / 2, boxB.y + boxB.height / 2);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -120);
    await rt.frames();
    const [za2, zb2] = await rt.state<[number, number]>('(s) => [s.viewport.groups.a.cursorLps[2], s.viewport.groups.b.cursorLps[2]]');
    expect(zb2).toBeGreaterThan(zb);
    expect(Math.abs(za2 - zb2)).toBeLessThan(exams[1].truth.geometry.spacingMm[2] / 2 + 1e-6);
  });

  it('measures the lesion on the follow-up; choosing the lesion centres each exam on its own measurement', async () => {
    // The patient moved between exams: the follow-up has the lesion elsewhere.
    await rt.setCursor(targetFollowUp.centreMm, 'b');
    await rt.tool('length');
    const [x, y, z] = targetFollowUp.centreMm;
    const half = targetFollowUp.axialLongAxisMm / 2;
    await rt.drag(await rt.at('axial-b', [x - half, y, z]), await rt.at('axial-b', [x + half, y, z]));
    await expect.poll(() => rt.measurements('axial-b').count()).toBe(1);
    const onFollowUp = (await seriesMeasurements(exams[1].seriesId))[0];
    expect(onFollowUp.lesionId).toBe(bidirectional.lesionId);
    await page.keyboard.press('Escape');

    // Somewhere else, then choose the lesion as the lesion table would.
    await rt.setCursor([0, 0, 0], 'a');
    await page.evaluate(() => window.__longitudeDebug!.selectLesion(null));
    await page.evaluate((id) => window.__longitudeDebug!.selectLesion(id), bidirectional.lesionId);
    const latestA = (await seriesMeasurements(exams[0].seriesId)).filter((m) => m.lesionId === bidirectional.lesionId).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
    const centre = (m: Measurement): Vec3 => m.pointsLps.reduce<Vec3>((s, p) => [s[0] + p[0] / m.pointsLps.length, s[1] + p[1] / m.pointsLps.length, s[2] + p[2] / m.pointsLps.length], [0, 0, 0]);
    await expect.poll(async () => dist(await rt.state<Vec3>('(s) => s.viewport.groups.a.cursorLps'), centre(latestA))).toBeLessThan(0.5);
    await expect.poll(async () => dist(await rt.state<Vec3>('(s) => s.viewport.groups.b.cursorLps'), centre(onFollowUp))).toBeLessThan(0.5);
    await rt.frames();
    for (const [view, m] of [['axial', latestA], ['axial-b', onFollowUp]] as const) {
      const p = await rt.at(view, centre(m));
      const box = (await page.locator(`[data-testid="view-${view}"] .vtk-host`).boundingBox())!;
      expect(Math.abs(p.x - box.width / 2)).toBeLessThan(2);
      expect(Math.abs(p.y - box.height / 2)).toBeLessThan(2);
    }
    await shot('07-compare-centred');
    await page.locator('[data-testid="group-a"]').screenshot({ path: join(ARTIFACTS, 'tools-07b-compare-group-a.png') });
  });

  it('goes back to one exam with the 3D view', async () => {
    await page.click('[data-testid="layout-compare"]');
    await page.waitForSelector('[data-testid="view-3d"]');
    expect(await page.locator('[data-testid="view-axial-b"]').count()).toBe(0);
    await page.waitForSelector('[data-testid="view-3d"][data-ready="true"]', { timeout: 60_000 });
    // A small volume is drawn in 3D at full resolution.
    expect(await page.getAttribute('[data-testid="view-3d"]', 'data-reduction')).toBe('1');
    expect(await page.locator('[data-testid="vr-resolution"]').count()).toBe(0);
  });
});
