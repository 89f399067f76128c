/**
 * `longitude verify`: is every file the registry points at still there and unchanged?
 * - DICOM instances are content-addressed (library/<sha[0..2]>/<sha>.dcm, instances.sha256
 *   and size_bytes): each is re-hashed (SHA-256) and compared; missing and altered files are
 *   listed.
 * - Mask files (segmentations.path and original_path, ai_proposals.mask_path) have no hash in
 *   the registry; they are gzip files, whose CRC-32 and length gunzip checks, so a missing,
 *   truncated or altered mask is found all the same.
 * - The registry itself: PRAGMA integrity_check.
 * Reads only; nothing is changed.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkIntegrity, type Db } from './db';

export interface VerifyProblem {
  table: 'instances' | 'segmentations' | 'ai_proposals';
  rowId: number;
  /** Relative to the library home. */
  path: string;
  problem: 'missing' | 'altered' | 'unreadable';
  detail: string;
}

export interface VerifyReport {
  home: string;
  registry: { check: string[]; schemaVersion: number };
  instances: { files: number; bytes: number; missing: number; altered: number };
  masks: { files: number; missing: number; unreadable: number };
  problems: VerifyProblem[];
  /** Nothing missing or altered and the registry's integrity check is ok. */
  ok: boolean;
  durationMs: number;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Run `fn` over `items`, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

export interface VerifyOptions {
  /** Files hashed at once (default 4). */
  concurrency?: number;
  /** Called as files are checked. */
  onProgress?: (done: number, total: number) => void;
  /** Skip the registry's integrity check (already done by the caller). */
  registryCheck?: string[];
}

export async function verifyLibrary(db: Db, homeDir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const t0 = performance.now();
  const check = opts.registryCheck ?? checkIntegrity(db, 'full');
  const schemaVersion = db.pragma('user_version', { simple: true }) as number;
  const problems: VerifyProblem[] = [];

  // One check per file: several rows may name the same file.
  const instances = new Map<string, { id: number; sha256: string; size: number }>();
  for (const r of db.prepare('SELECT id, path, sha256, size_bytes AS size FROM instances ORDER BY id').iterate() as Iterable<{ id: number; path: string; sha256: string; size: number }>) {
    if (!instances.has(r.path)) instances.set(r.path, { id: r.id, sha256: r.sha256, size: r.size });
  }
  const masks = new Map<string, { table: VerifyProblem['table']; id: number }>();
  const addMask = (table: VerifyProblem['table'], id: number, path: string | null) => {
    if (path && !masks.has(path)) masks.set(path, { table, id });
  };
  if (hasTable(db, 'segmentations')) {
    for (const r of db.prepare('SELECT id, path, original_path FROM segmentations ORDER BY id').all() as { id: number; path: string; original_path: string | null }[]) {
      addMask('segmentations', r.id, r.path);
      addMask('segmentations', r.id, r.original_path);
    }
  }
  if (hasTable(db, 'ai_proposals')) {
    for (const r of db.prepare('SELECT id, mask_path FROM ai_proposals ORDER BY id').all() as { id: number; mask_path: string }[]) addMask('ai_proposals', r.id, r.mask_path);
  }

  const total = instances.size + masks.size;
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);
  let bytes = 0;
  await eachLimited([...instances], opts.concurrency ?? 4, async ([path, row]) => {
    const abs = join(homeDir, path);
    const st = await fsp.stat(abs).catch((e: NodeJS.ErrnoException) => e);
    if (st instanceof Error) {
      problems.push({ table: 'instances', rowId: row.id, path, problem: st.code === 'ENOENT' ? 'missing' : 'unreadable', detail: st.code ?? st.message });
    } else if (st.size !== row.size) {
      problems.push({ table: 'instances', rowId: row.id, path, problem: 'altered', detail: `${st.size} bytes, the registry says ${row.size}` });
    } else {
      try {
        const sha = await sha256File(abs);
        bytes += st.size;
        if (sha !== row.sha256) problems.push({ table: 'instances', rowId: row.id, path, problem: 'altered', detail: `SHA-256 ${sha}, the registry says ${row.sha256}` });
      } catch (err) {
        problems.push({ table: 'instances', rowId: row.id, path, problem: 'unreadable', detail: (err as NodeJS.ErrnoException).code ?? String(err) });
      }
    }
    tick();
  });
  await eachLimited([...masks], opts.concurrency ?? 4, async ([path, row]) => {
    try {
      gunzipSync(await fsp.readFile(join(homeDir, path)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({
        table: row.table,
        rowId: row.id,
        path,
        problem: code === 'ENOENT' ? 'missing' : 'altered',
        detail: code === 'ENOENT' ? 'ENOENT' : `not an intact gzip file (${(err as Error).message})`,
      });
    }
    tick();
  });

  problems.sort((a, b) => a.table.localeCompare(b.table) || a.rowId - b.rowId || a.path.localeCompare(b.path));
  const count = (table: 'instances' | 'masks', p: VerifyProblem['problem']) => problems.filter((x) => (table === 'instances') === (x.table === 'instances') && x.problem === p).length;
  return {
    home: homeDir,
    registry: { check, schemaVersion },
    instances: { files: instances.size, bytes, missing: count('instances', 'missing'), altered: count('instances', 'altered') + count('instances', 'unreadable') },
    masks: { files: masks.size, missing: count('masks', 'missing'), unreadable: count('masks', 'altered') + count('masks', 'unreadable') },
    problems,
    ok: problems.length === 0 && check.length === 1 && check[0] === 'ok',
    durationMs: Math.round(performance.now() - t0),
  };
}
