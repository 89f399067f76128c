/**
 * The worker pool under failure: jobs wait for workers that are still starting (and keep the
 * process alive meanwhile), a worker over its heap cap or its time budget fails its own task
 * with the item it was on, and a fresh worker takes its place.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool, WorkerTaskError } from './pool';

const ROOT = join(__dirname, '..', '..', '..');
const CT = join(ROOT, '..', 'shared', 'data', 'dcmqi', 'ct-3slice', '01.dcm');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('WorkerPool', () => {
  it('starting workers, a job queued while they start, and close() keep the process alive until they are done', () => {
    const home = mkdtempSync(join(tmpdir(), 'lng-pool-'));
    dirs.push(home);
    // Nothing else is pending in these processes: only the pool may keep them running.
    const run = (body: string) => {
      const file = join(home, `script-${Math.random().toString(36).slice(2)}.mts`);
      writeFileSync(file, `import { WorkerPool } from ${JSON.stringify(join(ROOT, 'main/services/workers/pool.ts'))};\nconst pool = new WorkerPool(1);\n${body}`);
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      return `${r.stdout.trim()}${r.status === 0 ? '' : ` (exit ${r.status}: ${r.stderr})`}`;
    };
    const job = `pool.run('storeFiles', { files: [{ sourcePath: ${JSON.stringify(CT)}, label: '01.dcm' }], homeDir: ${JSON.stringify(home)} })`;
    expect(run(`${job}.then((r) => { console.log('done', r[0].ok); return pool.close(); });`)).toBe('done true');
    expect(run(`pool.ready().then(() => ${job}).then((r) => { console.log('ready, then done', r[0].ok); return pool.close(); });`)).toBe('ready, then done true');
    // Idle and ready, the pool lets the process end without close(); close() itself is waited for.
    expect(run(`pool.ready().then(() => console.log('idle'));`)).toBe('idle');
    for (let i = 0; i < 3; i++) expect(run(`pool.ready().then(() => pool.close()).then(() => console.log('closed'));`)).toBe('closed');
  });

  it('a task over its time budget fails with the item it was on; the pool replaces the worker', async () => {
    const pool = new WorkerPool(1);
    const home = mkdtempSync(join(tmpdir(), 'lng-pool-'));
    dirs.push(home);
    try {
      await pool.ready();
      // Each file's budget (reported as it starts) is 0 ms: the first is over before it is read.
      const files = [{ sourcePath: CT, label: 'a' }, { sourcePath: CT, label: 'b' }];
      const failure = await pool.run('storeFiles', { files, homeDir: home, timeBudget: { baseMs: 0, msPerMb: 0 } }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(WorkerTaskError);
      expect(failure).toMatchObject({ kind: 'timeout', unit: 0, message: 'did not finish within its time budget of 0 ms' });
      const ok = await pool.run('storeFiles', { files: files.slice(0, 1), homeDir: home });
      expect(ok[0]).toMatchObject({ ok: true });
      expect(pool.replacedWorkers).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a worker over its heap cap fails its task as out-of-memory, naming the item; other tasks carry on', async () => {
    const pool = new WorkerPool(1, { maxOldGenerationSizeMb: 64 });
    const dir = mkdtempSync(join(tmpdir(), 'lng-pool-'));
    dirs.push(dir);
    try {
      // A real CT slice whose header holds 1.95 million FD numbers: dcmjs builds arrays of them.
      const src = readFileSync(CT);
      const pixels = src.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]), 132);
      const header = Buffer.alloc(8);
      header.writeUInt16LE(0x0018, 0);
      header.writeUInt16LE(0x9087, 2);
      header.writeUInt32LE(1_950_000 * 8, 4);
      writeFileSync(join(dir, 'hungry.dcm'), Buffer.concat([src.subarray(0, pixels), header, Buffer.alloc(1_950_000 * 8, 1), src.subarray(pixels)]));
      const files = [{ sourcePath: CT, label: 'ok' }, { sourcePath: join(dir, 'hungry.dcm'), label: 'hungry' }];
      const failure = await pool.run('storeFiles', { files, homeDir: dir }).catch((e: unknown) => e);
      expect(failure).toMatchObject({ kind: 'out-of-memory', unit: 1, message: 'needed more than the 64 MB of memory a worker may use' });
      expect((await pool.run('storeFiles', { files: files.slice(0, 1), homeDir: dir }))[0]).toMatchObject({ ok: true });
    } finally {
      await pool.close();
    }
  });
});
