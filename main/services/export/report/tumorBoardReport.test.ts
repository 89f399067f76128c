/**
 * The tumor-board report end to end on the demo patient (three phantom CT exams, measured and
 * matched): PDF and self-contained HTML from the main process, read back with poppler.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportExportResult } from '../../../../core/api/domains/export';
import type { LesionTable } from '../../../../core/api/types';
import { RESPONSE_WORDS } from '../../../../core/report/tableText';
import { withReader } from '../../session/readerContext';
import { createApp, type App } from '../../app';
import { createDemoPatient } from '../../demo/demoPatient';

const dir = mkdtempSync(join(tmpdir(), 'lng-report-'));
let app: App;
let result: ReportExportResult;
let lt: LesionTable;
let text: string;

beforeAll(async () => {
  app = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1 });
  const demo = await createDemoPatient(app, app.homeDir, { size: 128, slices: 48 });
  // Decide the review queue so the case is final, then sign the baseline.
  for (const item of await app.getReviewQueue({ patientRowId: demo.patientRowId })) {
    await withReader({ name: 'Dr Report Test' }, () => app.decideReviewItem({ itemId: item.itemId, decision: 'confirm' }));
  }
  await withReader({ name: 'Dr Report Test' }, () => app.signOffExam({ studyRowId: demo.studyRowIds[0] }));
  lt = await app.getLesionTable(demo.patientRowId);
  result = await withReader({ name: 'Dr Report Test' }, () => app.exportReport({ patientRowId: demo.patientRowId, outDir: join(dir, 'out') }));
  text = execFileSync('pdftotext', ['-layout', result.pdf, '-'], { encoding: 'utf8' });
}, 300_000);

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the tumor-board report of the demo patient', () => {
  it('writes a PDF and an HTML file, with a key image for every target at every assessed exam', () => {
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['Report_DEMO-1.html', 'Report_DEMO-1.pdf']);
    const targets = lt.assessment.lesionRoles.filter((r) => r.role === 'target');
    expect(result.targets).toBe(targets.length);
    expect(result.exams).toBe(3);
    expect(result.keyImages + result.warnings.filter((w) => /no key image/.test(w)).length).toBe(targets.length * lt.assessment.recistStudyRowIds.length);
    expect(result.keyImages).toBeGreaterThanOrEqual(targets.length * 2);
    expect(readFileSync(result.pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const info = execFileSync('pdfinfo', [result.pdf], { encoding: 'utf8' });
    expect(Number(/Pages:\s+(\d+)/.exec(info)![1])).toBe(result.pages);
  });

  it('the PDF names the patient, every lesion, the sums of diameters, the responses in words, the sign-off and the reader', () => {
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('DEMO-1');
    for (const l of lt.table.lesions) expect(flat).toContain(l.label);
    const tps = lt.assessment.recist!.timepoints;
    for (const tp of tps) if (tp.sumMm !== null) expect(flat).toContain(tp.sumMm.toFixed(1));
    for (const tp of tps.slice(1)) expect(flat).toContain(RESPONSE_WORDS[tp.overallResponse!]);
    expect(flat).toContain('Dr Report Test');
    expect(flat).toMatch(/not signed/i);
    // The rule that fired is written out, as the assessment explains it.
    expect(flat).toContain(tps[1].explanation[0].replace(/\s+/g, ' ').slice(0, 30));
  });

  it('every PDF page renders', () => {
    execFileSync('pdftoppm', ['-png', '-r', '40', result.pdf, join(dir, 'p')]);
    const rendered = readdirSync(dir).filter((n) => /^p-\d+\.png$/.test(n));
    expect(rendered).toHaveLength(result.pages);
  });

  it('the HTML is self-contained: no network reference, images inline, the same words', () => {
    const html = readFileSync(result.html, 'utf8');
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
    expect((html.match(/data:image\/png;base64,/g) ?? []).length).toBeGreaterThanOrEqual(result.keyImages);
    expect(html).toContain('DEMO-1');
    for (const l of lt.table.lesions) expect(html).toContain(l.label);
  });

  it('the key image of a target is centred on the lesion: darker than the liver around it (hypodense metastasis)', async () => {
    const { renderKeyImage } = await import('./keyImages');
    const { getMeasurement } = await import('../../lesions/lesionStore');
    const target = lt.assessment.lesionRoles.find((r) => r.role === 'target')!;
    const cell = lt.table.cells[target.lesionId][lt.assessment.recistStudyRowIds[0]];
    const m = getMeasurement(app.db, cell.measurementId!);
    const vol = await app.volumes.seriesVolume(m.seriesId);
    const [a, b] = m.pointsLps;
    const img = renderKeyImage({ geometry: vol.geometry, voxels: vol.voxels, centreLps: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2], fovMm: 100, sizePx: 100, pointsLps: m.pointsLps });
    const centre = img.pixels[50 * 100 + 50];
    // Liver around the lesion, just beyond its long axis.
    const r = (cell.longAxisMm! / 2 + 6) / img.mmPerPixel;
    const ring = [0, 90, 180, 270].map((deg) => img.pixels[Math.round(50 + r * Math.sin((deg * Math.PI) / 180)) * 100 + Math.round(50 + r * Math.cos((deg * Math.PI) / 180))]);
    expect(Math.max(...ring.sort((x, y) => x - y).slice(1, 3))).toBeGreaterThan(centre + 15);
    // The long axis crosses the image centre.
    const [p, q] = [img.lines[0].from, img.lines[0].to];
    expect(Math.abs((p[0] + q[0]) / 2 - 50)).toBeLessThan(0.5);
    expect(Math.abs((p[1] + q[1]) / 2 - 50)).toBeLessThan(0.5);
  });

  it('refuses a patient that does not exist, and readExport refuses a file outside the exports folder', async () => {
    await expect(app.exportReport({ patientRowId: 9999 })).rejects.toThrow(/patient 9999/);
    await expect(app.readExport({ file: '/etc/passwd' })).rejects.toThrow(/not among the exported files|not under the exports folder/);
    await expect(app.readExport({ file: '../registry.sqlite' })).rejects.toThrow(/exports/);
  });
});
