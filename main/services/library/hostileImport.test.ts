/**
 * Hostile files through the importer and the volume loader (issue 11): a file that kills
 * its worker, or outlives its time budget, fails alone and the rest of its batch is
 * imported; a series whose compressed frames are corrupt fails to open naming the
 * instance, and the workstation keeps serving. Real files from ../shared/data, mutated here.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { openRegistry } from '../registry/db';
import { VolumeAccess } from '../volumes/volumeAccess';
import { WorkerPool } from '../workers/pool';
import { importPaths } from './importer';

const DATA = join(__dirname, '..', '..', '..', '..', 'shared', 'data');
const CT3 = join(DATA, 'dcmqi', 'ct-3slice');
const TOTALSEG = join(DATA, 'totalsegmentator', 'example_ct_dicom');

const tmpDirs: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** Every file under the library folder, and what the import left in its staging folder. */
function leftovers(home: string): { library: string[]; staging: string[] } {
  const lib = join(home, 'library');
  const library = existsSync(lib) ? readdirSync(lib, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
  const staging = existsSync(join(home, 'tmp')) ? readdirSync(join(home, 'tmp')) : [];
  return { library, staging };
}

/** A real CT slice with a structurally valid header that holds `values` FD numbers (dcmjs builds two arrays of them). */
function memoryHungry(values: number): Buffer {
  const src = readFileSync(join(CT3, '01.dcm'));
  const pixels = src.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]), 132);
  const header = Buffer.alloc(8);
  header.writeUInt16LE(0x0018, 0);
  header.writeUInt16LE(0x9087, 2); // Diffusion b-value (FD), in an implicit VR file
  header.writeUInt32LE(values * 8, 4);
  return Buffer.concat([src.subarray(0, pixels), header, Buffer.alloc(values * 8, 1), src.subarray(pixels)]);
}

/** A real CT slice whose header holds a sequence of `items` small items: valid, but slow for dcmjs. */
function slowToParse(items: number): Buffer {
  const src = readFileSync(join(CT3, '02.dcm'));
  const pixels = src.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]), 132);
  const item = Buffer.alloc(18);
  item.writeUInt16LE(0xfffe, 0);
  item.writeUInt16LE(0xe000, 2);
  item.writeUInt32LE(10, 4);
  item.writeUInt16LE(0x0028, 8);
  item.writeUInt16LE(0x0010, 10);
  item.writeUInt32LE(2, 12);
  item.writeUInt16LE(5, 16);
  const body = Buffer.alloc(item.length * items);
  for (let i = 0; i < items; i++) item.copy(body, i * item.length);
  const header = Buffer.alloc(8);
  header.writeUInt16LE(0x0040, 0);
  header.writeUInt16LE(0xa730, 2);
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([src.subarray(0, pixels), header, body, src.subarray(pixels)]);
}

/** Seven valid files (3 GE CT slices, 4 JPEG 2000 slices) and `bad` named to sit in the middle of one batch of eight. */
function batchWith(bad: Buffer): string {
  const dir = tmp('lng-hostile-');
  for (const name of readdirSync(CT3).sort()) copyFileSync(join(CT3, name), join(dir, `a-${name}`));
  writeFileSync(join(dir, 'b-hostile.dcm'), bad);
  for (const name of readdirSync(TOTALSEG).sort().slice(0, 4)) copyFileSync(join(TOTALSEG, name), join(dir, `c-${name}.dcm`));
  return dir;
}

describe('a file that kills or stalls its worker fails alone', () => {
  it('a worker that runs out of memory fails only that file: the other seven files of its batch are retried and imported', async () => {
    const home = tmp('lng-home-');
    const db = openRegistry(join(home, 'registry.sqlite'));
    // One worker with a small heap: one batch of eight, and a header that needs more than the heap.
    const pool = new WorkerPool(1, { maxOldGenerationSizeMb: 64 });
    try {
      const dir = batchWith(memoryHungry(1_950_000));
      const report = await importPaths([dir], { db, homeDir: home, pool });
      expect(report).toMatchObject({ imported: 7, skipped: 1 });
      const skipped = report.files.find((f) => f.outcome === 'skipped')!;
      expect(skipped.file).toBe(join(dir, 'b-hostile.dcm'));
      expect(skipped.reason).toBe('could not be read: reading it needed more than the 64 MB of memory a worker may use (corrupt or hostile data)');
      expect(pool.replacedWorkers).toBeGreaterThanOrEqual(1);
      expect(leftovers(home)).toEqual({ library: expect.any(Array), staging: [] });
      expect(leftovers(home).library).toHaveLength(7);
      expect(leftovers(home).library.filter((n) => n.endsWith('.tmp'))).toEqual([]);
      // The pool works on: the same worker slot imports again.
      const again = await importPaths([join(CT3, '01.dcm')], { db, homeDir: home, pool });
      expect(again).toMatchObject({ duplicates: 1 });
    } finally {
      await pool.close();
      db.close();
    }
  });

  it('a file over its time budget fails alone, named; the rest of its batch is imported', async () => {
    const home = tmp('lng-home-');
    const db = openRegistry(join(home, 'registry.sqlite'));
    const pool = new WorkerPool(1);
    try {
      const dir = batchWith(slowToParse(90_000));
      // dcmjs needs seconds for 180,000 elements; each ordinary file takes milliseconds.
      const report = await importPaths([dir], { db, homeDir: home, pool, fileTimeBudget: { baseMs: 400, msPerMb: 0 } });
      expect(report).toMatchObject({ imported: 7, skipped: 1 });
      const skipped = report.files.find((f) => f.outcome === 'skipped')!;
      expect(skipped.file).toBe(join(dir, 'b-hostile.dcm'));
      expect(skipped.reason).toBe('could not be read: reading it did not finish within its time budget of 400 ms (corrupt or hostile data)');
      expect(leftovers(home).staging).toEqual([]);
    } finally {
      await pool.close();
      db.close();
    }
  });
});

describe('corrupt compressed frames', () => {
  it('a series with a corrupt JPEG 2000 frame fails to open naming the instance, and the workstation keeps serving', async () => {
    const home = tmp('lng-home-');
    const dir = tmp('lng-j2k-');
    const names = readdirSync(TOTALSEG).sort();
    for (const [i, name] of names.entries()) {
      const bytes = Buffer.from(readFileSync(join(TOTALSEG, name)));
      if (i === 10) {
        // Overwrite the codestream's SIZ marker segment: the header (and the import) are untouched.
        const soc = bytes.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
        bytes.fill(0xff, soc + 4, soc + 40);
      }
      writeFileSync(join(dir, name), bytes);
    }
    const app = createApp({ homeDir: home, mode: 'serve', workers: 2 });
    try {
      const report = await app.importPaths([dir, CT3]);
      expect(report).toMatchObject({ imported: 23, skipped: 0 });
      const [j2k, ct] = [report.series.find((s) => s.sliceCount === 20)!, report.series.find((s) => s.sliceCount === 3)!];
      const info = await app.openVolume(j2k.id);
      const failure = await app.getVolumeChunk(j2k.id, 0, info.geometry.dims[2]).then(
        () => null,
        (err: Error & { kind?: string }) => err,
      );
      expect(failure).not.toBeNull();
      expect(failure!.kind).toBe('invalid');
      expect(failure!.message).toMatch(
        new RegExp(`^series ${j2k.id} cannot be opened: instance \\d+ \\(SOP Instance UID [\\d.]+, library/[0-9a-f]{2}/[0-9a-f]{64}\\.dcm\\): JPEG 2000 \\(OpenJPEG\\) could not decode the frame \\(corrupt data\\): \\[ERROR\\] Error with SIZ marker size`),
      );
      // Still serving: the library lists, and another series opens and decodes.
      expect((await app.listPatients()).length).toBeGreaterThanOrEqual(1);
      const ctInfo = await app.openVolume(ct.id);
      const chunk = await app.getVolumeChunk(ct.id, 0, 3);
      expect(chunk.byteLength).toBe(ctInfo.geometry.dims[0] * ctInfo.geometry.dims[1] * 3 * 2);
    } finally {
      await app.close();
    }
  });

  it('a decode that outlives its budget fails the volume naming the instance; the pool replaces the worker and decodes on', async () => {
    const home = tmp('lng-home-');
    const db = openRegistry(join(home, 'registry.sqlite'));
    const importPool = new WorkerPool(1);
    // Any decode is over a 1 ms budget before its first frame: as a codec that never returns.
    const stalling = new WorkerPool(1, { taskBudgetMs: { decodeInstanceFile: 1 } });
    try {
      const report = await importPaths([CT3], { db, homeDir: home, pool: importPool });
      const seriesId = report.series[0].id;
      const stalled = new VolumeAccess(db, stalling, home, () => undefined);
      const vol = stalled.open(seriesId);
      await expect(vol.complete).rejects.toThrow(
        new RegExp(`^series ${seriesId} cannot be opened: instance \\d+ \\(SOP Instance UID [\\d.]+, library/.*\\.dcm\\): decoding it did not finish within its time budget of 1 ms \\(corrupt or hostile data\\)$`),
      );
      await expect(stalled.waitForSlices(vol, 0, 1)).rejects.toThrow(/cannot be opened/);
      // The same pool, once its worker is replaced, decodes with an ordinary budget.
      const decoded = await stalling.run('decodeInstanceFile', { path: join(CT3, '01.dcm'), label: '01.dcm' }, { budgetMs: 60_000 });
      expect(decoded.frames[0]).toHaveLength(512 * 512);
      expect(stalling.replacedWorkers).toBeGreaterThanOrEqual(1);
      // And a healthy pool opens the series.
      const healthy = new VolumeAccess(db, importPool, home, () => undefined);
      await healthy.seriesVolume(seriesId);
    } finally {
      await importPool.close();
      await stalling.close();
      db.close();
    }
  });
});

/** A zip archive of `entries`, written by hand: a zip bomb declares sizes no honest archive has. */
function zipOf(entries: { name: string; data: Buffer; method: 0 | 8; declaredSize: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('zip bombs', () => {
  it('an archive entry that declares an absurd inflation is refused by name; the others are imported', async () => {
    const home = tmp('lng-home-');
    const db = openRegistry(join(home, 'registry.sqlite'));
    const pool = new WorkerPool(1);
    try {
      const ct = readFileSync(join(CT3, '01.dcm'));
      const zip = zipOf([
        { name: 'bomb.dcm', data: deflateRawSync(Buffer.alloc(4096)), method: 8, declaredSize: 3_000_000_000 },
        { name: 'ct.dcm', data: ct, method: 0, declaredSize: ct.length },
      ]);
      const file = join(tmp('lng-zip-'), 'study.zip');
      writeFileSync(file, zip);
      const report = await importPaths([file], { db, homeDir: home, pool });
      expect(report).toMatchObject({ imported: 1, skipped: 1 });
      expect(report.files.find((f) => f.outcome === 'skipped')).toEqual({
        file: `${file}!/bomb.dcm`,
        outcome: 'skipped',
        reason: expect.stringMatching(/^zip entry inflates \d+-fold, to 2\.8 GiB \(a zip bomb\?\); not extracted$/),
      });
    } finally {
      await pool.close();
      db.close();
    }
  });
});

describe('files that never end', () => {
  it.skipIf(!existsSync('/dev/zero'))('a device given by path is refused, not read forever', async () => {
    const home = tmp('lng-home-');
    const db = openRegistry(join(home, 'registry.sqlite'));
    const pool = new WorkerPool(1);
    try {
      const report = await importPaths(['/dev/zero', join(CT3, '01.dcm')], { db, homeDir: home, pool });
      expect(report).toMatchObject({ imported: 1, skipped: 1 });
      expect(report.files.find((f) => f.outcome === 'skipped')).toEqual({ file: '/dev/zero', outcome: 'skipped', reason: 'not a regular file (a device, pipe or socket); not read' });
    } finally {
      await pool.close();
      db.close();
    }
  });
});

describe('no raw JavaScript error text in a report', () => {
  it('every truncation and every 0xFFFFFFFF length in the header of a real SR: each file reported with a reason a user can read', async () => {
    const home = tmp('lng-home-');
    const db = openRegistry(join(home, 'registry.sqlite'));
    const pool = new WorkerPool(2);
    try {
      const dir = tmp('lng-trunc-');
      mkdirSync(dir, { recursive: true });
      const src = readFileSync(join(DATA, 'highdicom', 'sr_document.dcm'));
      // Every truncation point of the header region, and every 0xFFFFFFFF length.
      let n = 0;
      for (let cut = 132; cut < Math.min(src.length, 900); cut += 3) writeFileSync(join(dir, `t${n++}.dcm`), src.subarray(0, cut));
      for (let at = 132; at + 4 <= Math.min(src.length, 1800); at += 4) {
        const m = Buffer.from(src);
        m.writeUInt32LE(0xffffffff, at);
        writeFileSync(join(dir, `l${n++}.dcm`), m);
      }
      const report = await importPaths([dir], { db, homeDir: home, pool });
      expect(report.files).toHaveLength(n);
      for (const f of report.files) {
        if (f.outcome !== 'skipped') continue;
        expect(f.reason, f.file).not.toMatch(/RangeError|TypeError|Invalid string length|Cannot read|Offset is outside|Finding view|Request more than|internal error/);
      }
      expect(leftovers(home).staging).toEqual([]);
    } finally {
      await pool.close();
      db.close();
    }
  });
});
