/**
 * The PACS from the browser (issue 13), in serve mode and Chromium, against a real Orthanc
 * (tools/testing/orthanc.ts; skipped, with the reason, where Orthanc is not installed). A
 * two-exam phantom patient is uploaded to Orthanc; the reader adds Orthanc as a node (its
 * DICOMweb URL and DIMSE peer), echoes it, queries by patient ID, lists a study's series,
 * retrieves the newest study with a progress bar fed by onPacsProgress for the job id the page
 * made, and sees it arrive in the library. Opening it, the dock says the older exam is a prior
 * on the PACS not in the library; "Fetch" brings it with progress. A cancelled retrieval says so,
 * the report PDF of the open exam is sent back to Orthanc, and the receiver starts and stops.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatientSummary, StudySummary } from '../core/api/types';
import { writePatient } from '../tools/phantom/index';
import { launchChromium, newWorkstationPage } from '../tools/testing/chromium';
import { freePort, orthancAvailable, startOrthanc, type OrthancHandle } from '../tools/testing/orthanc';
import { REPO_ROOT, apiCall, startServeMode, type ServeHandle } from '../tools/testing/serveMode';
import { PacsPage } from './support/pacsPage';
import { FollowUpPage, WorkstationPage } from './support/workstationPage';

const ARTIFACTS = process.env.E2E_SCREENSHOT_DIR ?? join(REPO_ROOT, 'test-results', 'e2e');
const PATIENT_ID = 'PACS-E2E';
const NODE = 'ORTHANC-E2E';
const SLICES = 16;
const available = orthancAvailable();

interface Exam {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  studyDate: string;
}

let orthanc: OrthancHandle;
let serve: ServeHandle;
let browser: Browser;
let page: Page;
let ws: WorkstationPage;
let fu: FollowUpPage;
let pacs: PacsPage;
let phantomDir: string;
/** Baseline first, then the follow-up (newest). */
let exams: Exam[];

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `pacs-${name}.png`) });
const newest = () => exams[exams.length - 1];
const oldest = () => exams[0];

/** Hold the answer of the next retrievePacs call (the workstation does the work meanwhile) until `release` is called. */
async function holdRetrieveAnswer(): Promise<{ jobId: Promise<string>; release(): void; done: Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let gotJob!: (id: string) => void;
  const jobId = new Promise<string>((r) => (gotJob = r));
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  let taken = false;
  // (Unrouting inside the handler would let this very request through as well: the handler stays until the answer is given.)
  const handler = async (route: Route) => {
    if (taken) return route.fallback();
    taken = true;
    const body = JSON.parse(route.request().postData() ?? '{}') as { args: [{ jobId?: string }] };
    gotJob(body.args[0]?.jobId ?? '');
    const response = await route.fetch({ timeout: 180_000 });
    await released;
    await route.fulfill({ response });
    finished();
  };
  await page.route('**/api/call/retrievePacs', handler);
  return { jobId, release, done: done.then(() => page.unroute('**/api/call/retrievePacs', handler)) };
}

/** Progress phases the page shows, recorded from the DOM as they come (fast retrievals pass in a blink). */
async function recordPhases(): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __pacsPhases: string[]; __pacsObserver?: MutationObserver };
    w.__pacsPhases = [];
    w.__pacsObserver?.disconnect();
    const seen = () => {
      for (const el of document.querySelectorAll('[data-testid="pacs-progress"]')) {
        const p = el.getAttribute('data-phase') ?? '';
        if (w.__pacsPhases.at(-1) !== p) w.__pacsPhases.push(p);
      }
    };
    w.__pacsObserver = new MutationObserver(seen);
    w.__pacsObserver.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] });
  });
}
const phasesSeen = () => page.evaluate(() => (window as unknown as { __pacsPhases: string[] }).__pacsPhases);

const libraryStudies = async (): Promise<StudySummary[]> => {
  const patient = (await apiCall<PatientSummary[]>(serve, 'listPatients')).find((p) => p.patientId === PATIENT_ID);
  return patient ? apiCall<StudySummary[]>(serve, 'listStudies', patient.id) : [];
};

describe.skipIf(!available)(available ? 'PACS in the browser, against a real Orthanc' : 'PACS in the browser (skipped: Orthanc with its DICOMweb plugin is not installed)', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    phantomDir = mkdtempSync(join(tmpdir(), 'lng-e2e-pacs-'));
    // Small and quick; 16 slices need 8 mm apart so the phantom's lesions fit inside its liver.
    const written = await writePatient(phantomDir, { seed: 'e2e-pacs', size: 64, slices: SLICES, sliceMm: 8, timepoints: 2, patientId: PATIENT_ID });
    exams = written.truth.timepoints.map((t) => ({ studyInstanceUid: t.studyInstanceUid, seriesInstanceUid: t.seriesInstanceUid, studyDate: t.studyDate }));
    expect(exams[1].studyDate > exams[0].studyDate).toBe(true);
    // Orthanc knows the workstation's AE (for C-FIND/C-GET/C-MOVE); its receiver port is reserved here.
    const receiverPort = await freePort();
    orthanc = await startOrthanc({ modalities: { longitude: ['LONGITUDE', '127.0.0.1', receiverPort] } });
    let uploaded = 0;
    for (const dir of written.seriesDirs)
      for (const name of readdirSync(dir)) {
        await orthanc.upload(readFileSync(join(dir, name)));
        uploaded++;
      }
    expect(uploaded).toBe(written.fileCount);
    serve = await startServeMode();
    browser = await launchChromium();
    page = await newWorkstationPage(browser);
    ws = new WorkstationPage(page);
    fu = new FollowUpPage(page);
    pacs = new PacsPage(page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await orthanc?.stop();
    if (phantomDir) rmSync(phantomDir, { recursive: true, force: true });
  });

  it('opens the PACS page from the sidebar; with no node it offers to add one', async () => {
    await page.goto(`${serve.url}&e2e=1`);
    await ws.ready();
    await page.click('[data-testid="pacs-open"]');
    await page.waitForSelector('[data-testid="pacs-page"][data-tab="query"]');
    await page.waitForSelector('[data-testid="pacs-no-node"]');
    await shot('01-no-node');
    await page.click('[data-testid="pacs-go-nodes"]');
    await page.waitForSelector('[data-testid="pacs-page"][data-tab="nodes"]');
  });

  it('adds Orthanc as a node (a wrong one first is refused in words) and echoes it: DIMSE and DICOMweb with ms', async () => {
    await pacs.addNode({ name: 'bad name', dicomwebUrl: orthanc.dicomweb });
    await page.click('[data-testid="pacs-node-save"]');
    expect(await page.locator('[data-testid="pacs-node-error"]').innerText()).toMatch(/cannot be a node name/);
    await page.fill('[data-testid="pacs-node-name"]', NODE);
    await page.fill('[data-testid="pacs-node-aet"]', orthanc.aet);
    await page.fill('[data-testid="pacs-node-host"]', orthanc.host);
    await page.fill('[data-testid="pacs-node-port"]', String(orthanc.dicomPort));
    await shot('02-node-form');
    await pacs.saveNode(NODE);
    const address = await pacs.node(NODE).locator('[data-testid="pacs-node-address"]').innerText();
    expect(address).toBe(`${orthanc.aet}@${orthanc.host}:${orthanc.dicomPort} · ${orthanc.dicomweb}`);

    const echo = await pacs.echo(NODE);
    await shot('03-echo');
    expect(echo.dicomweb.ok, echo.dicomweb.text).toBe(true);
    expect(echo.dicomweb.text).toMatch(/^✓ DICOMweb: OK in \d+ ms$/);
    expect(echo.dimse.ok, echo.dimse.text).toBe(true);
    expect(echo.dimse.text).toMatch(/^✓ DIMSE: OK in \d+ ms$/);
  });

  it('queries by patient ID: both CT studies, none in the library yet', async () => {
    const count = await pacs.queryPatient(PATIENT_ID, NODE);
    expect(count).toBe(2);
    const rows = page.locator('[data-testid="pacs-study-row"]');
    // Newest first.
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-study-uid')))).toEqual([newest().studyInstanceUid, oldest().studyInstanceUid]);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-in-library')))).toEqual(['false', 'false']);
    const first = await pacs.study(newest().studyInstanceUid).innerText();
    expect(first).toContain(PATIENT_ID);
    expect(first).toContain('CT');
    expect(first).toContain(`${SLICES} images`);
    await shot('04-query-results');
  });

  it('lists the series of a study with checkboxes', async () => {
    const series = await pacs.expandStudy(newest().studyInstanceUid);
    expect(series).toEqual([newest().seriesInstanceUid]);
    expect(await page.locator('[data-testid="pacs-retrieve-series"]').isDisabled()).toBe(true);
    await page.locator('[data-testid="pacs-series-check"]').first().check();
    expect(await page.locator('[data-testid="pacs-retrieve-series"]').isEnabled()).toBe(true);
    await shot('05-series');
  });

  it('retrieves the newest study with progress for its own job, and it appears in the library', async () => {
    await recordPhases();
    const held = await holdRetrieveAnswer();
    await pacs.retrieveStudy(newest().studyInstanceUid);
    const jobId = await held.jobId;
    expect(jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const progress = page.locator(`[data-testid="pacs-page"] [data-testid="pacs-progress"][data-job-id="${jobId}"]`);
    await progress.waitFor();
    // The workstation has done it all (the answer is held): the bar shows the job's last event.
    await page.waitForSelector(`[data-testid="pacs-progress"][data-job-id="${jobId}"][data-phase="done"]`, { timeout: 120_000 });
    expect(await progress.locator('[data-testid="pacs-progress-text"]').innerText()).toMatch(new RegExp(`Done: ${SLICES} images`));
    expect(await progress.locator('progress').evaluate((p) => (p as HTMLProgressElement).value)).toBe(1);
    await expect.poll(() => page.locator('[data-testid="pacs-launch-status"]').innerText(), { timeout: 10_000 }).toContain('retrieving');
    await shot('06-retrieve-progress');
    held.release();
    await held.done;
    const outcomes = await pacs.retrieveOutcomes();
    const phases = await phasesSeen();
    expect(phases[0]).toBe('starting');
    expect(phases).toContain('done');
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ ok: true, imported: SLICES, duplicates: 0, skipped: 0, missing: 0 });
    expect(outcomes[0].text).toContain(`${SLICES} images received`);

    // The library list reloads by itself (onLibraryChanged) and the results now say "in library".
    await page.locator(`[data-testid="series-item"][data-series-uid="${newest().seriesInstanceUid}"]`).waitFor({ timeout: 30_000 });
    await page.waitForSelector(`[data-testid="pacs-study-row"][data-study-uid="${newest().studyInstanceUid}"][data-in-library="true"]`, { timeout: 30_000 });
    expect(await pacs.study(oldest().studyInstanceUid).getAttribute('data-in-library')).toBe('false');
    await shot('07-retrieved-in-library');
    const studies = await libraryStudies();
    expect(studies.map((s) => s.studyInstanceUid)).toEqual([newest().studyInstanceUid]);
  });

  it('opening the exam, the dock offers the prior on the PACS; Fetch brings it with progress', async () => {
    await pacs.dismissOutcomes();
    await pacs.close();
    await fu.openSeries(newest().seriesInstanceUid);
    const notice = pacs.priors;
    await notice.waitFor({ timeout: 60_000 });
    await page.waitForSelector('[data-testid="pacs-priors-text"]', { timeout: 30_000 });
    await expect.poll(() => page.locator('[data-testid="pacs-priors-text"]').innerText(), { timeout: 10_000 }).toBe(`1 prior CT study on ${NODE} not in the library`);
    expect(await page.locator('[data-testid="pacs-priors-errors"]').count()).toBe(0);
    await shot('08-priors-notice');

    await recordPhases();
    const held = await holdRetrieveAnswer();
    await page.click('[data-testid="pacs-priors-fetch"]');
    const jobId = await held.jobId;
    await page.waitForSelector(`[data-testid="pacs-priors"] [data-testid="pacs-progress"][data-job-id="${jobId}"][data-phase="done"]`, { timeout: 120_000 });
    await shot('09-priors-fetching');
    held.release();
    await held.done;
    const result = page.locator('[data-testid="pacs-priors-result"]');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.getAttribute('data-ok')).toBe('1');
    await expect.poll(() => result.innerText(), { timeout: 10_000 }).toContain('1 prior study fetched into the library');
    await page.locator(`[data-testid="series-item"][data-series-uid="${oldest().seriesInstanceUid}"]`).waitFor({ timeout: 30_000 });
    expect((await libraryStudies()).map((s) => s.studyInstanceUid).sort()).toEqual(exams.map((e) => e.studyInstanceUid).sort());
    await shot('10-priors-fetched');
  });

  it('a cancelled retrieval says so (or, when it was quicker than the cancel, what it brought)', async () => {
    await pacs.open('query');
    await pacs.queryPatient(PATIENT_ID, NODE);
    // Hold the request itself: Cancel is pressed before the workstation knows the job; the page asks again once it runs.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await page.route('**/api/call/retrievePacs', async (route) => {
      await released;
      await route.continue();
    });
    await pacs.retrieveStudy(oldest().studyInstanceUid);
    await page.locator('[data-testid="pacs-page"] [data-testid="pacs-cancel"]').click();
    await page.waitForSelector('[data-testid="pacs-page"] [data-testid="pacs-progress-text"]:has-text("Cancelling")');
    await shot('11-cancelling');
    release();
    const outcomes = await pacs.retrieveOutcomes();
    await page.unroute('**/api/call/retrievePacs');
    await shot('12-cancelled');
    expect(outcomes).toHaveLength(1);
    if (outcomes[0].ok) {
      console.warn('pacs e2e: the retrieval finished before the cancel reached it; its images were all duplicates');
      expect(outcomes[0]).toMatchObject({ imported: 0, duplicates: SLICES });
    } else {
      expect(outcomes[0].cancelled).toBe(true);
      expect(outcomes[0].text).toMatch(/cancelled — nothing of it was imported/);
    }
  });

  it('sends the open exam’s report (Encapsulated PDF) to Orthanc, filed under its study', async () => {
    await pacs.open('send');
    const view = page.locator('[data-testid="pacs-send-view"]');
    await view.waitFor();
    await page.uncheck('[data-testid="pacs-send-sr"]');
    await page.uncheck('[data-testid="pacs-send-seg"]');
    await page.click('[data-testid="pacs-send-button"]');
    const result = page.locator('[data-testid="pacs-send-result"], [data-testid="pacs-send-error"]');
    await result.first().waitFor({ timeout: 180_000 });
    await shot('13-sent');
    if (await page.locator('[data-testid="pacs-send-error"]').count()) throw new Error(await page.locator('[data-testid="pacs-send-error"]').innerText());
    const sent = page.locator('[data-testid="pacs-send-result"]');
    expect(await sent.getAttribute('data-sent'), await sent.innerText()).toBe('1');
    // Orthanc files it under the exam's study, next to the CT.
    const found = await orthanc.rest<{ ID: string }[]>('/tools/find', {
      method: 'POST',
      body: JSON.stringify({ Level: 'Series', Query: { StudyInstanceUID: newest().studyInstanceUid, Modality: 'DOC' } }),
    });
    expect(found.length).toBe(1);
  });

  it('starts and stops the C-STORE receiver', async () => {
    await pacs.open('receiver');
    const view = page.locator('[data-testid="pacs-receiver-view"]');
    await page.waitForSelector('[data-testid="pacs-receiver-status"]');
    const port = await freePort();
    await page.fill('[data-testid="pacs-receiver-port"]', String(port));
    await page.click('[data-testid="pacs-receiver-start"]');
    await page.waitForSelector('[data-testid="pacs-receiver-view"][data-running="true"]', { timeout: 15_000 });
    await expect.poll(() => page.locator('[data-testid="pacs-receiver-status"]').innerText(), { timeout: 10_000 }).toContain(`on port ${port}`);
    await shot('14-receiver-running');
    await page.click('[data-testid="pacs-receiver-stop"]');
    await page.waitForSelector('[data-testid="pacs-receiver-view"][data-running="false"]', { timeout: 15_000 });
    expect(await view.getAttribute('data-running')).toBe('false');
  });

  it('edits the node: a basic-auth password is kept as "stored" and never shown back', async () => {
    const password = 'pacs-e2e-Secret-42';
    await pacs.open('nodes');
    await pacs.node(NODE).locator('[data-testid="pacs-node-edit"]').click();
    await page.selectOption('[data-testid="pacs-node-auth"]', 'basic');
    await page.fill('[data-testid="pacs-node-user"]', 'reader');
    expect(await page.getAttribute('[data-testid="pacs-node-secret"]', 'type')).toBe('password');
    await page.click('[data-testid="pacs-node-save"]');
    expect(await page.locator('[data-testid="pacs-node-error"]').innerText()).toMatch(/Type the password/);
    await page.fill('[data-testid="pacs-node-secret"]', password);
    await pacs.saveNode(NODE);
    // The list is refreshed from the server after the save: wait for it.
    await expect.poll(() => pacs.node(NODE).innerText(), { timeout: 10_000 }).toContain('basic auth as reader (stored)');
    const node = (await apiCall<{ name: string; hasSecret: boolean; username: string }[]>(serve, 'listPacsNodes')).find((n) => n.name === NODE)!;
    expect(node).toMatchObject({ hasSecret: true, username: 'reader' });
    expect(JSON.stringify(node)).not.toContain(password);
    // Editing again: the field is empty, the form says one is stored; saving keeps it.
    await pacs.node(NODE).locator('[data-testid="pacs-node-edit"]').click();
    expect(await page.inputValue('[data-testid="pacs-node-secret"]')).toBe('');
    await page.waitForSelector('[data-testid="pacs-secret-stored"]');
    expect(await page.content()).not.toContain(password);
    await shot('15-edit-stored-secret');
    await pacs.saveNode(NODE);
    // Orthanc here has no users, so it ignores the credentials: the node still answers.
    const echo = await pacs.echo(NODE);
    expect(echo.dicomweb.ok, echo.dicomweb.text).toBe(true);
  });

  it('removes the node after a confirmation', async () => {
    await pacs.open('nodes');
    await pacs.node(NODE).locator('[data-testid="pacs-node-remove"]').click();
    await page.waitForSelector('[data-testid="pacs-remove-confirm"]');
    await shot('16-remove-confirm');
    await page.click('[data-testid="pacs-remove-yes"]');
    await pacs.node(NODE).waitFor({ state: 'detached' });
    expect(await apiCall<unknown[]>(serve, 'listPacsNodes')).toEqual([]);
  });
});
