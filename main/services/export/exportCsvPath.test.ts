/**
 * exportCsv's `out`: a browser client names a file, the workstation places it under
 * `<home>/exports` (where readExport can hand it back); '..' cannot leave that folder; an
 * absolute path (the CLI's, resolved by it) is written where it says.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../core/api/errors';
import { createApp, type App } from '../app';
import { csvOutPath } from './csvOutPath';
import { ExportService } from './exportService';

const dir = mkdtempSync(join(tmpdir(), 'lng-csvpath-'));
const apps: App[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('csvOutPath', () => {
  const home = resolve(dir, 'home');
  const exports = join(home, 'exports');

  it('places a relative file name, or a relative path inside it, under <home>/exports', () => {
    expect(csvOutPath(home, 'lesions_patient3.csv')).toBe(join(exports, 'lesions_patient3.csv'));
    expect(csvOutPath(home, 'tumor-board/lesions.csv')).toBe(join(exports, 'tumor-board', 'lesions.csv'));
    expect(csvOutPath(home, './a/../lesions.csv')).toBe(join(exports, 'lesions.csv'));
  });

  it('refuses a relative path that leaves the exports folder, or names the folder itself', () => {
    for (const out of ['../lesions.csv', '../../etc/passwd', 'a/../../lesions.csv', '..', '.', 'a/..']) {
      expect(() => csvOutPath(home, out), out).toThrow(ApiError);
    }
    try {
      csvOutPath(home, '../x.csv');
    } catch (e) {
      expect((e as ApiError).kind).toBe('invalid');
      expect((e as Error).message).toMatch(/inside the exports folder/);
    }
  });

  it('keeps an absolute path as given', () => {
    const abs = join(dir, 'elsewhere', 'lesions.csv');
    expect(csvOutPath(home, abs)).toBe(abs);
  });

  it('allows a name that merely starts with two dots', () => {
    expect(csvOutPath(home, '..lesions.csv')).toBe(join(exports, '..lesions.csv'));
  });
});

describe('exportCsv with a relative out', () => {
  it('writes under <home>/exports and says where; refuses to escape it', async () => {
    const app = createApp({ homeDir: join(dir, 'app'), mode: 'serve', workers: 1 });
    apps.push(app);
    const exporter = new ExportService({ db: app.db, homeDir: app.homeDir, version: 'test' });
    const r = await exporter.exportCsv({ all: true, out: 'lesions_all.csv' });
    expect(r.file).toBe(join(app.homeDir, 'exports', 'lesions_all.csv'));
    expect(existsSync(r.file)).toBe(true);
    expect(readFileSync(r.file, 'utf8').split(/\r?\n/)[0].split(',')).toContain('lesion');
    // What was written can be read back by a browser client.
    expect(Buffer.from(await exporter.readExport({ file: r.file })).toString('utf8')).toBe(readFileSync(r.file, 'utf8'));
    await expect(exporter.exportCsv({ all: true, out: '../escaped.csv' })).rejects.toThrow(/inside the exports folder/);
    expect(existsSync(join(app.homeDir, 'escaped.csv'))).toBe(false);
  });
});
