/**
 * Import: files → header parse + content-addressed copy (worker threads) → SOP Instance
 * UID collisions compared (worker threads) → group into patient/study/series → one
 * registry transaction → report.
 * Files are safely on disk before any row refers to them; if the transaction fails,
 * the files this import created are removed again, so nothing is half-imported. A file
 * whose SOP Instance UID is taken by other bytes is never moved into the library: it is
 * either the same image in another encoding (a duplicate) or a conflict (skipped).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, openSync, readSync, promises as fsp, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { ImportFileResult, ImportProgress, ImportReport } from '../../../core/api/types';
import { DicomReadError, readDicomHeader } from '../dicom/header';
import type { Db } from '../registry/db';
import { WorkerTaskError, type WorkerPool } from '../workers/pool';
import { commitStoredFiles, libraryWriteFailure, makeDirectory, type StoreFileResult } from './storeFile';
import { collisionOutcome } from './sameInstance';
import { findSopCollisions } from './sopCollisions';
import {
  effectiveUids,
  findInstanceBySop,
  getSeriesRow,
  insertInstance,
  libraryChanged,
  refreshSeriesGeometry,
  upsertPatient,
  upsertSeries,
  upsertStudy,
} from './catalog';
import { transaction } from '../registry/changes';

interface Source {
  path: string;
  label: string;
}

export interface ImportContext {
  db: Db;
  homeDir: string;
  pool: WorkerPool;
  onProgress?: (p: ImportProgress) => void;
  /** Time each file may take to be read (default storeFile.ts FILE_TIME_BUDGET: 5 s + 0.1 s per MB). */
  fileTimeBudget?: { baseMs: number; msPerMb: number };
}

/** The report's reason for a file whose worker gave no answer: named, never raw JavaScript text. */
function unreadableReason(label: string, err: unknown): string {
  let reason: string;
  if (err instanceof WorkerTaskError) {
    reason =
      err.kind === 'timeout' || err.kind === 'out-of-memory'
        ? `could not be read: reading it ${err.message} (corrupt or hostile data)`
        : err.kind === 'closed'
          ? 'not read: the import was stopped (the workstation is closing)'
          : `could not be read: ${err.message}`;
  } else {
    reason = `could not be read (${err instanceof Error ? err.message : String(err)})`;
  }
  console.error(`import: ${label}: ${reason}`);
  return reason;
}

/**
 * Read and copy a batch of files in one worker task. When the worker dies or runs out of
 * time, only the file it was on fails; the others are read again, one per task.
 */
async function storeBatch(batch: Source[], run: (files: Source[]) => Promise<StoreFileResult[]>): Promise<StoreFileResult[]> {
  try {
    return await run(batch);
  } catch (err) {
    const culprit = err instanceof WorkerTaskError ? err.unit : undefined;
    if (batch.length === 1) return [{ ok: false, label: batch[0].label, reason: unreadableReason(batch[0].label, err) }];
    return Promise.all(
      batch.map(async (s, i): Promise<StoreFileResult> => {
        if (i === culprit) return { ok: false, label: s.label, reason: unreadableReason(s.label, err) };
        try {
          return (await run([s]))[0];
        } catch (again) {
          return { ok: false, label: s.label, reason: unreadableReason(s.label, again) };
        }
      }),
    );
  }
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.isFile()) out.push(p);
  }
}

function isZip(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, 0);
    return b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isDicomDirFile(path: string): boolean {
  return basename(path).toUpperCase() === 'DICOMDIR';
}

/** Find a DICOMDIR-referenced file, whose ID may differ in case from the file system (ISO 9660 media). */
function resolveReferenced(root: string, fileId: string): string | null {
  let current = root;
  for (const part of fileId.split('/')) {
    const exact = join(current, part);
    if (existsSync(exact)) {
      current = exact;
      continue;
    }
    const match = existsSync(current) ? readdirSync(current).find((n) => n.toUpperCase() === part.toUpperCase()) : undefined;
    if (!match) return null;
    current = join(current, match);
  }
  return current;
}

/** What one archive may expand to, and how much one entry may inflate (DICOM deflates 2–10×). */
const ZIP_LIMITS = { totalBytes: 64 * 2 ** 30, entryRatio: 1000, ratioFloorBytes: 64 * 2 ** 20 };

function zipBombReason(uncompressed: number, compressed: number, soFar: number): string | null {
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (uncompressed > ZIP_LIMITS.ratioFloorBytes && uncompressed > ZIP_LIMITS.entryRatio * Math.max(1, compressed)) {
    return `zip entry inflates ${Math.round(uncompressed / Math.max(1, compressed))}-fold, to ${gib(uncompressed)} (a zip bomb?); not extracted`;
  }
  if (soFar + uncompressed > ZIP_LIMITS.totalBytes) return `the archive expands to more than ${gib(ZIP_LIMITS.totalBytes)}; this entry was not extracted`;
  return null;
}

/** Extract a zip into `destDir`, refusing entries that would escape it (zip-slip) or inflate absurdly (zip bombs). */
async function extractZip(zipPath: string, destDir: string): Promise<{ extracted: Source[]; rejected: ImportFileResult[] }> {
  const extracted: Source[] = [];
  const rejected: ImportFileResult[] = [];
  let extractedBytes = 0;
  const zip = await new Promise<yauzl.ZipFile>((res, rej) => yauzl.open(zipPath, { lazyEntries: true }, (err, z) => (err ? rej(err) : res(z!))));
  await new Promise<void>((res, rej) => {
    zip.on('error', rej);
    zip.on('end', () => res());
    zip.on('entry', (entry: yauzl.Entry) => {
      const label = `${zipPath}!/${entry.fileName}`;
      if (entry.fileName.endsWith('/')) {
        zip.readEntry();
        return;
      }
      const target = resolve(destDir, entry.fileName);
      if (!target.startsWith(resolve(destDir) + sep)) {
        rejected.push({ file: label, outcome: 'skipped', reason: 'zip entry path points outside the archive folder' });
        zip.readEntry();
        return;
      }
      // A zip bomb: refused by its declared sizes (yauzl checks the data against them as it inflates).
      const bomb = zipBombReason(entry.uncompressedSize, entry.compressedSize, extractedBytes);
      if (bomb) {
        rejected.push({ file: label, outcome: 'skipped', reason: bomb });
        zip.readEntry();
        return;
      }
      extractedBytes += entry.uncompressedSize;
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) {
          rejected.push({ file: label, outcome: 'skipped', reason: `cannot read zip entry (${err?.message ?? 'no data'})` });
          zip.readEntry();
          return;
        }
        try {
          makeDirectory(dirname(target));
        } catch (e) {
          stream.destroy();
          rejected.push({ file: label, outcome: 'skipped', reason: `cannot extract zip entry: ${libraryWriteFailure(e)}` });
          zip.readEntry();
          return;
        }
        pipeline(stream, createWriteStream(target))
          .then(() => {
            extracted.push({ path: target, label });
            zip.readEntry();
          })
          .catch((e: Error) => {
            rejected.push({ file: label, outcome: 'skipped', reason: `cannot extract zip entry (${e.message})` });
            zip.readEntry();
          });
      });
    });
    zip.readEntry();
  });
  zip.close();
  return { extracted, rejected };
}

async function collectSources(paths: string[], stagingDir: string): Promise<{ sources: Source[]; early: ImportFileResult[] }> {
  const sources: Source[] = [];
  const early: ImportFileResult[] = [];
  for (const input of paths) {
    const abs = resolve(input);
    let st;
    try {
      st = statSync(abs);
    } catch {
      early.push({ file: input, outcome: 'skipped', reason: 'path does not exist' });
      continue;
    }
    if (st.isDirectory()) {
      const files: string[] = [];
      walk(abs, files);
      files.sort();
      for (const f of files) {
        if (f.toLowerCase().endsWith('.zip') && isZip(f)) {
          const inner = await collectSources([f], stagingDir);
          sources.push(...inner.sources);
          early.push(...inner.early);
        } else sources.push({ path: f, label: f });
      }
    } else if (isDicomDirFile(abs)) {
      let referenced: string[] = [];
      try {
        referenced = readDicomHeader(readFileSync(abs), abs).referencedFiles ?? [];
      } catch (err) {
        // A DicomReadError's reason is written for the user; anything else, and what it stands in for, goes to the log.
        if (!(err instanceof DicomReadError) || err.unexpected !== undefined) console.error(`import: ${input}: unexpected error while reading the DICOMDIR:`, err);
        const why = err instanceof DicomReadError ? err.reason : 'could not be read (details in the log)';
        early.push({ file: input, outcome: 'skipped', reason: `unreadable DICOMDIR (${why})` });
        continue;
      }
      for (const id of referenced) {
        const p = resolveReferenced(dirname(abs), id);
        if (p) sources.push({ path: p, label: p });
        else early.push({ file: join(dirname(abs), id), outcome: 'skipped', reason: 'referenced by DICOMDIR but missing' });
      }
    } else if (isZip(abs)) {
      const dest = join(stagingDir, `zip-${randomBytes(4).toString('hex')}`);
      try {
        makeDirectory(dest);
      } catch (err) {
        early.push({ file: input, outcome: 'skipped', reason: `cannot unpack the archive into the library: ${libraryWriteFailure(err)}` });
        continue;
      }
      try {
        const { extracted, rejected } = await extractZip(abs, dest);
        early.push(...rejected);
        extracted.sort((a, b) => a.label.localeCompare(b.label));
        for (const s of extracted) {
          if (isDicomDirFile(s.path)) continue; // the archive's files are imported directly
          sources.push(s);
        }
      } catch (err) {
        early.push({ file: input, outcome: 'skipped', reason: `unreadable zip archive (${(err as Error).message})` });
      }
    } else {
      sources.push({ path: abs, label: input });
    }
  }
  return { sources, early };
}

export async function importPaths(paths: string[], ctx: ImportContext): Promise<ImportReport> {
  const started = performance.now();
  const { db, homeDir, pool } = ctx;
  const progress = (p: ImportProgress) => ctx.onProgress?.(p);
  // Made when something is staged (a copy, an unpacked archive): a read-only or full library
  // still gets a report per file rather than one error for the whole import.
  const stagingDir = join(homeDir, 'tmp', `import-${Date.now()}-${randomBytes(4).toString('hex')}`);
  try {
    progress({ phase: 'scanning', done: 0, total: paths.length });
    const { sources, early } = await collectSources(paths, stagingDir);
    const results: ImportFileResult[] = [...early];

    // Read + copy in the workers.
    let done = 0;
    progress({ phase: 'reading', done, total: sources.length });
    // Batches of files per worker task keep thread messaging off the critical path.
    const BATCH = 8;
    const batches: Source[][] = [];
    for (let i = 0; i < sources.length; i += BATCH) batches.push(sources.slice(i, i + BATCH));
    // New copies wait in the staging folder (removed below whatever happens) until they are committed.
    const pendingDir = join(stagingDir, 'pending');
    const run = (files: Source[]) =>
      pool.run('storeFiles', { files: files.map((s) => ({ sourcePath: s.path, label: s.label })), homeDir, pendingDir, timeBudget: ctx.fileTimeBudget });
    const read: StoreFileResult[] = (
      await Promise.all(
        batches.map((batch) =>
          storeBatch(batch, run).finally(() => {
            done += batch.length;
            progress({ phase: 'reading', done, total: sources.length });
          }),
        ),
      )
    ).flat();

    // Same SOP Instance UID, other bytes: the same image in another encoding, or a conflict?
    // Decided in the workers (decoding both), only for such collisions; neither outcome is
    // registered, so their copies are dropped here and never reach their final names.
    const collisions = await findSopCollisions(db, homeDir, pool, read);
    await Promise.all(
      [...collisions.keys()].map((i) => {
        const s = read[i];
        return s.ok && s.pendingPath ? fsp.rm(s.pendingPath, { force: true }) : undefined;
      }),
    );

    // Make the copies durable and give them their final names before any row refers to them.
    progress({ phase: 'copying', done: 0, total: read.length });
    const pending = read.flatMap((s, i) => (s.ok && s.pendingPath && !collisions.has(i) ? [{ relPath: s.relPath, pendingPath: s.pendingPath }] : []));
    const commitFailures = await commitStoredFiles(homeDir, pending);
    const stored = read.map((s): StoreFileResult => {
      const reason = s.ok ? commitFailures.get(s.relPath) : undefined;
      return reason ? { ok: false, label: s.label, reason } : s;
    });

    // Register in one transaction.
    progress({ phase: 'registering', done: 0, total: stored.length });
    const created = stored.filter((s, i) => s.ok && s.created && !collisions.has(i)).map((s) => (s.ok ? s.relPath : ''));
    const registered = new Set<string>();
    const touchedSeries = new Map<number, string[]>();
    // Series whose files were all in the library already still belong in the report.
    const duplicateSeries = new Set<number>();
    const fileResults: ImportFileResult[] = [];
    try {
      transaction(db, () => {
        // Several files of this batch may carry the same SOP Instance UID.
        const seenInBatch = new Map<string, string>();
        for (const [index, s] of stored.entries()) {
          if (!s.ok) {
            fileResults.push({ file: s.label, outcome: 'skipped', reason: s.reason });
            continue;
          }
          const h = s.header;
          const uids = effectiveUids(h, s.sha256);
          const existing = findInstanceBySop(db, uids.sop);
          const batchSha = seenInBatch.get(uids.sop);
          const collision = collisions.get(index);
          if (collision) {
            // Compared before the transaction: valid while the registry still holds what it was compared with.
            if ((existing?.sha256 ?? batchSha) === collision.referenceSha256) {
              const { outcome, reason } = collisionOutcome(uids.sop, collision.place, collision.verdict);
              fileResults.push({ file: s.label, outcome, reason, seriesInstanceUid: uids.series });
              if (outcome === 'duplicate' && existing) duplicateSeries.add(existing.seriesId);
            } else {
              const reason = `SOP Instance UID ${uids.sop}: the file it was compared with is not the one registered now (it could not be stored, or the library changed meanwhile); not imported, import it again`;
              fileResults.push({ file: s.label, outcome: 'skipped', reason, seriesInstanceUid: uids.series });
            }
            continue;
          }
          if (existing || batchSha) {
            const sameContent = (existing?.sha256 ?? batchSha) === s.sha256;
            fileResults.push(
              sameContent
                ? { file: s.label, outcome: 'duplicate', reason: 'already in the library', seriesInstanceUid: uids.series }
                : { file: s.label, outcome: 'skipped', reason: `a different file with SOP Instance UID ${uids.sop} is already in the library`, seriesInstanceUid: uids.series },
            );
            if (sameContent) {
              registered.add(s.relPath);
              if (existing) duplicateSeries.add(existing.seriesId);
            }
            continue;
          }
          seenInBatch.set(uids.sop, s.sha256);
          const patientId = upsertPatient(db, h);
          const studyId = upsertStudy(db, patientId, uids.study, uids.derived.study, h);
          const seriesId = upsertSeries(db, studyId, uids.series, uids.derived.series, h);
          insertInstance(db, seriesId, uids.sop, uids.derived.sop, h, s);
          registered.add(s.relPath);
          const warnings = touchedSeries.get(seriesId) ?? [];
          if (uids.derived.study) warnings.push('UID: Study Instance UID is empty; a stable UID was derived from the patient and study attributes');
          if (uids.derived.series) warnings.push('UID: Series Instance UID is empty; a stable UID was derived from the series attributes');
          if (uids.derived.sop) warnings.push('UID: SOP Instance UIDs are empty; UIDs were derived from the file contents');
          touchedSeries.set(seriesId, warnings);
          fileResults.push({ file: s.label, outcome: 'imported', seriesInstanceUid: uids.series });
        }
        for (const [seriesId, warnings] of touchedSeries) refreshSeriesGeometry(db, seriesId, [...new Set(warnings)]);
        libraryChanged(db, [...touchedSeries.keys()]);
      });
    } catch (err) {
      // Nothing was registered: remove what this import copied and report every file.
      await Promise.all(created.map((rel) => fsp.rm(join(homeDir, rel), { force: true })));
      const reason = `registry write failed, nothing from this import was kept (${(err as Error).message})`;
      results.push(...stored.map((s): ImportFileResult => ({ file: s.label, outcome: 'skipped', reason: s.ok ? reason : s.reason })));
      return finish(results, [], started, progress);
    }
    // Files copied for rows that were not written (conflicts) are orphans: remove them.
    await Promise.all(created.filter((rel) => !registered.has(rel)).map((rel) => fsp.rm(join(homeDir, rel), { force: true })));
    results.push(...fileResults);
    const series = [...new Set([...touchedSeries.keys(), ...duplicateSeries])].map((id) => {
      const row = getSeriesRow(db, id)!;
      return { id, seriesInstanceUid: row.seriesInstanceUid, description: row.description, sliceCount: row.sliceCount, warnings: row.warnings };
    });
    return finish(results, series, started, progress);
  } finally {
    await fsp.rm(stagingDir, { recursive: true, force: true });
  }
}

function finish(files: ImportFileResult[], series: ImportReport['series'], started: number, progress: (p: ImportProgress) => void): ImportReport {
  const count = (o: ImportFileResult['outcome']) => files.filter((f) => f.outcome === o).length;
  progress({ phase: 'done', done: files.length, total: files.length });
  return { imported: count('imported'), duplicates: count('duplicate'), skipped: count('skipped'), files, series, durationMs: Math.round(performance.now() - started) };
}

/** Relative library path → absolute, refusing anything outside the home folder. */
export function libraryFile(homeDir: string, relPath: string): string {
  const abs = resolve(homeDir, relPath);
  const rel = relative(resolve(homeDir), abs);
  if (rel.startsWith('..') || rel.includes(`..${sep}`)) throw new Error(`path outside the library: ${relPath}`);
  return abs;
}
