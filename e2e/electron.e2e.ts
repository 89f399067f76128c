/**
 * The desktop shell: same flow as the serve-mode spec, through Electron IPC.
 * Runs where the Electron runtime is installed (`npm run setup:electron`); on machines
 * without it (our CI) it is skipped with that reason.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../tools/testing/serveMode';

const require = createRequire(import.meta.url);
function electronBinary(): string | null {
  try {
    const p = require('electron') as unknown;
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}
const binary = electronBinary();
const CT3 = join(REPO_ROOT, '..', 'shared', 'data', 'dcmqi', 'ct-3slice');
const ARTIFACTS = join(REPO_ROOT, 'test-results', 'e2e');

describe.skipIf(!binary)('Electron desktop app (skipped: Electron runtime not installed)', () => {
  let app: ElectronApplication | undefined;
  const home = mkdtempSync(join(tmpdir(), 'lng-electron-'));
  afterAll(async () => {
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('imports through the native dialog over IPC, opens the series and renders it', async () => {
    app = await _electron.launch({ executablePath: binary!, args: [REPO_ROOT, '--home', home] });
    const window = await app.firstWindow();
    await expect.poll(() => window.getAttribute('[data-testid="app"]', 'data-transport')).toBe('ipc');
    // The renderer is sandboxed: no Node in the page.
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    // Answer the native dialog the way a user would.
    await app.evaluate(({ dialog }, paths) => {
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: paths })) as typeof dialog.showOpenDialog;
    }, [CT3]);
    await window.click('[data-testid="import-pick-button"]');
    await window.waitForSelector('[data-testid="import-report"][data-imported="3"]');
    await window.click('[data-testid="series-item"]');
    await window.waitForSelector('[data-testid="volume-progress"][data-complete="true"]');
    mkdirSync(ARTIFACTS, { recursive: true });
    await window.screenshot({ path: join(ARTIFACTS, 'electron-viewer.png') });
    expect(await window.getAttribute('[data-testid="view-axial"]', 'data-slice-count')).toBe('3');
  });
});
