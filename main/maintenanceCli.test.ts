/**
 * `longitude backup | restore | verify` end to end through the CLI, on a small phantom library
 * with a mask: honest exit codes (0 done, 1 done with problems, 2 invalid use or nothing done),
 * --json output, missing and altered files found, a restore refused while the library is open
 * and logged with its reader, and a damaged registry reported plainly by an ordinary command.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskRle } from '../core/api/maskRle';
import { writePatient } from '../tools/phantom/index';
import { createApp } from './services/app';
import type { VerifyReport } from './services/registry/verify';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'lng-maint-'));
const home = join(dir, 'home');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function longitude(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'main', 'cli.ts'), ...args, '--home', home], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

let instanceFiles: string[] = [];
let maskFile = '';

beforeAll(async () => {
  const p = await writePatient(join(dir, 'phantom'), { seed: 'maint', size: 48, slices: 8, sliceMm: 10, timepoints: 1, patientId: 'MNT-1', extraLesions: 0 });
  const app = createApp({ homeDir: home, mode: 'serve', workers: 1 });
  try {
    const r = await app.importPaths([p.seriesDirs[0]]);
    expect(r.imported).toBe(8);
    const [patient] = await app.listPatients();
    const [study] = await app.listStudies(patient.id);
    const [series] = await app.listSeries(study.id);
    const { geometry } = await app.getSeries(series.id);
    const mask = new Uint8Array(geometry.dims[0] * geometry.dims[1] * geometry.dims[2]);
    mask.fill(1, 100, 140);
    const lesion = await app.createLesion(patient.id, {});
    await app.saveSegmentation({ seriesId: series.id, lesionId: lesion.id, structure: 'lesion', mask: encodeMaskRle(mask) });
    instanceFiles = (app.db.prepare('SELECT path FROM instances ORDER BY id').all() as { path: string }[]).map((x) => x.path);
    maskFile = (app.db.prepare('SELECT path FROM segmentations').get() as { path: string }).path;
  } finally {
    await app.close();
  }
}, 120_000);

describe('longitude verify, backup, restore', () => {
  it('--help exits 0 and lists the commands; bad use exits 2', () => {
    const help = longitude('backup', '--help');
    expect(help.status).toBe(0);
    expect(help.out).toMatch(/backup \[--out <file>\][\s\S]*restore <file>[\s\S]*verify/);
    expect(longitude('restore').status).toBe(2);
    expect(longitude('verify', 'extra').status).toBe(2);
  });

  it('verify: a sound library exits 0; a missing, an altered and a truncated file are listed and exit 1', () => {
    const ok = longitude('verify', '--json');
    expect(ok.status).toBe(0);
    const report = JSON.parse(ok.out) as VerifyReport;
    expect(report).toMatchObject({ ok: true, registry: { check: ['ok'] }, instances: { files: 8, missing: 0, altered: 0 }, masks: { files: 1, missing: 0, unreadable: 0 }, problems: [] });

    const altered = join(home, instanceFiles[1]);
    const saved = readFileSync(altered);
    const fd = openSync(altered, 'r+');
    writeSync(fd, Buffer.from([saved[saved.length - 1] ^ 0xff]), 0, 1, saved.length - 1); // one pixel bit, same size
    closeSync(fd);
    rmSync(join(home, instanceFiles[2]));
    truncateSync(join(home, maskFile), Math.floor(statSync(join(home, maskFile)).size / 2));

    const bad = longitude('verify', '--json');
    expect(bad.status).toBe(1);
    const r = JSON.parse(bad.out) as VerifyReport;
    expect(r.ok).toBe(false);
    expect(r.instances).toMatchObject({ files: 8, missing: 1, altered: 1 });
    expect(r.masks).toMatchObject({ files: 1, missing: 0, unreadable: 1 });
    expect(r.problems.map((p) => [p.table, p.problem, p.path])).toEqual([
      ['instances', 'altered', instanceFiles[1]],
      ['instances', 'missing', instanceFiles[2]],
      ['segmentations', 'altered', maskFile],
    ]);
    expect(r.problems[0].detail).toMatch(/SHA-256 [0-9a-f]{64}, the registry says [0-9a-f]{64}/);
    const text = longitude('verify');
    expect(text.status).toBe(1);
    expect(text.out).toContain(`missing ${instanceFiles[2]} (instances row`);
    expect(text.out).toContain('3 problem(s) found');
  });

  it('backup then restore: refused while the library is open, done after, with the reader in the log; a damaged registry is named by any command', async () => {
    const out = join(dir, 'backup.sqlite');
    const b = longitude('backup', '--out', out, '--json');
    expect(b.status).toBe(0);
    expect(JSON.parse(b.out)).toMatchObject({ file: out, ok: true, check: ['ok'] });
    expect(longitude('backup', '--out', out).status).toBe(2); // never overwrites

    const app = createApp({ homeDir: home, mode: 'serve', workers: 1 });
    const refused = longitude('restore', out);
    await app.close();
    expect(refused.status).toBe(2);
    expect(refused.err).toMatch(/Longitude is running on this library/);

    // Damage the registry: an ordinary command says which file and which backup, and exits 2.
    const reg = join(home, 'registry.sqlite');
    const fd = openSync(reg, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 0);
    closeSync(fd);
    const list = longitude('list');
    expect(list.status).toBe(2);
    expect(list.err).toContain(`The registry ${reg} is damaged`);
    expect(longitude('verify').status).toBe(1);

    // Restoring the backup brings the library back; the damaged registry is kept aside.
    const restored = longitude('restore', out, '--json', '--reader', 'Dr B. Smith', '--reader-id', 'BS1');
    expect(restored.status).toBe(0);
    const r = JSON.parse(restored.out) as { keptAside: string; registry: string };
    expect(existsSync(r.keptAside)).toBe(true);
    expect(readdirSync(join(home, 'backups')).some((f) => f.startsWith('replaced-'))).toBe(true);
    const log = readFileSync(join(home, 'logs', 'admin.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; reader: unknown });
    expect(log.map((l) => l.action)).toEqual(['backup', 'restore']);
    expect(log[1].reader).toEqual({ name: 'Dr B. Smith', id: 'BS1' });
    expect(longitude('list', '--json').status).toBe(0);
  });
});
