import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../../../core/api/types';
import { openMemoryRegistry } from '../registry/db';
import { auditTrail } from '../audit/auditLog';
import { createLesion } from '../lesions/lesionStore';
import { listSegmentations, readMask, saveSegmentation, updateSegmentationMask } from './segmentationStore';

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
