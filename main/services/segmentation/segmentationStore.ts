/**
 * Masks on a series' own grid: gzip files in the library (flushed before their row is
 * written), rows in the registry with the volume and HU statistics, every change audited
 * and announced (`onSegmentationsChanged`) after commit. An AI mask that is edited keeps
 * the model's original file beside the edited one. The segmentation domain's store: the
 * only writer of `segmentations`.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ApiError } from '../../../core/api/errors';
import type { Segmentation, VolumeGeometry } from '../../../core/api/types';

export type { Segmentation } from '../../../core/api/types';
import { maskHuStats, maskVolumeMl, maskVoxelCount } from '../../../core/segmentation';
import { assertSeriesOpen } from '../lesions/signoffStore';
import type { Db } from '../registry/db';
import { flushToDisk, makeDirectory } from '../library/storeFile';
import { audit } from '../audit/auditLog';
import { LesionInputError, LesionNotFoundError, liveRowsWhere } from '../lesions/lesionStore';
import { changed, transaction } from '../registry/changes';

/** Audit a mask change and announce it for the series' patient (after commit). */
function recordChange(db: Db, id: number, action: 'create' | 'update' | 'delete', before: Segmentation | null, after: Segmentation | null): void {
  audit(db, 'segmentation', id, action, before, after);
  segmentationsChanged(db, (after ?? before)!.seriesId);
}

function segmentationsChanged(db: Db, seriesId: number): void {
  const r = db.prepare('SELECT st.patient_id AS p FROM series se JOIN studies st ON st.id = se.study_id WHERE se.id = ?').get(seriesId) as { p: number } | undefined;
  if (r) changed(db, 'onSegmentationsChanged', { patientRowId: r.p, seriesId });
}

interface SegRow {
  id: number;
  series_id: number;
  lesion_id: number | null;
  structure: string;
  path: string;
  voxel_count: number;
  volume_ml: number;
  hu_mean: number | null;
  hu_sd: number | null;
  hu_min: number | null;
  hu_max: number | null;
  source: string;
  original_path: string | null;
  created_at: string;
  updated_at: string;
}

function toSegmentation(r: SegRow): Segmentation {
  return {
    id: r.id,
    seriesId: r.series_id,
    lesionId: r.lesion_id,
    structure: r.structure as Segmentation['structure'],
    voxelCount: r.voxel_count,
    volumeMl: r.volume_ml,
    hu: r.hu_mean === null ? null : { meanHu: r.hu_mean, sdHu: r.hu_sd!, minHu: r.hu_min!, maxHu: r.hu_max!, voxelCount: r.voxel_count },
    source: r.source as Segmentation['source'],
    hasOriginal: r.original_path !== null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const now = () => new Date().toISOString();

/**
 * A mask that could not be written into the library (a full disk, a read-only library): the
 * message names the file and the reason; nothing of it was kept and what was saved before is
 * unchanged. Kind `unavailable`: the workstation's disk, not the call, is at fault.
 */
export class MaskWriteError extends ApiError {
  constructor(
    message: string,
    /** The system's error code (ENOSPC, EROFS, SQLITE_FULL, …). */
    readonly code: string | undefined,
  ) {
    super('unavailable', message);
  }
}

/** Why writing into the library failed, in words a reader understands ("disk full (ENOSPC)"). */
export function writeFailureReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'SQLITE_FULL':
      return `disk full (${code})`;
    case 'EDQUOT':
      return 'disk quota exceeded (EDQUOT)';
    case 'EROFS':
      return 'the library is read-only (EROFS)';
    case 'SQLITE_READONLY':
      return 'the registry is read-only (SQLITE_READONLY)';
    case 'EACCES':
    case 'EPERM':
      return `no permission to write in the library (${code})`;
    case 'EIO':
      return 'input/output error on the library disk (EIO)';
    default:
      if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) return `input/output error writing the registry (${code})`;
      return typeof code === 'string' ? `${code}: ${(err as Error).message}` : err instanceof Error ? err.message : String(err);
  }
}

const NOTHING_SAVED = 'nothing was saved; the masks saved before are unchanged';

function maskFileError(homeDir: string, rels: string[], err: unknown): MaskWriteError {
  const what = rels.length === 1 ? `the mask file ${rels[0]}` : `${rels.length} mask files (${rels[0]}, …)`;
  return new MaskWriteError(`could not write ${what} in the library ${homeDir}: ${writeFailureReason(err)}; ${NOTHING_SAVED}`, (err as { code?: string }).code);
}

/** A registry write that failed because of its disk becomes a MaskWriteError; anything else is passed on. */
function registryWriteError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof ApiError || typeof code !== 'string' || !/^SQLITE_(FULL|READONLY|IOERR)/.test(code)) return err;
  return new MaskWriteError(`could not record the mask in the registry: ${writeFailureReason(err)}; ${NOTHING_SAVED}`, code);
}

/** Remove files that must not stay (temporaries, a file no row refers to); a failure here must not hide the first one. */
async function removeQuietly(paths: string[]): Promise<void> {
  await Promise.all(paths.map((f) => fsp.rm(f, { force: true }).catch(() => undefined)));
}

/**
 * Write a mask file durably (temporary name, fsync, rename); returns its path relative to home.
 * On any failure (a full disk, a read-only library) the temporary is removed and a
 * MaskWriteError names the file and the reason.
 */
export async function writeMaskFile(homeDir: string, seriesUid: string, mask: Uint8Array, gzipLevel = 6): Promise<string> {
  const rel = `masks/${seriesUid}/${Date.now()}-${randomBytes(6).toString('hex')}.u8.gz`;
  const abs = join(homeDir, rel);
  const tmp = `${abs}.tmp`;
  const payload = gzipSync(mask, { level: gzipLevel });
  try {
    makeDirectory(dirname(abs));
    const fh = await fsp.open(tmp, 'wx');
    try {
      await fh.writeFile(payload);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, abs);
  } catch (err) {
    await removeQuietly([tmp, abs]);
    throw maskFileError(homeDir, [rel], err);
  }
  return rel;
}

/**
 * Several mask files at once (a model run's proposals): written under temporary names, made
 * durable with one flush of the file system, then renamed. `suffix` names the payload's form
 * (default `.u8.gz`, a gzip of the Uint8Array). Returns their relative paths. All or none:
 * on a failure every one of them is removed and a MaskWriteError says why.
 */
export async function writeMaskFiles(homeDir: string, seriesUid: string, masks: Uint8Array[], gzipLevel = 6, suffix = '.u8.gz'): Promise<string[]> {
  const rels = masks.map(() => `masks/${seriesUid}/${Date.now()}-${randomBytes(6).toString('hex')}${suffix}`);
  const tmps = rels.map((r) => `${join(homeDir, r)}.tmp`);
  try {
    if (masks.length) makeDirectory(dirname(tmps[0]));
    for (let i = 0; i < masks.length; i++) await fsp.writeFile(tmps[i], gzipSync(masks[i], { level: gzipLevel }), { flag: 'wx' });
    await flushToDisk(homeDir, tmps);
    for (let i = 0; i < masks.length; i++) await fsp.rename(tmps[i], join(homeDir, rels[i]));
  } catch (err) {
    await removeQuietly([...tmps, ...rels.map((r) => join(homeDir, r))]);
    throw maskFileError(homeDir, rels, err);
  }
  return rels;
}

export function getSegmentation(db: Db, id: number): Segmentation {
  const r = db.prepare('SELECT * FROM segmentations WHERE id = ? AND deleted_at IS NULL').get(id) as SegRow | undefined;
  if (!r) throw new LesionNotFoundError(`segmentation ${id} does not exist`);
  return toSegmentation(r);
}

export function listSegmentations(db: Db, filter: { seriesId?: number; lesionId?: number }): Segmentation[] {
  const { where, args } = liveRowsWhere(filter);
  return (db.prepare(`SELECT * FROM segmentations WHERE ${where} ORDER BY id`).all(...args) as SegRow[]).map(toSegmentation);
}

export function readMask(db: Db, homeDir: string, id: number, which: 'current' | 'original' = 'current'): Uint8Array {
  const r = db.prepare('SELECT path, original_path FROM segmentations WHERE id = ? AND deleted_at IS NULL').get(id) as { path: string; original_path: string | null } | undefined;
  if (!r) throw new LesionNotFoundError(`segmentation ${id} does not exist`);
  const rel = which === 'original' ? r.original_path : r.path;
  if (!rel) throw new LesionNotFoundError(`segmentation ${id} has no original (it was not edited from a model result)`);
  return new Uint8Array(gunzipSync(readFileSync(join(homeDir, rel))));
}

export interface MaskInput {
  seriesId: number;
  seriesUid: string;
  geometry: VolumeGeometry;
  voxels: Int16Array;
  mask: Uint8Array;
}

function numbers(input: MaskInput) {
  const n = input.geometry.dims[0] * input.geometry.dims[1] * input.geometry.dims[2];
  if (input.mask.length !== n) throw new LesionInputError(`the mask has ${input.mask.length} voxels, the series grid ${n}`);
  const voxelCount = maskVoxelCount(input.mask);
  return { voxelCount, volumeMl: maskVolumeMl(input.mask, input.geometry), hu: voxelCount ? maskHuStats(input.voxels, input.mask) : null };
}

export type NewSegmentation = MaskInput & { lesionId: number | null; structure: Segmentation['structure']; source?: Segmentation['source'] };

/**
 * The registry row of a mask file already written with writeMaskFile (synchronous, so a
 * caller can make it part of a larger transaction).
 */
export function insertSegmentationRow(db: Db, input: NewSegmentation, rel: string): Segmentation {
  if (input.structure === 'lesion' && input.lesionId === null) throw new LesionInputError('a lesion mask needs its lesion');
  const n = numbers(input);
  return transaction(db, () => {
    assertSeriesOpen(db, input.seriesId, `save a ${input.structure} mask`);
    if (input.lesionId !== null && !db.prepare('SELECT 1 FROM lesions WHERE id = ? AND deleted_at IS NULL').get(input.lesionId)) {
      throw new LesionNotFoundError(`lesion ${input.lesionId} does not exist`);
    }
    const t = now();
    const id = Number(
      db
        .prepare(
          `INSERT INTO segmentations (series_id, lesion_id, structure, path, voxel_count, volume_ml, hu_mean, hu_sd, hu_min, hu_max, source, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(input.seriesId, input.lesionId, input.structure, rel, n.voxelCount, n.volumeMl, n.hu?.meanHu ?? null, n.hu?.sdHu ?? null, n.hu?.minHu ?? null, n.hu?.maxHu ?? null, input.source ?? 'manual', t, t)
        .lastInsertRowid,
    );
    const created = getSegmentation(db, id);
    recordChange(db, id, 'create', null, created);
    return created;
  });
}

export async function saveSegmentation(db: Db, homeDir: string, input: NewSegmentation): Promise<Segmentation> {
  if (input.structure === 'lesion' && input.lesionId === null) throw new LesionInputError('a lesion mask needs its lesion');
  numbers(input);
  const rel = await writeMaskFile(homeDir, input.seriesUid, input.mask);
  try {
    return insertSegmentationRow(db, input, rel);
  } catch (err) {
    // No row refers to the file: it must not stay.
    await removeQuietly([join(homeDir, rel)]);
    throw registryWriteError(err);
  }
}

/** Replace a mask by an edited one; a model's first mask is kept as the original. */
export async function updateSegmentationMask(db: Db, homeDir: string, id: number, input: MaskInput): Promise<Segmentation> {
  const before = getSegmentation(db, id);
  const row = db.prepare('SELECT path, original_path, source FROM segmentations WHERE id = ?').get(id) as { path: string; original_path: string | null; source: string };
  const n = numbers(input);
  // The new file first: a failure here leaves the row and the file it points to as they were.
  const rel = await writeMaskFile(homeDir, input.seriesUid, input.mask);
  const keepOriginal = row.source === 'ai' && row.original_path === null;
  let after: Segmentation;
  try {
    after = transaction(db, () => {
      assertSeriesOpen(db, before.seriesId, `edit mask ${id}`);
      db.prepare(
        'UPDATE segmentations SET path = ?, original_path = ?, voxel_count = ?, volume_ml = ?, hu_mean = ?, hu_sd = ?, hu_min = ?, hu_max = ?, updated_at = ? WHERE id = ?',
      ).run(rel, keepOriginal ? row.path : row.original_path, n.voxelCount, n.volumeMl, n.hu?.meanHu ?? null, n.hu?.sdHu ?? null, n.hu?.minHu ?? null, n.hu?.maxHu ?? null, now(), id);
      const updated = getSegmentation(db, id);
      recordChange(db, id, 'update', before, updated);
      return updated;
    });
  } catch (err) {
    await removeQuietly([join(homeDir, rel)]);
    throw registryWriteError(err);
  }
  // Committed: the superseded edit (never the model's original) is no longer referenced. Its
  // removal is best effort; the new file, which the row now points to, is never touched.
  if (!keepOriginal) await removeQuietly([join(homeDir, row.path)]);
  return after;
}

export function deleteSegmentation(db: Db, id: number): void {
  transaction(db, () => {
    const before = getSegmentation(db, id);
    assertSeriesOpen(db, before.seriesId, `delete mask ${id}`);
    db.prepare('UPDATE segmentations SET deleted_at = ? WHERE id = ?').run(now(), id);
    recordChange(db, id, 'delete', before, null);
  });
}

// ---- changes other domains ask for (follow-up linking) ----

/** The live lesion masks of a lesion on the given series. */
export function segmentationIdsOn(db: Db, lesionId: number, seriesIds: readonly number[]): number[] {
  if (!seriesIds.length) return [];
  const rows = db.prepare(`SELECT id FROM segmentations WHERE lesion_id = ? AND series_id IN (${seriesIds.map(() => '?').join(',')}) AND deleted_at IS NULL`).all(lesionId, ...seriesIds) as { id: number }[];
  return rows.map((r) => r.id);
}

/** Move masks to another lesion (a follow-up finding continues a baseline identity, or that is undone). */
export function reassignSegmentations(db: Db, segmentationIds: readonly number[], toLesionId: number): void {
  transaction(db, () => {
    const update = db.prepare('UPDATE segmentations SET lesion_id = ? WHERE id = ?');
    const series = new Set<number>();
    for (const id of segmentationIds) {
      const r = db.prepare('SELECT series_id AS s FROM segmentations WHERE id = ?').get(id) as { s: number } | undefined;
      if (!r) throw new LesionNotFoundError(`segmentation ${id} does not exist`);
      update.run(toLesionId, id);
      series.add(r.s);
    }
    for (const s of series) segmentationsChanged(db, s);
  });
}

/** The newest live liver mask of a series, if any (registration restricts its metric to the organ). */
export function liverSegmentationOf(db: Db, seriesId: number): number | null {
  const r = db.prepare("SELECT id FROM segmentations WHERE series_id = ? AND structure = 'liver' AND deleted_at IS NULL ORDER BY updated_at DESC LIMIT 1").get(seriesId) as { id: number } | undefined;
  return r?.id ?? null;
}
