/**
 * Serve mode end to end: a phantom patient imported through the UI, opened, and read in
 * MPR and 3D in Debian's Chromium. Checks what a radiologist would: the lesion is dark in
 * liver window where the ground truth puts it, patient right is on screen left, the 3D
 * view shows the body, and a preset changes the image.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vec3 } from '../core/api/types';
import { writePatient } from '../tools/phantom/index';
import { launchChromium, newWorkstationPage } from '../tools/testing/chromium';
import { REPO_ROOT, startServeMode, type ServeHandle } from '../tools/testing/serveMode';
import { WorkstationPage } from './support/workstationPage';

const ARTIFACTS = join(REPO_ROOT, 'test-results', 'e2e');

interface LesionTruth {
  id: string;
  type: string;
  centreMm: Vec3;
  semiAxesMm: Vec3;
  axialShortAxisMm: number;
}

let serve: ServeHandle;
let browser: Browser;
let page: Page;
let ws: WorkstationPage;
let phantomDir: string;
let seriesDir: string;
let lesions: LesionTruth[];
let coreHu: Record<string, number>;

beforeAll(async () => {
  phantomDir = mkdtempSync(join(tmpdir(), 'lng-e2e-phantom-'));
  const written = await writePatient(phantomDir, { seed: 'e2e', size: 256, slices: 80, timepoints: 1, patientId: 'E2E-001' });
  seriesDir = written.seriesDirs[0];
  const truth = JSON.parse(readFileSync(written.truthPath, 'utf8'));
  lesions = truth.timepoints[0].lesions;
  coreHu = Object.fromEntries(truth.lesions.map((l: { id: string; coreHu: number }) => [l.id, l.coreHu]));
  serve = await startServeMode();
  browser = await launchChromium();
  page = await newWorkstationPage(browser);
  ws = new WorkstationPage(page);
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  rmSync(phantomDir, { recursive: true, force: true });
});

describe('serve mode in Chromium', () => {
  it('opens with the token and removes it from the address bar', async () => {
    await page.goto(`${serve.url}&e2e=1`);
    await ws.ready();
    expect(new URL(page.url()).searchParams.get('token')).toBeNull();
    expect(await page.getAttribute('[data-testid="app"]', 'data-transport')).toBe('http');
  });

  it('imports the phantom folder through the UI, with a report', async () => {
    const report = await ws.importPath(seriesDir);
    expect(report).toEqual({ imported: 80, duplicates: 0, skipped: 0 });
    await page.screenshot({ path: join(ARTIFACTS, '01-imported.png') });
  });

  it('opens the series: first the middle slice, then the whole volume, then 3D', async () => {
    await ws.openFirstSeries();
    expect(await page.getAttribute('[data-testid="view-axial"]', 'data-slice-count')).toBe('80');
    await ws.waitForVolume();
    await page.screenshot({ path: join(ARTIFACTS, '02-opened.png') });
  });

  it('shows each lesion dark in liver window at its ground-truth place, in all three planes', async () => {
    await page.click('[data-testid="preset-liver"]');
    const metastases = lesions.filter((l) => l.type === 'metastasis' && l.axialShortAxisMm >= 10);
    expect(metastases.length).toBeGreaterThan(0);
    for (const lesion of metastases.slice(0, 2)) {
      await ws.setCursor(lesion.centreMm);
      for (const view of ['axial', 'coronal', 'sagittal'] as const) {
        const centre = await ws.worldToCanvas(view, lesion.centreMm);
        expect(centre.inside).toBe(true);
        // Liver parenchyma (100 HU) just outside the lesion along its smallest extent.
        const r = Math.max(...lesion.semiAxesMm) + 8;
        const ring = await Promise.all(
          ([[r, 0, 0], [-r, 0, 0], [0, r, 0], [0, -r, 0], [0, 0, r], [0, 0, -r]] as Vec3[]).map((d) =>
            ws.worldToCanvas(view, [lesion.centreMm[0] + d[0], lesion.centreMm[1] + d[1], lesion.centreMm[2] + d[2]]),
          ),
        );
        const grey = await ws.canvasGrey(view, [centre, ...ring.filter((p) => p.inside)]);
        const lesionGrey = grey[0];
        const brightestAround = Math.max(...grey.slice(1));
        // Core ≈ 50 HU vs liver 100 HU in W150/L90: roughly 60 vs 145 grey levels.
        expect(lesionGrey, `${lesion.id} in ${view}`).toBeLessThan(brightestAround - 40);
      }
      // The HU under the mouse at the lesion centre reads the lesion, not the liver.
      const p = await ws.worldToCanvas('axial', lesion.centreMm);
      await page.mouse.move(p.clientX, p.clientY);
      const hu = Number(await page.getAttribute('[data-testid="cursor-readout"]', 'data-hu'));
      expect(Math.abs(hu - coreHu[lesion.id])).toBeLessThan(45);
    }
    await page.screenshot({ path: join(ARTIFACTS, '03-lesion-liver-window.png') });
  });

  it('puts patient right on screen left and anterior at the top (radiological convention)', async () => {
    expect(await ws.orientationLabels('axial')).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(await ws.orientationLabels('coronal')).toMatchObject({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    expect(await ws.orientationLabels('sagittal')).toMatchObject({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
    // Independent of the labels: two lesions' screen offsets follow their LPS offsets,
    // +x (patient left) to the screen right, +y (posterior) downwards, same scale.
    const [a, b] = lesions;
    const pa = await ws.worldToCanvas('axial', a.centreMm);
    const pb = await ws.worldToCanvas('axial', b.centreMm);
    const sx = (pb.x - pa.x) / (b.centreMm[0] - a.centreMm[0]);
    const sy = (pb.y - pa.y) / (b.centreMm[1] - a.centreMm[1]);
    expect(sx).toBeGreaterThan(0);
    expect(sy).toBeGreaterThan(0);
    expect(sx / sy).toBeCloseTo(1, 1);
    // The liver (patient right) fills the left half of the axial image more than the right.
    const rect = await page.locator('[data-testid="view-axial"] .vtk-host').boundingBox();
    const w = rect!.width;
    const h = rect!.height;
    const sample = (fx: number) => Array.from({ length: 9 }, (_, i) => ({ x: w * fx, y: h * (0.35 + i * 0.03) }));
    const [left, right] = await Promise.all([ws.canvasGrey('axial', sample(0.38)), ws.canvasGrey('axial', sample(0.62))]);
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(mean(left)).toBeGreaterThan(mean(right));
  });

  it('a window preset changes the pixels', async () => {
    const before = await ws.viewPixels('axial');
    await page.click('[data-testid="preset-bone"]');
    await expect.poll(() => page.getAttribute('[data-testid="window-value"]', 'data-width')).toBe('2000');
    const after = await ws.viewPixels('axial');
    let diff = 0;
    for (let i = 0; i < before.length; i += 4) diff += Math.abs(before[i] - after[i]);
    expect(diff / (before.length / 4)).toBeGreaterThan(10);
    await page.screenshot({ path: join(ARTIFACTS, '04-bone-window.png') });
  });

  it('renders the volume in 3D (not blank) and switches 3D presets', async () => {
    await page.waitForSelector('[data-testid="view-3d"][data-ready="true"]');
    const coverage = async () => {
      const px = await ws.viewPixels('3d');
      const bg = [px[0], px[1], px[2]];
      let differing = 0;
      for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i] - bg[0]) + Math.abs(px[i + 1] - bg[1]) + Math.abs(px[i + 2] - bg[2]) > 30) differing++;
      return { fraction: differing / (px.length / 4), px };
    };
    const soft = await coverage();
    expect(soft.fraction).toBeGreaterThan(0.05);
    await page.click('[data-testid="vr-preset-bone"]');
    await page.waitForTimeout(500);
    const bone = await coverage();
    expect(bone.fraction).toBeGreaterThan(0.01);
    let diff = 0;
    for (let i = 0; i < soft.px.length; i++) diff += Math.abs(soft.px[i] - bone.px[i]);
    expect(diff / soft.px.length).toBeGreaterThan(2);
    await page.screenshot({ path: join(ARTIFACTS, '05-3d-bone.png') });
  });

  it('scrolls with the wheel and links the crosshair across views', async () => {
    await page.click('[data-testid="preset-abdomen"]');
    const axial = page.locator('[data-testid="view-axial"]');
    const before = Number(await axial.getAttribute('data-slice-index'));
    const box = (await page.locator('[data-testid="view-axial"] .vtk-host').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, 120);
    await expect.poll(async () => Number(await axial.getAttribute('data-slice-index'))).not.toBe(before);
    // Moving the axial slice moves the crosshair line in coronal (its superior–inferior position).
    const coronalY = await page.getAttribute('[data-testid="crosshair-coronal"]', 'data-y');
    await ws.setCursor(lesions[0].centreMm);
    await expect.poll(() => page.getAttribute('[data-testid="crosshair-coronal"]', 'data-y')).not.toBe(coronalY);
    await page.screenshot({ path: join(ARTIFACTS, '06-final.png') });
  });
});
