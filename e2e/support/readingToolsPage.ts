/**
 * Page object for the reading tools (measurements, masks) and the compare layout, in the
 * reader's words. Views are named as their test ids: "axial" (the open exam) or "axial-b"
 * (the exam compared with it).
 */
import type { Page } from 'playwright-core';
import type { Vec3 } from '../../core/api/types';
import type { CanvasPoint } from './workstationPage';

export type ViewName = 'axial' | 'coronal' | 'sagittal' | 'axial-b' | 'coronal-b' | 'sagittal-b';

export class ReadingToolsPage {
  constructor(readonly page: Page) {}

  async tool(id: string): Promise<void> {
    await this.page.click(`[data-testid="tool-${id}"]`);
    await this.page.waitForSelector(`[data-testid="tool-${id}"][aria-pressed="true"]`);
  }

  async at(view: ViewName, lps: Vec3): Promise<CanvasPoint> {
    const p = await this.page.evaluate(([v, q]) => window.__longitudeDebug!.worldToCanvas(v as 'axial', q as [number, number, number]), [view, lps] as const);
    if (!p) throw new Error(`no camera for the ${view} view yet`);
    return p;
  }

  async setCursor(lps: Vec3, group: 'a' | 'b' = 'a'): Promise<void> {
    await this.page.evaluate(([p, g]) => window.__longitudeDebug!.setCursor(p as [number, number, number], g as 'a'), [lps, group] as const);
    await this.frames();
  }

  async frames(n = 2): Promise<void> {
    for (let i = 0; i < n; i++) await this.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
  }

  /** A mouse drag in small steps, as a hand makes it. */
  async drag(from: { clientX: number; clientY: number }, to: { clientX: number; clientY: number }, steps = 10): Promise<void> {
    await this.page.mouse.move(from.clientX, from.clientY);
    await this.page.mouse.down();
    for (let k = 1; k <= steps; k++) {
      await this.page.mouse.move(from.clientX + ((to.clientX - from.clientX) * k) / steps, from.clientY + ((to.clientY - from.clientY) * k) / steps);
    }
    await this.page.mouse.up();
  }

  /** A drag through several points (a freehand outline). */
  async trace(points: { clientX: number; clientY: number }[]): Promise<void> {
    await this.page.mouse.move(points[0].clientX, points[0].clientY);
    await this.page.mouse.down();
    for (const p of points.slice(1)) await this.page.mouse.move(p.clientX, p.clientY, { steps: 2 });
    await this.page.mouse.up();
  }

  measurements(view: ViewName = 'axial') {
    return this.page.locator(`[data-testid="view-${view}"] [data-testid="measurement"]`);
  }

  measurement(id: number) {
    return this.page.locator(`[data-testid="measurement"][data-measurement-id="${id}"]`);
  }

  /**
   * Wait until the view draws measurement `id` with its handles on `pointsLps` (within 3 px).
   * The server answers a drag before the viewer has stored the result; a handle taken before
   * then is where it was, or not there at all (and the drag would start a new measurement).
   */
  async handlesAt(id: number, pointsLps: Vec3[], view: ViewName = 'axial'): Promise<void> {
    const off = async (): Promise<number> => {
      let worst = 0;
      for (let i = 0; i < pointsLps.length; i++) {
        const box = await this.page.locator(`[data-testid="view-${view}"] [data-measurement-id="${id}"] [data-handle="${i}"]`).boundingBox();
        if (!box) return Infinity;
        const want = await this.at(view, pointsLps[i]);
        worst = Math.max(worst, Math.hypot(box.x + box.width / 2 - want.clientX, box.y + box.height / 2 - want.clientY));
      }
      return worst;
    };
    const deadline = Date.now() + 10_000;
    let last = await off();
    while (last > 3) {
      if (Date.now() > deadline) throw new Error(`measurement ${id} is not drawn where it was saved (a handle is ${last.toFixed(1)} px off)`);
      await this.frames();
      last = await off();
    }
  }

  async label(id: number): Promise<string> {
    return (await this.measurement(id).locator('[data-testid="measurement-label"]').textContent()) ?? '';
  }

  async stats(id: number): Promise<string[]> {
    return this.measurement(id).locator('[data-testid="measurement-stats"]').allTextContents();
  }

  async state<T>(fn: string): Promise<T> {
    return this.page.evaluate(`(${fn})(window.__longitudeDebug.getState())`) as Promise<T>;
  }
}
