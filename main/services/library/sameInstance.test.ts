/**
 * The same SOP instance in another transfer syntax is a duplicate, not a conflict: real GE CT
 * slices (dcmqi) re-encoded with dcmtk at test time; a changed image with the same UID stays
 * a conflict.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DicomHeader } from '../dicom/header';
import { openRegistry, type Db } from '../registry/db';
import { WorkerPool } from '../workers/pool';
import { importPaths } from './importer';
import { collisionOutcome, comparePixels, headerDifferences, lossyBlockTolerance, type SameSopVerdict } from './sameInstance';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CT3 = join(ROOT, '..', 'shared', 'data', 'dcmqi', 'ct-3slice');
const SOP_01 = '1.2.392.200103.20080913.113635.2.2009.6.22.21.43.10.23431.1';
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const tmpDirs: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

describe('same SOP instance: pure parts', () => {
  const plane = { positionMm: [0, 0, 0] as [number, number, number], orientation: [1, 0, 0, 0, 1, 0] as [number, number, number, number, number, number], pixelSpacingMm: [0.8, 0.8] as [number, number], rows: 4, columns: 4, rescaleSlope: 1, rescaleIntercept: -1024 };
  const header = (over: Partial<DicomHeader> = {}): DicomHeader =>
    ({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4', frameOfReferenceUid: '1.2.3.5', patientId: 'P1', rows: 4, columns: 4, numberOfFrames: 1, bitsAllocated: 16, bitsStored: 16, hasPixelData: true, frames: [plane], ...over }) as DicomHeader;

  it('header: bits count only between lossless encodings; a moved slice or another series is named', () => {
    expect(headerDifferences(header(), header({ bitsAllocated: 8, bitsStored: 8 }), { lossy: true })).toEqual([]);
    expect(headerDifferences(header(), header({ bitsStored: 12 }), { lossy: false })).toEqual(['Bits Stored 12 vs 16']);
    const moved = header({ frames: [{ ...plane, positionMm: [0, 0, 1] }] });
    expect(headerDifferences(header(), moved, { lossy: false })).toEqual(['Image Position (Patient) 0\\0\\1 vs 0\\0\\0']);
    expect(headerDifferences(header(), header({ seriesInstanceUid: '9.9' }), { lossy: false })).toEqual(['Series Instance UID 9.9 vs 1.2.3.4']);
  });

  it('pixels: exact count and largest 8×8 block-mean difference', () => {
    const a = new Int16Array(16 * 8);
    const b = a.slice();
    b[0] = 80; // one pixel of the first block: mean +1.25
    b[8] = -8; // one pixel of the second block: mean −0.125
    expect(comparePixels([a], [b], 8, 16)).toEqual({ differing: 2, total: 128, maxDiffHu: 80, maxBlockDiffHu: 1.25 });
    expect(lossyBlockTolerance([32.1216])).toBeCloseTo(68.24, 2);
    expect(lossyBlockTolerance([])).toBe(6);
  });

  it('report lines name both encodings and what was kept', () => {
    const side = (transferSyntaxUid: string, lossy = false) => ({ transferSyntaxUid, lossy });
    const same: SameSopVerdict = { kind: 'same-pixels', incoming: side('1.2.840.10008.1.2.4.70'), stored: side('1.2.840.10008.1.2.1') };
    expect(collisionOutcome('1.2.3', { where: 'library' }, same)).toEqual({
      outcome: 'duplicate',
      reason:
        'duplicate of 1.2.3 already in the library, in another encoding (JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1) vs Explicit VR Little Endian): same pixels; kept the one already stored',
    });
    const lossy: SameSopVerdict = { kind: 'lossy', incoming: side('1.2.840.10008.1.2.4.50', true), stored: side('1.2.840.10008.1.2'), maxDiffHu: 597, maxBlockDiffHu: 34 };
    expect(collisionOutcome('1.2.3', { where: 'batch', label: 'a.dcm' }, lossy).reason).toBe(
      'same instance 1.2.3 earlier in this import (a.dcm), lossy re-encoding (JPEG Baseline (Process 1) vs Implicit VR Little Endian; pixels differ by up to 597 HU, 8×8 block means by up to 34.0 HU) — kept the original',
    );
    expect(collisionOutcome('1.2.3', { where: 'library' }, { kind: 'different', what: 'Rows×Columns 256×256 vs 512×512' })).toEqual({
      outcome: 'skipped',
      reason: 'a different file with SOP Instance UID 1.2.3 is already in the library: Rows×Columns 256×256 vs 512×512; not imported',
    });
  });
});

// --- Real data, re-encoded by dcmtk ---------------------------------------------------------

const hasDcmtk = ['dcmconv', 'dcmcrle', 'dcmcjpeg', 'dcmodify'].every((tool) => spawnSync(tool, ['--version']).status === 0);
if (!hasDcmtk) console.warn('sameInstance.test.ts: dcmtk (dcmconv, dcmcrle, dcmcjpeg, dcmodify) is not installed — skipping the re-encoding tests on real data: apt-get install dcmtk');

function dcmtk(tool: string, ...args: string[]): void {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr}`);
}

describe.skipIf(!hasDcmtk)(`same SOP instance in another transfer syntax (real GE CT, re-encoded with dcmtk)${hasDcmtk ? '' : ' — SKIPPED: dcmtk not installed'}`, () => {
  let pool: WorkerPool;
  let src: string;
  const f = (name: string) => join(src, name);

  beforeAll(() => {
    pool = new WorkerPool(2);
    src = tmp('lng-reenc-');
    // The original is Implicit VR Little Endian; the base here is its Explicit VR copy.
    dcmtk('dcmconv', '+te', join(CT3, '01.dcm'), f('explicit.dcm'));
    dcmtk('dcmconv', '+ti', f('explicit.dcm'), f('implicit.dcm'));
    dcmtk('dcmcrle', f('explicit.dcm'), f('rle.dcm'));
    dcmtk('dcmcjpeg', '+e1', f('explicit.dcm'), f('jpeg-sv1.dcm'));
    dcmtk('dcmcjpeg', '+el', f('explicit.dcm'), f('jpeg-p14.dcm'));
    // Lossy, keeping the SOP Instance UID (dcmcjpeg assigns a new one by default).
    dcmtk('dcmcjpeg', '+eb', '+un', f('explicit.dcm'), f('baseline.dcm'));
    dcmtk('dcmcjpeg', '+ee', '+un', f('explicit.dcm'), f('extended.dcm'));
    // Conflicts: one pixel changed; the slice moved; the next slice (1 mm away) under this UID, lossy.
    const bytes = readFileSync(f('explicit.dcm'));
    bytes[bytes.length - 2 * (256 * 512 + 256)] ^= 0x10; // a pixel in the middle of the image
    writeFileSync(f('changed-pixel.dcm'), bytes);
    copyFileSync(f('explicit.dcm'), f('moved.dcm'));
    dcmtk('dcmodify', '-nb', '-m', '(0020,0032)=-235.199997\\-226.800003\\-130', f('moved.dcm'));
    copyFileSync(join(CT3, '02.dcm'), f('next-slice.dcm'));
    dcmtk('dcmodify', '-nb', '-m', `(0008,0018)=${SOP_01}`, '-m', '(0020,0032)=-235.199997\\-226.800003\\-126.690002', f('next-slice.dcm'));
    dcmtk('dcmcjpeg', '+eb', '+un', f('next-slice.dcm'), f('next-slice-baseline.dcm')); // dcmodify updated the meta group's UID too
  });
  afterAll(async () => {
    await pool.close();
  });

  function library(): { home: string; db: Db } {
    const home = tmp('lng-home-');
    return { home, db: openRegistry(join(home, 'registry.sqlite')) };
  }
  function libraryFiles(home: string): string[] {
    const root = join(home, 'library');
    if (!existsSync(root)) return [];
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  }
  const instances = (db: Db) => (db.prepare('SELECT sha256, transfer_syntax_uid AS ts FROM instances').all() as { sha256: string; ts: string }[]);
  function folder(...names: string[]): string {
    const dir = tmp('lng-in-');
    for (const n of names) copyFileSync(f(n), join(dir, n));
    return dir;
  }

  it('implicit VR, RLE and both JPEG lossless copies import as duplicates naming both encodings; one instance, one file', async () => {
    const { home, db } = library();
    expect(await importPaths([f('explicit.dcm')], { db, homeDir: home, pool })).toMatchObject({ imported: 1 });
    const before = { rows: instances(db), files: libraryFiles(home) };
    const report = await importPaths([folder('implicit.dcm', 'rle.dcm', 'jpeg-sv1.dcm', 'jpeg-p14.dcm')], { db, homeDir: home, pool });
    expect(report).toMatchObject({ imported: 0, duplicates: 4, skipped: 0 });
    const reasons = Object.fromEntries(report.files.map((r) => [r.file.split('/').pop(), r.reason]));
    const expected = (ts: string) => `duplicate of ${SOP_01} already in the library, in another encoding (${ts} vs Explicit VR Little Endian): same pixels; kept the one already stored`;
    expect(reasons).toEqual({
      'implicit.dcm': expected('Implicit VR Little Endian'),
      'rle.dcm': expected('RLE Lossless'),
      'jpeg-sv1.dcm': expected('JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)'),
      'jpeg-p14.dcm': expected('JPEG Lossless, Non-Hierarchical (Process 14)'),
    });
    expect(report.files.every((r) => r.outcome === 'duplicate' && r.seriesInstanceUid)).toBe(true);
    expect(report.series).toHaveLength(1); // the series they belong to is still reported
    // Nothing of the duplicates was copied: the library holds the one file it had, no temporaries.
    expect({ rows: instances(db), files: libraryFiles(home) }).toEqual(before);
    expect(before.files).toHaveLength(1);
    db.close();
  });

  it('two encodings in one import: the first is imported, the second is its duplicate', async () => {
    const { home, db } = library();
    const dir = folder('explicit.dcm', 'rle.dcm');
    const report = await importPaths([join(dir, 'explicit.dcm'), join(dir, 'rle.dcm')], { db, homeDir: home, pool });
    expect(report).toMatchObject({ imported: 1, duplicates: 1, skipped: 0 });
    expect(report.files[1].reason).toBe(
      `duplicate of ${SOP_01} earlier in this import (${join(dir, 'explicit.dcm')}), in another encoding (RLE Lossless vs Explicit VR Little Endian): same pixels; kept the first`,
    );
    expect(instances(db)).toEqual([expect.objectContaining({ ts: '1.2.840.10008.1.2.1' })]);
    expect(libraryFiles(home)).toHaveLength(1);
    db.close();
  });

  it('a lossy JPEG re-encoding is the same instance, reported as lossy; the original is kept', async () => {
    const { home, db } = library();
    await importPaths([f('explicit.dcm')], { db, homeDir: home, pool });
    const report = await importPaths([folder('baseline.dcm', 'extended.dcm')], { db, homeDir: home, pool });
    expect(report).toMatchObject({ imported: 0, duplicates: 2, skipped: 0 });
    const [baseline, extended] = report.files;
    expect(baseline.reason).toMatch(
      new RegExp(`^same instance ${esc(SOP_01)} already in the library, lossy re-encoding \\(JPEG Baseline \\(Process 1\\) vs Explicit VR Little Endian; pixels differ by up to \\d+ HU, 8×8 block means by up to [\\d.]+ HU\\) — kept the original$`),
    );
    expect(extended.reason).toMatch(/^same instance .*, lossy re-encoding \(JPEG Extended \(Process 2 & 4\) vs Explicit VR Little Endian; .*\) — kept the original$/);
    expect(instances(db)).toEqual([expect.objectContaining({ ts: '1.2.840.10008.1.2.1' })]);
    expect(libraryFiles(home)).toHaveLength(1);
    db.close();
  });

  it('a lossless file whose lossy copy is already stored: the same instance, the stored copy kept and named lossy', async () => {
    const { home, db } = library();
    await importPaths([f('baseline.dcm')], { db, homeDir: home, pool });
    const report = await importPaths([f('explicit.dcm')], { db, homeDir: home, pool });
    expect(report).toMatchObject({ imported: 0, duplicates: 1, skipped: 0 });
    expect(report.files[0].reason).toMatch(/which is a lossy re-encoding of this file \(JPEG Baseline \(Process 1\) vs Explicit VR Little Endian; .*\) — kept the one already stored; the lossless original was not imported$/);
    expect(libraryFiles(home)).toHaveLength(1);
    db.close();
  });

  it('the same UID on a different image stays a conflict, saying what differs, and leaves no file', async () => {
    const { home, db } = library();
    await importPaths([f('explicit.dcm')], { db, homeDir: home, pool });
    const report = await importPaths([folder('changed-pixel.dcm', 'moved.dcm', 'next-slice-baseline.dcm')], { db, homeDir: home, pool });
    expect(report).toMatchObject({ imported: 0, duplicates: 0, skipped: 3 });
    const reasons = Object.fromEntries(report.files.map((r) => [r.file.split('/').pop(), r.reason]));
    const conflict = `^a different file with SOP Instance UID ${esc(SOP_01)} is already in the library: `;
    expect(reasons['changed-pixel.dcm']).toMatch(new RegExp(`${conflict}pixel values differ \\(1 of 262144 pixels differ, by up to \\d+ HU\\) although both encodings are lossless; not imported$`));
    expect(reasons['moved.dcm']).toMatch(new RegExp(`${conflict}Image Position \\(Patient\\) -235\\.2\\\\-226\\.8\\\\-130 vs -235\\.2\\\\-226\\.8\\\\-126\\.69; not imported$`));
    expect(reasons['next-slice-baseline.dcm']).toMatch(new RegExp(`${conflict}pixel values differ beyond the error of lossy compression \\(8×8 block means differ by up to [\\d.]+ HU, more than 68\\.2 HU; .*\\); not imported$`));
    expect(instances(db)).toHaveLength(1);
    expect(libraryFiles(home)).toHaveLength(1);
    db.close();
  });

  it('exit codes unchanged: duplicates in another encoding exit 0; beside a conflict, exit 1 (CLI)', () => {
    const home = join(tmp('lng-cli-'), 'lib');
    const longitude = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'main', 'cli.ts'), ...args, '--json', '--home', home], { encoding: 'utf8', cwd: ROOT });
    expect(longitude('import', f('explicit.dcm')).status).toBe(0);
    const dup = longitude('import', folder('rle.dcm', 'baseline.dcm'));
    expect(JSON.parse(dup.stdout)).toMatchObject({ imported: 0, duplicates: 2, skipped: 0 });
    expect(dup.status).toBe(0);
    const mixed = longitude('import', folder('jpeg-sv1.dcm', 'changed-pixel.dcm'));
    expect(JSON.parse(mixed.stdout)).toMatchObject({ imported: 0, duplicates: 1, skipped: 1 });
    expect(mixed.status).toBe(1);
  });
});
