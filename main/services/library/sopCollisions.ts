/**
 * Before anything is registered: find the files whose SOP Instance UID is already taken —
 * in the library or by an earlier file of the same import — by other bytes, and decide in
 * the worker pool whether each is the same image in another encoding (sameInstance.ts).
 * Files with a unique UID, or with the very bytes already stored, cost one registry lookup.
 */
import { join } from 'node:path';
import type { Db } from '../registry/db';
import type { WorkerPool } from '../workers/pool';
import { effectiveUids, findInstanceBySop } from './catalog';
import type { CollisionPlace, SameSopVerdict } from './sameInstance';
import type { StoreFileResult } from './storeFile';

export interface SopCollision {
  sop: string;
  /** The bytes the verdict was reached against: the registry must still hold them when registering. */
  referenceSha256: string;
  place: CollisionPlace;
  verdict: SameSopVerdict;
}

interface Reference {
  sha256: string;
  path: string;
  label: string;
  place: CollisionPlace;
}

/** The collisions among `read`, by index into it. */
export async function findSopCollisions(db: Db, homeDir: string, pool: WorkerPool, read: readonly StoreFileResult[]): Promise<Map<number, SopCollision>> {
  const out = new Map<number, SopCollision>();
  const firstInBatch = new Map<string, Reference>();
  // The same pair of files is compared once, however many copies the import holds.
  const byPair = new Map<string, Promise<SameSopVerdict>>();
  const jobs: Promise<void>[] = [];
  read.forEach((s, index) => {
    if (!s.ok) return;
    const sop = effectiveUids(s.header, s.sha256).sop;
    // Not yet committed: the copy still waits under its temporary name.
    const ownPath = s.pendingPath ?? join(homeDir, s.relPath);
    const existing = findInstanceBySop(db, sop);
    let ref: Reference | undefined;
    if (existing) ref = { sha256: existing.sha256, path: join(homeDir, existing.path), label: `${existing.path} (stored copy of ${sop})`, place: { where: 'library' } };
    else ref = firstInBatch.get(sop);
    if (!ref) {
      firstInBatch.set(sop, { sha256: s.sha256, path: ownPath, label: s.label, place: { where: 'batch', label: s.label } });
      return;
    }
    if (ref.sha256 === s.sha256) return; // the very same bytes: an ordinary duplicate
    const key = `${ref.sha256}:${s.sha256}`;
    let verdict = byPair.get(key);
    if (!verdict) {
      verdict = pool
        .run('compareSameSop', { stored: { path: ref.path, label: ref.label }, incoming: { path: ownPath, label: s.label } })
        .catch((err: Error): SameSopVerdict => ({ kind: 'different', what: `the two files could not be compared (${err.message})` }));
      byPair.set(key, verdict);
    }
    const { sha256: referenceSha256, place } = ref;
    jobs.push(verdict.then((v) => void out.set(index, { sop, referenceSha256, place, verdict: v })));
  });
  await Promise.all(jobs);
  return out;
}
