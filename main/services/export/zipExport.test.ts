/**
 * zipExport: a folder under `<home>/exports` (a de-identified export) becomes `<dir>.zip` beside
 * it, files stored as they are (entries by their path inside the folder, `/`-separated, staging
 * folders and `.part` files left out); anything outside the exports folder, or the folder itself,
 * is refused, as readExport refuses it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../core/api/errors';
import type { Db } from '../registry/db';
import { ExportService } from './exportService';

const home = mkdtempSync(join(tmpdir(), 'lng-zipexport-'));
const exportsDir = join(home, 'exports');
afterAll(() => rmSync(home, { recursive: true, force: true }));

// zipExport reads no table: the service needs no registry here.
const service = new ExportService({ db: null as unknown as Db, homeDir: home, version: 'test' });

function put(path: string, bytes: Uint8Array | string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
}

const hasUnzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('zipExport', () => {
  const dir = join(exportsDir, 'deid-LNG-TEST-20250101T000000Z');
  // A file larger than a read chunk (1 MiB), so it is pushed in several pieces.
  const big = new Uint8Array(2_500_000).map((_, i) => (i * 31 + (i >> 9)) & 0xff);
  const small = 'DICM-ish small file';

  it('zips a folder under the exports folder into <dir>.zip, entries by relative path, stored', async () => {
    put(join(dir, 'LNG-TEST', '1.2.3', '1.2.3.4', 'a.dcm'), big);
    put(join(dir, 'LNG-TEST', '1.2.3', '1.2.3.5', 'b.dcm'), small);
    put(join(dir, 'LNG-TEST', 'empty.txt'), '');
    put(join(dir, '.partial-xyz', 'staging.dcm'), 'left out');
    put(join(dir, 'LNG-TEST', 'c.dcm.part'), 'left out');

    const r = await service.zipExport({ dir });
    expect(r.file).toBe(`${dir}.zip`);
    expect(r.files).toBe(3);
    expect(r.bytes).toBe(statSync(r.file).size);
    expect(existsSync(`${r.file}.part`)).toBe(false);
    // Stored, not compressed: at least the files' bytes.
    expect(r.bytes).toBeGreaterThan(big.length);

    const entries = unzipSync(new Uint8Array(readFileSync(r.file)));
    expect(Object.keys(entries).sort()).toEqual(['LNG-TEST/1.2.3/1.2.3.4/a.dcm', 'LNG-TEST/1.2.3/1.2.3.5/b.dcm', 'LNG-TEST/empty.txt']);
    expect(Buffer.from(entries['LNG-TEST/1.2.3/1.2.3.4/a.dcm']).equals(Buffer.from(big))).toBe(true);
    expect(Buffer.from(entries['LNG-TEST/1.2.3/1.2.3.5/b.dcm']).toString('latin1')).toBe(small);
    expect(entries['LNG-TEST/empty.txt'].length).toBe(0);

    if (hasUnzip) {
      // Another reader agrees: listed, and the CRCs check (`unzip -t`).
      const list = execFileSync('unzip', ['-l', r.file], { encoding: 'utf8' });
      expect(list).toContain('LNG-TEST/1.2.3/1.2.3.4/a.dcm');
      expect(list).toMatch(/3 files/);
      expect(execFileSync('unzip', ['-t', r.file], { encoding: 'utf8' })).toMatch(/No errors detected/);
    }

    // readExport hands the ZIP back to a browser client.
    const back = await service.readExport({ file: r.file });
    expect(back.byteLength).toBe(r.bytes);
  });

  it('takes a path relative to the exports folder, and zips again over an earlier ZIP', async () => {
    const r = await service.zipExport({ dir: 'deid-LNG-TEST-20250101T000000Z' });
    expect(r.file).toBe(`${dir}.zip`);
    expect(r.files).toBe(3);
  });

  it('refuses a folder outside the exports folder, the exports folder itself, and a link leaving it', async () => {
    const outside = join(home, 'library');
    put(join(outside, 'secret.dcm'), 'PHI');
    symlinkSync(outside, join(exportsDir, 'link-out'));
    put(join(exportsDir, 'file.csv'), 'a,b');
    for (const bad of [outside, '../library', exportsDir, '.', 'link-out', join(exportsDir, 'link-out'), '/etc']) {
      const err = await service.zipExport({ dir: bad }).catch((e: unknown) => e);
      expect(err, bad).toBeInstanceOf(ApiError);
      expect((err as ApiError).kind, bad).toBe('invalid');
    }
    expect(existsSync(`${outside}.zip`)).toBe(false);
    expect(existsSync(`${exportsDir}.zip`)).toBe(false);
    // A file is not a folder; a folder not there is not found; no dir is invalid.
    expect(((await service.zipExport({ dir: 'file.csv' }).catch((e: unknown) => e)) as ApiError).kind).toBe('invalid');
    expect(((await service.zipExport({ dir: 'nope' }).catch((e: unknown) => e)) as ApiError).kind).toBe('not-found');
    expect(((await service.zipExport({} as { dir: string }).catch((e: unknown) => e)) as ApiError).kind).toBe('invalid');
  });
});
