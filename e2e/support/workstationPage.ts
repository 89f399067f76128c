/**
 * Page object for the workstation UI: what a test does, in the user's words. Pixel reads
 * come from real screenshots of the WebGL canvases, decoded by the browser's own PNG decoder.
 */
import type { Page } from 'playwright-core';
import type { Vec3 } from '../../core/api/types';

export type SliceView = 'axial' | 'coronal' | 'sagittal';
export type AnyView = SliceView | '3d';

export interface CanvasPoint {
  x: number;
  y: number;
  clientX: number;
  clientY: number;
  inside: boolean;
}

export class WorkstationPage {
  constructor(readonly page: Page) {}

  async ready(): Promise<void> {
    await this.page.waitForSelector('[data-testid="app"]');
    await this.page.waitForFunction(() => Boolean(window.__longitudeDebug));
  }

  /** Type a workstation path into the import field and wait for the report. */
  async importPath(path: string): Promise<{ imported: number; duplicates: number; skipped: number }> {
    await this.page.fill('[data-testid="import-path-input"]', path);
    await this.page.click('[data-testid="import-path-button"]');
    const report = this.page.locator('[data-testid="import-report"]');
    await report.waitFor({ timeout: 120_000 });
    return {
      imported: Number(await report.getAttribute('data-imported')),
      duplicates: Number(await report.getAttribute('data-duplicates')),
      skipped: Number(await report.getAttribute('data-skipped')),
    };
  }

  async openFirstSeries(): Promise<void> {
    await this.page.locator('[data-testid="series-item"]').first().click();
    await this.page.waitForSelector('[data-testid="view-axial"][data-slice-loaded="true"]', { timeout: 60_000 });
  }

  async waitForVolume(): Promise<void> {
    await this.page.waitForSelector('[data-testid="volume-progress"][data-complete="true"]', { timeout: 120_000 });
  }

  async setCursor(lps: Vec3): Promise<void> {
    await this.page.evaluate((p) => window.__longitudeDebug!.setCursor(p as [number, number, number]), lps);
    // Let React and vtk.js draw the new slices.
    await this.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }

  async worldToCanvas(view: SliceView, lps: Vec3): Promise<CanvasPoint> {
    const p = await this.page.evaluate(([v, q]) => window.__longitudeDebug!.worldToCanvas(v as SliceView, q as [number, number, number]), [view, lps] as const);
    if (!p) throw new Error(`no camera for the ${view} view yet`);
    return p;
  }

  async orientationLabels(view: SliceView): Promise<Record<'top' | 'bottom' | 'left' | 'right', string>> {
    const out = {} as Record<'top' | 'bottom' | 'left' | 'right', string>;
    for (const side of ['top', 'bottom', 'left', 'right'] as const) {
      out[side] = (await this.page.textContent(`[data-testid="orientation-${view}-${side}"]`))?.trim() ?? '';
    }
    return out;
  }

  private host(view: AnyView) {
    return this.page.locator(`[data-testid="view-${view}"] .vtk-host`);
  }

  /** RGBA pixels of the view's canvas area (CSS-pixel sized screenshot). */
  async viewPixels(view: AnyView): Promise<Uint8ClampedArray> {
    const png = await this.host(view).screenshot({ scale: 'css' });
    const data = await this.page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      return Array.from(ctx.getImageData(0, 0, img.width, img.height).data);
    }, png.toString('base64'));
    return Uint8ClampedArray.from(data);
  }

  /** Mean grey (red channel, 3×3) of the view at canvas points (CSS pixels from its top-left). */
  async canvasGrey(view: SliceView, points: { x: number; y: number }[]): Promise<number[]> {
    const box = (await this.host(view).boundingBox())!;
    const width = Math.round(box.width);
    const px = await this.viewPixels(view);
    const height = px.length / 4 / width;
    return points.map((p) => {
      let sum = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const x = Math.round(p.x) + dx;
          const y = Math.round(p.y) + dy;
          if (x < 0 || y < 0 || x >= width || y >= height) continue;
          sum += px[(y * width + x) * 4];
          n++;
        }
      return n ? sum / n : NaN;
    });
  }
}

/** Follow-up dock (lesions, table, plots): what the lesion e2e does, in the reader's words. */
export class FollowUpPage {
  constructor(readonly page: Page) {}

  /** Open a series of the library by its SeriesInstanceUID and wait for its middle slice. */
  async openSeries(seriesInstanceUid: string): Promise<void> {
    await this.page.locator(`[data-testid="series-item"][data-series-uid="${seriesInstanceUid}"]`).click();
    await this.page.waitForSelector(`[data-testid="view-axial"][data-slice-loaded="true"]`, { timeout: 60_000 });
  }

  async tab(name: 'lesions' | 'table' | 'plots'): Promise<void> {
    await this.page.click(`[data-testid="tab-${name}"]`);
  }

  lesionItem(label: string) {
    return this.page.locator(`[data-testid="lesion-item"][data-lesion-label="${label}"]`);
  }

  /** Create a lesion with the button; returns its registry id and label (it comes selected). */
  async createLesion(): Promise<{ id: number; label: string }> {
    const before = await this.page.locator('[data-testid="lesion-item"]').count();
    await this.page.click('[data-testid="lesion-create"]');
    await this.page.waitForFunction((n) => document.querySelectorAll('[data-testid="lesion-item"]').length === n + 1, before);
    const selected = this.page.locator('[data-testid="lesion-item"][data-selected="true"]');
    await selected.waitFor();
    return { id: Number(await selected.getAttribute('data-lesion-id')), label: (await selected.getAttribute('data-lesion-label'))! };
  }

  async selectLesion(label: string): Promise<void> {
    const item = this.lesionItem(label);
    if ((await item.getAttribute('data-selected')) !== 'true') await item.click();
    await this.page.waitForSelector(`[data-testid="lesion-item"][data-lesion-label="${label}"][data-selected="true"]`);
    await this.page.waitForSelector(`[data-testid="lesion-detail"][data-lesion-id="${await item.getAttribute('data-lesion-id')}"]`);
  }

  /** Set a RECIST status of the selected lesion on the exam shown in its status box (the open one). */
  async setStatus(status: string, studyRowId: number): Promise<void> {
    await this.page.waitForSelector(`[data-testid="lesion-exam-status"][data-study-row-id="${studyRowId}"]`);
    await this.page.click(`[data-testid="lesion-status-${status}"]`);
    await this.page.waitForSelector(`[data-testid="lesion-exam-status"][data-study-row-id="${studyRowId}"][data-status="${status}"]`);
  }

  async overallResponse(studyRowId: number): Promise<string | null> {
    return this.page.getAttribute(`[data-testid="recist-overall-${studyRowId}"]`, 'data-response');
  }

  async spiderPoints(label: string): Promise<string | null> {
    return this.page.getAttribute(`[data-testid="spider-line"][data-lesion-label="${label}"]`, 'data-points');
  }
}
