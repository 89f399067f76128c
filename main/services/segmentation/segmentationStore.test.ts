import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../../../core/api/types';
import { openMemoryRegistry } from '../registry/db';
import { auditTrail } from '../audit/auditLog';
import { createLesion } from '../lesions/lesionStore';
import { getSegmentation, listSegmentations, MaskWriteError, readMask, saveSegmentation, updateSegmentationMask, writeMaskFile, writeMaskFiles } from './segmentationStore';

const home = mkdtempSync(join(tmpdir(), 'lng-seg-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

// 4×4×2 voxels of 0.5 × 0.5 × 2 mm = 0.5 mm³ each.
const geometry: VolumeGeometry = { dims: [4, 4, 2], spacingMm: [0.5, 0.5, 2], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const voxels = Int16Array.from({ length: 32 }, (_, i) => i * 10);

function setup() {
  const db = openMemoryRegistry();
  db.exec(`INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'k', 'P', 'N');
           INSERT INTO studies (id, patient_id, study_uid) VALUES (1, 1, '1');
           INSERT INTO series (id, study_id, series_uid) VALUES (1, 1, '1.1');`);
  return db;
}

describe('segmentation store', () => {
  it('stores the mask file and its numbers; an edited model mask keeps the original', async () => {
    const db = setup();
    const lesion = createLesion(db, 1, {});
    const mask = new Uint8Array(32);
    mask.fill(1, 0, 6);
    const seg = await saveSegmentation(db, home, { seriesId: 1, seriesUid: '1.1', geometry, voxels, mask, lesionId: lesion.id, structure: 'lesion', source: 'ai' });
    expect(seg).toMatchObject({ voxelCount: 6, source: 'ai', hasOriginal: false });
    expect(seg.volumeMl).toBeCloseTo((6 * 0.5) / 1000, 12);
    expect(seg.hu).toMatchObject({ minHu: 0, maxHu: 50, meanHu: 25 });

    const edited = new Uint8Array(32);
    edited.fill(1, 0, 4);
    const after = await updateSegmentationMask(db, home, seg.id, { seriesId: 1, seriesUid: '1.1', geometry, voxels, mask: edited });
    expect(after).toMatchObject({ voxelCount: 4, hasOriginal: true });
    expect(readMask(db, home, seg.id)).toEqual(edited);
    expect(readMask(db, home, seg.id, 'original')).toEqual(mask);
    expect(auditTrail(db, 'segmentation', seg.id).map((e) => e.action)).toEqual(['create', 'update']);
    expect(listSegmentations(db, { lesionId: lesion.id })).toHaveLength(1);
  });

  it('refuses a mask on the wrong grid and leaves no file behind', async () => {
    const db = setup();
    const before = existsSync(join(home, 'masks', '1.1')) ? readdirSync(join(home, 'masks', '1.1')).length : 0;
    await expect(
      saveSegmentation(db, home, { seriesId: 1, seriesUid: '1.1', geometry, voxels, mask: new Uint8Array(31), lesionId: null, structure: 'liver' }),
    ).rejects.toThrow(/the mask has 31 voxels, the series grid 32/);
    await expect(
      saveSegmentation(db, home, { seriesId: 1, seriesUid: '1.1', geometry, voxels, mask: new Uint8Array(32), lesionId: 999, structure: 'lesion' }),
    ).rejects.toThrow(/lesion 999 does not exist/);
    const after = existsSync(join(home, 'masks', '1.1')) ? readdirSync(join(home, 'masks', '1.1')).length : 0;
    expect(after).toBe(before);
  });
});

/** Every file under a folder, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('a full disk and a read-only library', () => {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) console.warn('segmentationStore.test: skipping the full-disk and read-only tests: they mount a tmpfs, which needs root (chmod is no test for root)');

  // A grid of 100 × 100 × 60 voxels with a random 0/1 mask: its gzip (≈ 90 KB) cannot fit in
  // the 16 KB left free, so a write fails midway and leaves a partial temporary to clean up.
  const big: VolumeGeometry = { dims: [100, 100, 60], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const bigVoxels = new Int16Array(100 * 100 * 60).fill(40);
  function randomMask(seed: number): Uint8Array {
    let x = seed;
    return Uint8Array.from({ length: bigVoxels.length }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) & 1);
  }
  const input = (mask: Uint8Array) => ({ seriesId: 1, seriesUid: '1.1', geometry: big, voxels: bigVoxels, mask });

  it.skipIf(!isRoot)('mask save, edit and model-mask writes fail with the file and the reason, leave no temporary and keep what was saved', async () => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'lng-seg-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
    try {
      const db = setup();
      const lesion = createLesion(db, 1, {});
      // Saved before the disk fills: a lesion mask, and a model mask edited once (with its original).
      const first = randomMask(1);
      const saved = await saveSegmentation(db, mountPoint, { ...input(first), lesionId: lesion.id, structure: 'lesion' });
      const original = randomMask(2);
      const model = await saveSegmentation(db, mountPoint, { ...input(original), lesionId: null, structure: 'liver', source: 'ai' });
      const edit = randomMask(3);
      await updateSegmentationMask(db, mountPoint, model.id, input(edit));
      const rowsBefore = listSegmentations(db, {});
      const filesBefore = filesUnder(mountPoint);
      const bytesBefore = filesBefore.map((f) => readFileSync(join(mountPoint, f)));

      /** The same checks after every refused write. */
      const unchanged = () => {
        expect(listSegmentations(db, {})).toEqual(rowsBefore);
        const files = filesUnder(mountPoint).filter((f) => f !== 'filler');
        expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
        expect(files).toEqual(filesBefore);
        files.forEach((f, i) => expect(readFileSync(join(mountPoint, f)).equals(bytesBefore[i]), f).toBe(true));
        // Every row points at a whole file that reads back as what was saved.
        const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
        expect(same(readMask(db, mountPoint, saved.id), first)).toBe(true);
        expect(same(readMask(db, mountPoint, model.id), edit)).toBe(true);
        expect(same(readMask(db, mountPoint, model.id, 'original'), original)).toBe(true);
        expect(getSegmentation(db, model.id)).toEqual(rowsBefore.find((r) => r.id === model.id));
      };
      const refusedAll = async (reason: RegExp) => {
        const file = (name: string) => new RegExp(`^could not write ${name} in the library ${mountPoint}: ${reason.source}; nothing was saved; the masks saved before are unchanged$`);
        const one = file('the mask file masks/1\\.1/\\d+-[0-9a-f]{12}\\.u8\\.gz');
        // A new mask (saveSegmentation), an edit (updateSegmentationMask), an AI accept (writeMaskFile), a model run's proposals (writeMaskFiles).
        await expect(saveSegmentation(db, mountPoint, { ...input(randomMask(4)), lesionId: lesion.id, structure: 'lesion' })).rejects.toThrow(one);
        unchanged();
        await expect(updateSegmentationMask(db, mountPoint, model.id, input(randomMask(5)))).rejects.toThrow(one);
        unchanged();
        const err = await writeMaskFile(mountPoint, '1.1', randomMask(6)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MaskWriteError);
        expect(err).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(one) });
        unchanged();
        await expect(writeMaskFiles(mountPoint, '1.1', [randomMask(7), randomMask(8)])).rejects.toThrow(file('2 mask files \\(masks/1\\.1/\\d+-[0-9a-f]{12}\\.u8\\.gz, …\\)'));
        unchanged();
      };

      // Full disk: leave 16 KB free, less than one mask needs.
      const filler = join(mountPoint, 'filler');
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(4096, 0x55);
      try {
        const free = () => { const s = statfsSync(mountPoint); return s.bavail * s.bsize; };
        while (free() > 16 * 1024) writeSync(fd, chunk);
      } finally {
        closeSync(fd);
      }
      await refusedAll(/disk full \(ENOSPC\)/);

      // Read-only: the same library, remounted read-only (root ignores file modes; a mount does not).
      rmSync(filler);
      execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
      const saveErr = await saveSegmentation(db, mountPoint, { ...input(randomMask(9)), lesionId: lesion.id, structure: 'lesion' }).catch((e: unknown) => e);
      expect(saveErr).toMatchObject({ kind: 'unavailable', code: 'EROFS' });
      await refusedAll(/the library is read-only \(EROFS\)/);
      // A series with no mask folder yet: the folder cannot be made either, and the reason is
      // still EROFS (Node's recursive mkdir alone would say ENOENT).
      await expect(writeMaskFile(mountPoint, '1.2', randomMask(10))).rejects.toThrow(/^could not write the mask file masks\/1\.2\/.*: the library is read-only \(EROFS\);/);
      expect(existsSync(join(mountPoint, 'masks', '1.2'))).toBe(false);
      db.close();
    } finally {
      execFileSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});
