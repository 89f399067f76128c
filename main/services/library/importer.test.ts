import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Db } from '../registry/db';
import { WorkerPool } from '../workers/pool';
import { getSeriesRow, listPatients, listSeries, listStudies } from './catalog';
import { importPaths } from './importer';

const DATA = join(__dirname, '..', '..', '..', '..', 'shared', 'data');
const CT3 = join(DATA, 'dcmqi', 'ct-3slice');
const TOTALSEG = join(DATA, 'totalsegmentator', 'example_ct_dicom');
const HIGHDICOM_CT = join(DATA, 'highdicom', 'ct_image.dcm');

let pool: WorkerPool;
const tmpDirs: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
function library(): { home: string; db: Db } {
  const home = tmp('lng-home-');
  return { home, db: openRegistry(join(home, 'registry.sqlite')) };
}
function libraryFiles(home: string): string[] {
  const root = join(home, 'library');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}
function count(db: Db, table: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

beforeAll(() => {
  pool = new WorkerPool(2);
});
afterAll(async () => {
  await pool.close();
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});


/** Unmount a test tmpfs; a handle still closing (a worker exiting) makes it busy for a moment, so retry, then detach it lazily. */
function unmount(mountPoint: string): void {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
      return;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  execFileSync('umount', ['-l', mountPoint]);
}

describe('import of real third-party data', () => {
  it('dcmqi 3-slice CT: 1.0 mm spacing from positions although SliceThickness says 1.25 mm', async () => {
    const { home, db } = library();
    const report = await importPaths([CT3], { db, homeDir: home, pool });
    expect(report).toMatchObject({ imported: 3, duplicates: 0, skipped: 0 });
    const series = getSeriesRow(db, report.series[0].id)!;
    expect(series.geometry!.dims).toEqual([512, 512, 3]);
    expect(series.geometry!.spacingMm[0]).toBeCloseTo(0.8105, 4);
    expect(series.geometry!.spacingMm[1]).toBeCloseTo(0.8105, 4);
    expect(series.geometry!.spacingMm[2]).toBeCloseTo(1.0, 6);
    expect(series.warnings).toEqual([]);
    expect(libraryFiles(home)).toHaveLength(3);
    db.close();
  });

  it('TotalSegmentator JPEG 2000 series with empty Study/Series/SOP UIDs: grouped into one series, warned, 2 mm', async () => {
    const { home, db } = library();
    const report = await importPaths([TOTALSEG], { db, homeDir: home, pool });
    expect(report).toMatchObject({ imported: 20, skipped: 0 });
    expect(report.series).toHaveLength(1);
    const series = getSeriesRow(db, report.series[0].id)!;
    expect(series.seriesInstanceUid).toMatch(/^2\.25\.\d+$/);
    expect(series.sliceCount).toBe(20);
    expect(series.geometry!.spacingMm[2]).toBeCloseTo(2.0, 3);
    expect(series.warnings.join('\n')).toMatch(/Study Instance UID is empty/);
    expect(series.warnings.join('\n')).toMatch(/Series Instance UID is empty/);
    // Derived UIDs are stable: a second import finds the same instances.
    const again = await importPaths([TOTALSEG], { db, homeDir: home, pool });
    expect(again).toMatchObject({ imported: 0, duplicates: 20 });
    expect(count(db, 'series')).toBe(1);
    db.close();
  });

  it('highdicom CT imports as one single-slice series', async () => {
    const { home, db } = library();
    const report = await importPaths([HIGHDICOM_CT], { db, homeDir: home, pool });
    expect(report).toMatchObject({ imported: 1, skipped: 0 });
    const p = listPatients(db);
    expect(p[0]).toMatchObject({ patientId: '1CT1', name: 'CompressedSamples^CT1' });
    const st = listStudies(db, p[0].id);
    expect(st[0].date).toBe('2004-01-19');
    expect(listSeries(db, st[0].id)[0]).toMatchObject({ modality: 'CT', sliceCount: 1, rows: 128, columns: 128 });
    db.close();
  });
});

describe('idempotence and bad input', () => {
  it('importing the same files twice adds nothing', async () => {
    const { home, db } = library();
    await importPaths([CT3], { db, homeDir: home, pool });
    const before = { instances: count(db, 'instances'), files: libraryFiles(home).length };
    const second = await importPaths([CT3, join(CT3, '01.dcm')], { db, homeDir: home, pool });
    expect(second).toMatchObject({ imported: 0, duplicates: 4, skipped: 0 });
    expect({ instances: count(db, 'instances'), files: libraryFiles(home).length }).toEqual(before);
    db.close();
  });

  it('reports non-DICOM, truncated and missing files by name and reason, keeping what was imported before', async () => {
    const { home, db } = library();
    await importPaths([HIGHDICOM_CT], { db, homeDir: home, pool });
    const bad = tmp('lng-bad-');
    writeFileSync(join(bad, 'notes.txt'), 'not an image');
    const full = readFileSync(join(CT3, '01.dcm'));
    writeFileSync(join(bad, 'truncated.dcm'), full.subarray(0, full.length - 1000));
    writeFileSync(join(bad, 'header-only.dcm'), full.subarray(0, 2000));
    const report = await importPaths([bad, join(bad, 'nope.dcm')], { db, homeDir: home, pool });
    expect(report.imported).toBe(0);
    const reasons = Object.fromEntries(report.files.map((f) => [f.file.split('/').pop(), f.reason]));
    expect(reasons['notes.txt']).toMatch(/not a DICOM Part 10 file/);
    expect(reasons['truncated.dcm']).toMatch(/truncated pixel data: 523288 of 524288 bytes present/);
    expect(reasons['header-only.dcm']).toMatch(/unreadable DICOM header|truncated/);
    expect(reasons['nope.dcm']).toBe('path does not exist');
    // Nothing half-written: the earlier import is intact and no file was added.
    expect(count(db, 'instances')).toBe(1);
    expect(libraryFiles(home)).toHaveLength(1);
    db.close();
  });

  it('refuses an unsupported transfer syntax at import, naming it', async () => {
    const { home, db } = library();
    const dir = tmp('lng-ts-');
    const j2k = readFileSync(join(TOTALSEG, readdirSync(TOTALSEG)[0])).toString('latin1');
    // Same length: JPEG 2000 Part 2 multi-component, which no installed codec decodes.
    writeFileSync(join(dir, 'part2.dcm'), Buffer.from(j2k.replace('1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.92'), 'latin1'));
    const report = await importPaths([dir], { db, homeDir: home, pool });
    expect(report.skipped).toBe(1);
    expect(report.files[0].reason).toMatch(/^unsupported transfer syntax .*\(1\.2\.840\.10008\.1\.2\.4\.92\); decompress the file first/);
    expect(libraryFiles(home)).toEqual([]);
    db.close();
  });

  it('a different file with an existing SOP Instance UID is refused and leaves no orphan file', async () => {
    const { home, db } = library();
    await importPaths([join(CT3, '01.dcm')], { db, homeDir: home, pool });
    const dir = tmp('lng-conflict-');
    const bytes = Buffer.from(readFileSync(join(CT3, '01.dcm')));
    bytes[bytes.length - 1] ^= 0xff; // same header, one pixel changed
    writeFileSync(join(dir, 'changed.dcm'), bytes);
    const report = await importPaths([dir], { db, homeDir: home, pool });
    expect(report.skipped).toBe(1);
    expect(report.files[0].reason).toMatch(/a different file with SOP Instance UID .* is already in the library/);
    expect(libraryFiles(home)).toHaveLength(1);
    db.close();
  });
});

describe('archives and DICOMDIR', () => {
  it('imports a .zip of DICOM files, naming entries inside the archive', async () => {
    const { home, db } = library();
    const dir = tmp('lng-zip-');
    const zip = join(dir, 'study.zip');
    execFileSync('python3', ['-m', 'zipfile', '-c', zip, join(CT3, '01.dcm'), join(CT3, '02.dcm'), join(CT3, '03.dcm')]);
    const report = await importPaths([zip], { db, homeDir: home, pool });
    expect(report).toMatchObject({ imported: 3, skipped: 0 });
    expect(report.files[0].file).toBe(`${zip}!/01.dcm`);
    expect(getSeriesRow(db, report.series[0].id)!.geometry!.spacingMm[2]).toBeCloseTo(1.0, 6);
    // Staging folders are cleaned up.
    expect(readdirSync(join(home, 'tmp'))).toEqual([]);
    db.close();
  });

  it('imports the files a DICOMDIR references (made by dcmtk dcmmkdir)', async () => {
    const { home, db } = library();
    const media = tmp('lng-media-');
    mkdirSync(join(media, 'IMAGES'));
    for (const [i, f] of ['01.dcm', '02.dcm', '03.dcm'].entries()) copyFileSync(join(CT3, f), join(media, 'IMAGES', `IM${i + 1}`));
    const mk = spawnSync('dcmmkdir', ['--recurse', '--no-xfer-check', '--output-file', 'DICOMDIR', 'IMAGES'], { cwd: media, encoding: 'utf8' });
    expect(mk.error, 'dcmtk (dcmmkdir) must be installed: apt-get install dcmtk').toBeUndefined();
    expect(mk.status, mk.stderr).toBe(0);
    const report = await importPaths([join(media, 'DICOMDIR')], { db, homeDir: home, pool });
    expect(report).toMatchObject({ imported: 3, skipped: 0 });
    db.close();
  });
});

describe('a disk that fills up mid-import', () => {
  const isRoot = process.getuid?.() === 0;
  it.skipIf(!isRoot)('keeps the files that fit, reports the rest, leaves no partial file (a tmpfs with room for the registry and 1.5 files)', async () => {
    // The registry's own footprint (file, WAL, shared memory) grows with each migration: measured, not assumed.
    const probe = tmp('lng-probe-');
    const probeDb = openRegistry(join(probe, 'registry.sqlite'));
    const footprint = readdirSync(probe).reduce((n, f) => n + statSync(join(probe, f)).size, 0) + 32 * 1024;
    probeDb.close();
    const fileSize = statSync(join(CT3, '01.dcm')).size;
    const mountPoint = tmp('lng-full-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil((footprint + fileSize * 1.5 + 64 * 1024) / 4096) * 4}k`, 'tmpfs', mountPoint]);
    try {
      const db = openRegistry(join(mountPoint, 'registry.sqlite'));
      const report = await importPaths([CT3], { db, homeDir: mountPoint, pool });
      expect(report.imported).toBeGreaterThanOrEqual(1);
      expect(report.skipped).toBeGreaterThanOrEqual(1);
      const full = report.files.filter((f) => f.outcome === 'skipped');
      for (const f of full) expect(f.reason).toMatch(/disk full while copying into the library \(ENOSPC\)/);
      const files = libraryFiles(mountPoint);
      expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expect(files).toHaveLength(report.imported);
      expect(count(db, 'instances')).toBe(report.imported);
      db.close();
    } finally {
      unmount(mountPoint);
    }
  });
});

describe('a read-only library', () => {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) console.warn('importer.test: skipping the read-only library test: it remounts a tmpfs read-only, which needs root (chmod is no test for root)');
  it.skipIf(!isRoot)('reports every file with the reason, registers nothing and keeps what was imported before', async () => {
    const mountPoint = tmp('lng-ro-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
    try {
      // The registry stays writable (elsewhere); the library folder becomes read-only, as a
      // disk the kernel remounts read-only after an error, or a read-only share.
      const db = openRegistry(join(tmp('lng-ro-registry-'), 'registry.sqlite'));
      await importPaths([HIGHDICOM_CT], { db, homeDir: mountPoint, pool });
      const before = libraryFiles(mountPoint).map((f) => [f, readFileSync(f)] as const);
      execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
      const report = await importPaths([CT3], { db, homeDir: mountPoint, pool });
      expect(report).toMatchObject({ imported: 0, duplicates: 0, skipped: 3 });
      expect(report.files.map((f) => f.file.split('/').pop()).sort()).toEqual(['01.dcm', '02.dcm', '03.dcm']);
      for (const f of report.files) expect(f.reason).toMatch(/the library is read-only \(EROFS\)/);
      expect(count(db, 'instances')).toBe(1);
      expect(libraryFiles(mountPoint)).toEqual(before.map(([f]) => f));
      for (const [f, bytes] of before) expect(readFileSync(f).equals(bytes)).toBe(true);
      // A file already in the library is still found as a duplicate: reading needs no write.
      expect(await importPaths([HIGHDICOM_CT], { db, homeDir: mountPoint, pool })).toMatchObject({ duplicates: 1, skipped: 0 });
      db.close();
    } finally {
      unmount(mountPoint);
    }
  });
});

describe('an interrupted import', () => {
  it('leaves unflushed copies that the next start sweeps away once stale', async () => {
    const { sweepStaleTemporaries } = await import('./storeFile');
    const { utimesSync } = await import('node:fs');
    const home = tmp('lng-sweep-');
    mkdirSync(join(home, 'library', 'ab'), { recursive: true });
    const stale = join(home, 'library', 'ab', 'abcd.dcm.123.tmp');
    const fresh = join(home, 'library', 'ab', 'abce.dcm.456.tmp');
    writeFileSync(stale, 'partial');
    writeFileSync(fresh, 'another import is writing this');
    const twoHoursAgo = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    expect(sweepStaleTemporaries(home)).toBe(1);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });
});
