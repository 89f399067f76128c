/**
 * Two readers at one serve-mode workstation (a tumor-board room and a reading room, say):
 * two browsers — two contexts, each with its own localStorage — open the same patient. What
 * one of them does (a new lesion, a measurement, a changed field) shows in the other within
 * a second, without a reload, because the workstation sends change events after each commit;
 * and the audit trail names the reader who did it, as each browser stated its reader.
 *
 * Reader A states their name through the reader form of the app shell; reader B's browser
 * has it in localStorage already (the key the app keeps it under).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, ImportReport, Measurement, PatientSummary, SeriesSummary, StudySummary, Vec3 } from '../core/api/types';
import { writePatient } from '../tools/phantom/index';
import { launchChromium, newWorkstationPage } from '../tools/testing/chromium';
import { ReadingToolsPage } from './support/readingToolsPage';
import { apiCall, startServeMode, type ServeHandle } from '../tools/testing/serveMode';
import { FollowUpPage, WorkstationPage } from './support/workstationPage';

/** What "at once" means for a second reader: the change is on their screen within this. */
const WITHIN_MS = 1000;
/** Where the renderer keeps the stated reader (renderer/src/api/storedReader.ts). */
const READER_STORAGE_KEY = 'longitude.reader';

const READER_A = { name: 'Dr Ada First', id: 'A-01' };
const READER_B = { name: 'Dr Béla Second', id: null };

interface Client {
  page: Page;
  ws: WorkstationPage;
  fu: FollowUpPage;
  rt: ReadingToolsPage;
}

let serve: ServeHandle;
let browser: Browser;
let phantomDir: string;
let a: Client;
let b: Client;
let seriesUid: string;
let seriesId: number;
let lesionCentre: Vec3;
let lesionLongAxisMm: number;
let lesionId: number;
/** How long each change took to show in the other browser, for the log. */
const latencies: Record<string, number> = {};

async function client(): Promise<Client> {
  const page = await newWorkstationPage(browser);
  return { page, ws: new WorkstationPage(page), fu: new FollowUpPage(page), rt: new ReadingToolsPage(page) };
}

/**
 * Do `action` in one browser, wait for the workstation to answer its `method` call, then give
 * the other browser WITHIN_MS to show `selector`. Returns the time it took.
 */
async function seenWithin(name: string, from: Client, method: string, action: () => Promise<unknown>, to: Client, selector: string): Promise<number> {
  const answered = from.page.waitForResponse((r) => r.url().endsWith(`/api/call/${method}`) && r.request().method() === 'POST', { timeout: 15_000 });
  await action();
  const response = await answered;
  expect(response.ok()).toBe(true);
  const t0 = Date.now();
  await to.page.waitForSelector(selector, { timeout: WITHIN_MS });
  latencies[name] = Date.now() - t0;
  return latencies[name];
}

async function openPatient(c: Client): Promise<void> {
  await c.fu.openSeries(seriesUid);
  await c.page.waitForSelector('[data-testid="lesion-create"]');
  await c.ws.waitForVolume();
  // Both on the lesion's axial slice: a measurement drawn in one is on screen in the other.
  await c.rt.setCursor(lesionCentre);
}

beforeAll(async () => {
  phantomDir = mkdtempSync(join(tmpdir(), 'lng-e2e-two-'));
  const written = await writePatient(phantomDir, { seed: 'e2e-two-clients', size: 192, slices: 64, timepoints: 1, patientId: 'E2E-TWO' });
  const truth = JSON.parse(readFileSync(written.truthPath, 'utf8'));
  serve = await startServeMode();
  const report = await apiCall<ImportReport>(serve, 'importPaths', written.seriesDirs);
  expect(report.imported).toBe(64);
  const patient = (await apiCall<PatientSummary[]>(serve, 'listPatients')).find((p) => p.patientId === 'E2E-TWO')!;
  const study = (await apiCall<StudySummary[]>(serve, 'listStudies', patient.id))[0];
  const series = (await apiCall<SeriesSummary[]>(serve, 'listSeries', study.id))[0];
  seriesUid = series.seriesInstanceUid;
  seriesId = series.id;
  const lesion = (truth.timepoints[0].lesions as { centreMm: Vec3; axialLongAxisMm: number }[]).sort((x, y) => y.axialLongAxisMm - x.axialLongAxisMm)[0];
  lesionCentre = lesion.centreMm;
  lesionLongAxisMm = lesion.axialLongAxisMm;

  browser = await launchChromium();
  a = await client();
  b = await client();
  // Reader B's browser has stated its reader before (it is kept in localStorage).
  await b.page.context().addInitScript(([key, value]) => window.localStorage.setItem(key, value), [READER_STORAGE_KEY, JSON.stringify(READER_B)] as const);
  for (const c of [a, b]) {
    await c.page.goto(`${serve.url}&e2e=1`);
    await c.ws.ready();
    // Gone if the page ever reloads: every update below must arrive live.
    await c.page.evaluate(() => Object.assign(window, { __loadedOnce: true }));
  }
});

afterAll(async () => {
  if (Object.keys(latencies).length) console.log(`two clients: shown in the other browser after ${JSON.stringify(latencies)} ms`);
  await browser?.close();
  await serve?.stop();
  rmSync(phantomDir, { recursive: true, force: true });
});

describe('two browsers on one serve-mode workstation', () => {
  it('each browser states its reader: A through the form, B from what it kept', async () => {
    // Before stating one, A records the workstation's default reader.
    await a.page.waitForSelector('[data-testid="reader"][data-reader-stated="false"]');
    await expect.poll(() => a.page.getAttribute('[data-testid="reader"]', 'data-reader-name')).not.toBe('');
    await a.page.click('[data-testid="reader-edit"]');
    await a.page.fill('[data-testid="reader-name-input"]', READER_A.name);
    await a.page.fill('[data-testid="reader-id-input"]', READER_A.id);
    await a.page.click('[data-testid="reader-save"]');
    await a.page.waitForSelector('[data-testid="reader"][data-reader-stated="true"]');
    expect(await a.page.textContent('[data-testid="reader-name"]')).toBe(`${READER_A.name} (${READER_A.id})`);
    expect(await b.page.textContent('[data-testid="reader-name"]')).toBe(READER_B.name);
    // What the workstation answers to getReader() for each browser's calls: the reader each sends.
    await a.page.waitForSelector(`[data-testid="reader"][data-reader-recorded="${READER_A.name}"]`);
    await b.page.waitForSelector(`[data-testid="reader"][data-reader-recorded="${READER_B.name}"]`);
  });

  it('both open the same patient', async () => {
    await openPatient(a);
    await openPatient(b);
    for (const c of [a, b]) expect(await c.page.locator('[data-testid="lesion-item"]').count()).toBe(0);
  });

  it('a lesion A creates is in B’s list within a second', async () => {
    const ms = await seenWithin('create lesion', a, 'createLesion', () => a.page.click('[data-testid="lesion-create"]'), b, '[data-testid="lesion-item"][data-lesion-label="L1"]');
    expect(ms).toBeLessThan(WITHIN_MS);
    lesionId = Number(await b.page.getAttribute('[data-testid="lesion-item"][data-lesion-label="L1"]', 'data-lesion-id'));
    // A has it selected (it made it); B sees it without having chosen it.
    await a.page.waitForSelector(`[data-testid="lesion-item"][data-lesion-id="${lesionId}"][data-selected="true"]`);
    expect(await b.page.getAttribute(`[data-testid="lesion-item"][data-lesion-id="${lesionId}"]`, 'data-selected')).toBe('false');
  });

  it('a field A changes shows in B within a second', async () => {
    await a.page.waitForSelector(`[data-testid="lesion-detail"][data-lesion-id="${lesionId}"]`);
    const ms = await seenWithin(
      'lesion type',
      a,
      'updateLesion',
      () => a.page.selectOption('[data-testid="lesion-type"]', 'metastasis'),
      b,
      `[data-testid="lesion-item"][data-lesion-id="${lesionId}"] >> text=metastasis`,
    );
    expect(ms).toBeLessThan(WITHIN_MS);
  });

  it('a measurement A draws is on B’s image and in B’s lesion list within a second', async () => {
    await a.rt.tool('bidirectional');
    const [x, y, z] = lesionCentre;
    const half = lesionLongAxisMm / 2;
    const from = await a.rt.at('axial', [x - half, y, z]);
    const to = await a.rt.at('axial', [x + half, y, z]);
    const ms = await seenWithin('measurement', a, 'addMeasurement', () => a.rt.drag(from, to), b, `[data-testid="lesion-item"][data-lesion-id="${lesionId}"] .lesion-cell-mm`);
    expect(ms).toBeLessThan(WITHIN_MS);
    await a.page.click('[data-testid="tool-windowLevel"]');
    const saved = await apiCall<Measurement[]>(serve, 'listMeasurements', { seriesId });
    expect(saved).toHaveLength(1);
    expect(saved[0].lesionId).toBe(lesionId);
    expect(Math.abs(saved[0].longAxisMm! - lesionLongAxisMm)).toBeLessThan(2);
    // The caliper itself is drawn in B's axial view (same slice), with A's numbers.
    await b.page.waitForSelector(`[data-testid="view-axial"] [data-testid="measurement"][data-measurement-id="${saved[0].id}"]`, { timeout: WITHIN_MS });
    expect(await b.page.textContent(`[data-testid="lesion-item"][data-lesion-id="${lesionId}"] .lesion-cell-mm`)).toContain(saved[0].longAxisMm!.toFixed(1));
  });

  it('and the other way: a change B makes shows in A within a second', async () => {
    await b.fu.selectLesion('L1');
    const ms = await seenWithin(
      'recist role (B to A)',
      b,
      'updateLesion',
      () => b.page.click('[data-testid="lesion-role-non-target"]'),
      a,
      `[data-testid="lesion-item"][data-lesion-id="${lesionId}"] .role-non-target`,
    );
    expect(ms).toBeLessThan(WITHIN_MS);
  });

  it('the audit trail names the reader of each change', async () => {
    const history = await apiCall<AuditEntry[]>(serve, 'getLesionHistory', lesionId);
    const lesionRows = history.filter((e) => e.entity === 'lesion');
    const created = lesionRows.find((e) => e.action === 'create');
    expect(created?.reader).toEqual(READER_A);
    const typeEdit = lesionRows.find((e) => e.action === 'update' && (e.after as { lesionType?: string }).lesionType === 'metastasis' && (e.before as { lesionType?: string }).lesionType !== 'metastasis');
    expect(typeEdit?.reader).toEqual(READER_A);
    const measurement = history.find((e) => e.entity === 'measurement' && e.action === 'create');
    expect(measurement?.reader).toEqual(READER_A);
    const roleEdit = lesionRows.find((e) => e.action === 'update' && (e.after as { recistRole?: string }).recistRole === 'non-target');
    expect(roleEdit?.reader).toEqual({ name: READER_B.name, id: null });

    // The lesion's history in each browser says the same, and it came live too.
    for (const c of [a, b]) {
      await c.fu.selectLesion('L1');
      await c.page.waitForSelector(`[data-testid="audit-entry"][data-entity="lesion"][data-action="create"][data-reader="${READER_A.name}"]`, { timeout: WITHIN_MS });
      await c.page.waitForSelector(`[data-testid="audit-entry"][data-entity="lesion"][data-action="update"][data-reader="${READER_B.name}"]`, { timeout: WITHIN_MS });
      expect(await c.page.locator('[data-testid="lesion-audit"]').innerText()).toContain(`${READER_A.name} (${READER_A.id})`);
    }
  });

  it('none of it needed a reload', async () => {
    for (const c of [a, b]) expect(await c.page.evaluate(() => (window as { __loadedOnce?: boolean }).__loadedOnce)).toBe(true);
  });
});
