/**
 * Results that travel, from the browser (issue 12), in serve mode and Chromium. A fresh
 * library; the first-run "Open a demo patient" makes the three-exam demo patient; the reader
 * opens its latest exam and, from the dock's "Export ▾", downloads the lesion table as CSV,
 * the exam's DICOM SR + SEG (Part 10 files: "DICM" at byte 128) and the tumor-board report
 * (PDF and self-contained HTML), previews the report inside the app, sees a failed export
 * said plainly, with the workstation's message, and downloads the open exam de-identified (issue
 * 14) as one ZIP of DICOM files that hold none of the patient's identifiers, its pseudonym shown
 * in the notice (and a refused de-identification shown as an error with its message).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LesionTable, PatientSummary, SeriesSummary, StudySummary } from '../core/api/types';
import { launchChromium, newWorkstationPage } from '../tools/testing/chromium';
import { REPO_ROOT, apiCall, startServeMode, type ServeHandle } from '../tools/testing/serveMode';
import { FollowUpPage, WorkstationPage } from './support/workstationPage';

const ARTIFACTS = process.env.E2E_SCREENSHOT_DIR ?? join(REPO_ROOT, 'test-results', 'e2e');
const DOWNLOADS = join(ARTIFACTS, 'export-downloads');

let serve: ServeHandle;
let browser: Browser;
let page: Page;
let ws: WorkstationPage;
let fu: FollowUpPage;
let patient: PatientSummary;
let latest: { studyRowId: number; seriesUid: string };
let labels: string[];

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `export-${name}.png`) });

/** Choose an item of the export menu and collect the `count` downloads it starts. */
async function exportAndDownload(item: 'report' | 'sr' | 'seg' | 'csv', count: number, timeout = 120_000, whileBusy?: () => Promise<unknown>): Promise<{ name: string; bytes: Buffer }[]> {
  const downloads: Download[] = [];
  const onDownload = (d: Download) => downloads.push(d);
  page.on('download', onDownload);
  try {
    // The last export's notice goes first, so the one waited for is this export's.
    if (await page.locator('[data-testid="export-notice-close"]').count()) await page.click('[data-testid="export-notice-close"]');
    await page.waitForSelector('[data-testid="export-notice"]', { state: 'detached' });
    await page.click('[data-testid="export-menu"]');
    await page.click(`[data-testid="export-${item}"]`);
    await page.waitForSelector(`[data-testid="export-notice"][data-kind="${item}"]`, { timeout: 10_000 });
    if (whileBusy && (await page.locator('[data-testid="export-busy"]').count())) await whileBusy();
    await page.waitForSelector(`[data-testid="export-notice"][data-kind="${item}"]:is([data-phase="done"], [data-phase="failed"])`, { timeout });
    const error = await page.locator('[data-testid="export-error"]').count();
    if (error) throw new Error(`export ${item} failed in the UI: ${await page.locator('[data-testid="export-error"]').innerText()}`);
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(count);
    const out: { name: string; bytes: Buffer }[] = [];
    for (const d of downloads) {
      const name = d.suggestedFilename();
      const path = join(DOWNLOADS, name);
      await d.saveAs(path);
      out.push({ name, bytes: readFileSync(path) });
    }
    return out;
  } finally {
    page.off('download', onDownload);
  }
}

beforeAll(async () => {
  serve = await startServeMode();
  mkdirSync(ARTIFACTS, { recursive: true });
  rmSync(DOWNLOADS, { recursive: true, force: true });
  mkdirSync(DOWNLOADS, { recursive: true });
  browser = await launchChromium();
  page = await newWorkstationPage(browser);
  ws = new WorkstationPage(page);
  fu = new FollowUpPage(page);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('results that travel, downloaded in the browser', () => {
  it('makes the demo patient from the first-run button and opens its latest exam', async () => {
    await page.goto(`${serve.url}&e2e=1`);
    await ws.ready();
    await page.click('[data-testid="open-demo"]');
    const item = page.locator('[data-testid="patient-item"][data-patient-id^="DEMO-"]');
    await item.waitFor({ timeout: 200_000 });
    // The patient is listed as soon as its CT is imported; the demo is done when its lesions
    // are measured and matched and its working folder (<home>/demo-*) is gone.
    await expect.poll(() => readdirSync(serve.homeDir).filter((n) => n.startsWith('demo-')).length, { timeout: 240_000, interval: 1000 }).toBe(0);
    const patientId = (await item.getAttribute('data-patient-id'))!;
    patient = (await apiCall<PatientSummary[]>(serve, 'listPatients')).find((p) => p.patientId === patientId)!;
    expect(patient).toBeDefined();
    const studies = (await apiCall<StudySummary[]>(serve, 'listStudies', patient.id)).sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
    expect(studies.length).toBe(3);
    const series = (await apiCall<SeriesSummary[]>(serve, 'listSeries', studies[0].id)).find((s) => s.modality === 'CT')!;
    latest = { studyRowId: studies[0].id, seriesUid: series.seriesInstanceUid };
    const table = await apiCall<LesionTable>(serve, 'getLesionTable', patient.id);
    labels = table.table.lesions.map((l) => l.label);
    expect(labels.length).toBeGreaterThan(0);

    await fu.openSeries(latest.seriesUid);
    // The menu knows the dock's patient and the open exam (once its lesion table is in).
    await page.waitForSelector(`[data-testid="export-menu"][data-patient-row-id="${patient.id}"][data-study-row-id="${latest.studyRowId}"]:not([disabled])`, { timeout: 30_000 });
    await page.click('[data-testid="export-menu"]');
    const items = await page.$$eval('[data-testid="export-dropdown"] [role="menuitem"]', (els) => els.map((e) => [e.getAttribute('data-testid'), (e as HTMLButtonElement).disabled]));
    expect(items).toEqual([
      ['export-report', false],
      ['export-sr', false],
      ['export-seg', false],
      ['export-csv', false],
      ['export-deid-exam', false],
      ['export-deid-patient', false],
    ]);
    await shot('01-menu');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="export-dropdown"]', { state: 'detached' });
  }, 420_000);

  it('downloads the lesion table as CSV (written under the exports folder of the workstation)', async () => {
    const [csv] = await exportAndDownload('csv', 1);
    expect(csv.name).toBe(`lesions_patient${patient.id}.csv`);
    const lines = csv.bytes.toString('utf8').split(/\r?\n/).filter(Boolean);
    const header = lines[0].split(',');
    // The lesion's label is the "lesion" column; with it its Tracking UID and the exam.
    expect(header).toEqual(expect.arrayContaining(['lesion', 'tracking_uid', 'study_row_id', 'long_axis_mm']));
    expect(lines.length).toBeGreaterThan(labels.length);
    const col = header.indexOf('lesion');
    expect(new Set(lines.slice(1).map((l) => l.split(',')[col]))).toEqual(new Set(labels));
    const result = page.locator('[data-testid="export-result"]');
    expect(await result.getAttribute('data-files')).toBe(csv.name);
    expect(await page.locator('[data-testid="export-notice"]').innerText()).toContain(`${serve.homeDir}/exports`);
  });

  it('downloads the open exam’s DICOM SR with its SEG: Part 10 files', async () => {
    const files = await exportAndDownload('sr', 2);
    const names = files.map((f) => f.name);
    expect(names[0]).toBe(`SR_study${latest.studyRowId}.dcm`);
    expect(names[1]).toMatch(new RegExp(`^SEG_.*_study${latest.studyRowId}\\.dcm$`));
    for (const f of files) {
      expect(f.bytes.length).toBeGreaterThan(132);
      expect(f.bytes.subarray(128, 132).toString('latin1')).toBe('DICM');
    }
    // The SR names the lesions (TID 1500 tracking identifiers).
    expect(files[0].bytes.toString('latin1')).toContain(labels[0]);
    const notice = await page.locator('[data-testid="export-notice"]').innerText();
    expect(notice).toContain(names[0]);
    expect(notice).toContain(names[1]);
    await shot('02-sr-seg-downloaded');
  });

  it('says plainly when an export fails, with the workstation’s message', async () => {
    await page.route('**/api/call/exportSeg', (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: 'the disk is full', kind: 'internal' }) }),
    );
    await page.click('[data-testid="export-menu"]');
    await page.click('[data-testid="export-seg"]');
    const error = page.locator('[data-testid="export-error"]');
    await error.waitFor();
    expect(await error.innerText()).toBe('Could not make the DICOM SEG of this exam: exportSeg: the disk is full');
    await shot('03-failed');
    await page.unroute('**/api/call/exportSeg');
    await page.click('[data-testid="export-notice-close"]');
    await page.waitForSelector('[data-testid="export-notice"]', { state: 'detached' });
  });

  it('downloads the tumor-board report as PDF and self-contained HTML, and previews it in the app', async () => {
    // While the report is made the notice says so (a picture of it, when it is caught busy).
    const files = await exportAndDownload('report', 2, 170_000, () => shot('04a-report-busy'));
    const pdf = files.find((f) => f.name.endsWith('.pdf'))!;
    const html = files.find((f) => f.name.endsWith('.html'))!;
    expect(pdf).toBeDefined();
    expect(html).toBeDefined();
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = html.bytes.toString('utf8');
    expect(text).toContain(patient.patientId);
    // Self-contained: nothing fetched from anywhere (an SVG namespace name is not a reference).
    expect(text.replace(/xmlns(:\w+)?=["']http:\/\/www\.w3\.org\/[^"']*["']/g, '')).not.toMatch(/https?:\/\//i);
    await shot('04-report-downloaded');

    await page.click('[data-testid="export-preview"]');
    const preview = page.locator('[data-testid="report-preview"]');
    await preview.waitFor();
    expect(await page.getAttribute('[data-testid="report-preview-frame"]', 'sandbox')).toBe('');
    const body = page.frameLocator('[data-testid="report-preview-frame"]').locator('body');
    await expect.poll(() => body.innerText(), { timeout: 10_000 }).toContain(labels[0]);
    expect(await body.innerText()).toContain(patient.patientId);
    await shot('05-report-preview');
    // The key images (data: PNGs) and the figures draw inside the sandboxed frame.
    const images = body.locator('img');
    expect(await images.count()).toBeGreaterThan(0);
    await images.first().scrollIntoViewIfNeeded();
    await expect.poll(() => images.evaluateAll((els) => els.filter((e) => (e as HTMLImageElement).naturalWidth > 0).length)).toBe(await images.count());
    await shot('06-report-preview-key-images');
    await page.click('[data-testid="report-preview-close"]');
    await preview.waitFor({ state: 'detached' });
  }, 200_000);

  it('downloads the open exam de-identified (default options, with its SR + SEG) as one ZIP without the patient’s identifiers', async () => {
    const downloads: Download[] = [];
    const onDownload = (d: Download) => downloads.push(d);
    page.on('download', onDownload);
    try {
      if (await page.locator('[data-testid="export-notice-close"]').count()) await page.click('[data-testid="export-notice-close"]');
      await page.waitForSelector('[data-testid="export-notice"]', { state: 'detached' });
      await page.click('[data-testid="export-menu"]');
      await page.click('[data-testid="export-deid-exam"]');
      // The options dialog: the workstation's options, each with its description, as their defaults.
      const dialog = page.locator('[data-testid="deid-dialog"][data-kind="deid-exam"]');
      await dialog.waitFor();
      await page.waitForSelector('[data-testid="deid-run"]:not([disabled])');
      const checks = await page.$$eval('[data-testid^="deid-option-"]', (els) => els.map((e) => [e.getAttribute('data-testid'), (e as HTMLInputElement).checked]));
      expect(checks).toEqual([
        ['deid-option-retainLongitudinalModifiedDates', true],
        ['deid-option-retainPatientCharacteristics', false],
        ['deid-option-retainDeviceIdentity', false],
        ['deid-option-cleanDescriptors', false],
        ['deid-option-retainSafePrivate', false],
        ['deid-option-includeBurnedIn', false],
      ]);
      expect(await page.isChecked('[data-testid="deid-with-results"]')).toBe(true);
      expect(await dialog.innerText()).toContain('intervals between exams stay exact');
      await shot('07-deid-dialog');
      await page.click('[data-testid="deid-run"]');
      await dialog.waitFor({ state: 'detached' });
      await page.waitForSelector('[data-testid="export-notice"][data-kind="deid-exam"]:is([data-phase="done"], [data-phase="failed"])', { timeout: 240_000 });
      if (await page.locator('[data-testid="export-error"]').count()) throw new Error(`de-identification failed in the UI: ${await page.locator('[data-testid="export-error"]').innerText()}`);
      await expect.poll(() => downloads.length, { timeout: 60_000 }).toBe(1);
      const name = downloads[0].suggestedFilename();
      expect(name).toMatch(/^deid-LNG-[A-Z0-9]+-.*\.zip$/);
      const path = join(DOWNLOADS, name);
      await downloads[0].saveAs(path);
      const entries = unzipSync(new Uint8Array(readFileSync(path)));
      const names = Object.keys(entries);
      expect(names.length).toBeGreaterThan(10);
      const identifiers = [...new Set(['DEMO-1', 'PHANTOM', patient.patientId, ...patient.name.split(/[\^ ]+/).filter((p) => p.length >= 3)])];
      for (const n of names) {
        expect(n).toMatch(/^LNG-[A-Z0-9]+\/[\d.]+\/[\d.]+\/[\d.]+\.dcm$/);
        const bytes = Buffer.from(entries[n]);
        expect(bytes.subarray(128, 132).toString('latin1'), n).toBe('DICM');
        for (const id of identifiers) expect(bytes.indexOf(Buffer.from(id, 'latin1')), `${id} in ${n}`).toBe(-1);
      }
      // The SR and SEG went with the CT (the notice counts them by modality).
      const summary = await page.locator('[data-testid="export-summary"]').innerText();
      expect(summary).toMatch(/\bSR 1\b/);
      expect(summary).toMatch(/\bSEG 1\b/);
      expect(summary).toContain(`${names.length} files written`);
      // The key, for the local user only: original → pseudonym, and the date offset.
      const pseudonym = await page.locator('[data-testid="export-pseudonym"]').innerText();
      expect(pseudonym).toMatch(new RegExp(`^${patient.patientId} → LNG-[A-Z0-9]{10}, dates shifted by −\\d+ days`));
      expect(name).toContain(/LNG-[A-Z0-9]{10}/.exec(pseudonym)![0]);
      expect(await page.locator('[data-testid="export-where"]').innerText()).toContain(`${serve.homeDir}/exports/deid-LNG-`);
      expect(await page.locator('[data-testid="export-result"]').getAttribute('data-files')).toBe(name);
      await shot('08-deid-downloaded');
    } finally {
      page.off('download', onDownload);
    }
  }, 300_000);

  it('shows a refused de-identification as an error, with the workstation’s message', async () => {
    const refusal =
      'de-identification refused: identifying data would remain in 1 file(s); nothing was written to /x\n  CT/1.dcm: (0008,1030) StudyDescription holds the patient name';
    await page.route('**/api/call/deidentifyPatient', (route) => route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: refusal, kind: 'conflict' }) }));
    await page.click('[data-testid="export-notice-close"]');
    await page.click('[data-testid="export-menu"]');
    await page.click('[data-testid="export-deid-patient"]');
    await page.waitForSelector('[data-testid="deid-dialog"][data-kind="deid-patient"] [data-testid="deid-run"]:not([disabled])');
    await page.click('[data-testid="deid-run"]');
    const error = page.locator('[data-testid="export-error"]');
    await error.waitFor();
    expect(await error.innerText()).toBe(`Could not make the de-identified DICOM of this patient: deidentifyPatient: ${refusal}`);
    await shot('09-deid-refused');
    await page.unroute('**/api/call/deidentifyPatient');
  });
});
