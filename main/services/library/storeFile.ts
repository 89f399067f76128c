import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, promises as fsp, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SUPPORTED_TRANSFER_SYNTAXES, transferSyntaxName } from '../dicom/decode/transferSyntaxes';
import { DicomReadError, readDicomHeader, type DicomHeader } from '../dicom/header';
import { NO_TASK_CONTEXT, type TaskContext } from '../workers/taskContext';

export interface StoreFileArg {
  /** The file to read. */
  sourcePath: string;
  /** How the file is named in the report. */
  label: string;
  /** Library home; files go to <home>/library/<sha[0..2]>/<sha>.dcm. */
  homeDir: string;
  /**
   * Where the new copy waits until commitStoredFiles renames it (the importer's staging folder,
   * on the library's file system, removed with everything in it when the import ends: a worker
   * that dies mid-batch leaves nothing behind). Default: beside its final name.
   */
  pendingDir?: string;
}

/** Time one file may take to be read, parsed, hashed and copied: 5 s, plus 0.1 s per MB (10 MB/s). */
export const FILE_TIME_BUDGET = { baseMs: 5000, msPerMb: 100 };

export function fileTimeBudgetMs(sizeBytes: number, budget: { baseMs: number; msPerMb: number } = FILE_TIME_BUDGET): number {
  return Math.round(budget.baseMs + (budget.msPerMb * sizeBytes) / 2 ** 20);
}

/** The report's reason for an error nobody anticipated: its stack goes to the log, never into a report. */
function unexpectedFailure(label: string, err: unknown): string {
  console.error(`import: ${label}: unexpected error while reading the file:`, err);
  return 'could not be read (unexpected error in the DICOM reader; details in the log)';
}

export type StoreFileResult =
  | {
      ok: true;
      label: string;
      header: DicomHeader;
      sha256: string;
      sizeBytes: number;
      /** Relative to homeDir, forward slashes. */
      relPath: string;
      /** True when this call wrote the file (it did not exist yet). */
      created: boolean;
      /** Where the new file waits (not yet flushed) until the importer commits it with commitStoredFiles. */
      pendingPath?: string;
    }
  | { ok: false; label: string; reason: string; dicomDir?: { referencedFiles: string[] } };

/** Refuse at import what could never be opened, rather than failing when it is read. */
function unsupportedPixelData(h: DicomHeader): string | null {
  if (!h.hasPixelData) return null;
  const uid = h.transferSyntaxUid;
  if (!(uid in SUPPORTED_TRANSFER_SYNTAXES)) {
    return `unsupported transfer syntax ${transferSyntaxName(uid)} (${uid}); decompress the file first (e.g. dcmtk "dcmdjpeg" or "gdcmconv --raw")`;
  }
  return null;
}

export function libraryRelPath(sha256: string): string {
  return `library/${sha256.slice(0, 2)}/${sha256}.dcm`;
}

/**
 * Read one file, parse its header, and write it, content-addressed, to a temporary name
 * in the library. The importer flushes all temporary files with one file-system sync and
 * only then renames them (commitStoredFiles), so a crash or a full disk never leaves a
 * partial file under a final name — and an import pays one sync, not one per file.
 * Runs in a worker thread.
 */
export async function storeFile(arg: StoreFileArg): Promise<StoreFileResult> {
  const { sourcePath, label, homeDir, pendingDir } = arg;
  let bytes: Buffer;
  try {
    // A device or a pipe (given by path, or behind a link) would be read forever.
    if (!statSync(sourcePath).isFile()) return { ok: false, label, reason: 'not a regular file (a device, pipe or socket); not read' };
    // Synchronous I/O on purpose: this runs in a worker thread, and fs.promises.readFile
    // round-trips through the libuv pool per chunk (measured ~2× slower for 0.5 MB files).
    bytes = readFileSync(sourcePath);
  } catch (err) {
    return { ok: false, label, reason: `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  let header: DicomHeader;
  try {
    header = readDicomHeader(bytes, label);
  } catch (err) {
    if (!(err instanceof DicomReadError)) return { ok: false, label, reason: unexpectedFailure(label, err) };
    // A reason that stands in for an unexpected error: its stack goes to the log.
    if (err.unexpected !== undefined) console.error(`import: ${label}: unexpected error while reading the header:`, err.unexpected);
    return { ok: false, label, reason: err.reason };
  }
  if (header.referencedFiles) {
    return { ok: false, label, reason: 'DICOMDIR index (the files it references are imported instead)', dicomDir: { referencedFiles: header.referencedFiles } };
  }
  const unsupported = unsupportedPixelData(header);
  if (unsupported) return { ok: false, label, reason: unsupported };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const relPath = libraryRelPath(sha256);
  const finalPath = join(homeDir, relPath);
  // A file under its final name was flushed before it was renamed; its size guards against
  // anything else (a copy made by hand, a damaged disk).
  const existing = statSync(finalPath, { throwIfNoEntry: false });
  let pendingPath: string | undefined;
  if (!existing || existing.size !== bytes.byteLength) {
    const tmp = pendingDir ? join(pendingDir, `${sha256}.${randomBytes(6).toString('hex')}.tmp`) : `${finalPath}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      makeDirectory(dirname(finalPath));
      if (pendingDir) makeDirectory(pendingDir);
      writeFileSync(tmp, bytes, { flag: 'wx' });
      pendingPath = tmp;
    } catch (err) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOSPC' ? 'disk full while copying into the library (ENOSPC); nothing of this file was kept' : `cannot copy into the library: ${libraryWriteFailure(err)}; nothing of this file was kept`;
      return { ok: false, label, reason };
    }
  }
  return { ok: true, label, header, sha256, sizeBytes: bytes.byteLength, relPath, created: pendingPath !== undefined, pendingPath };
}

export interface StoreFilesArg {
  files: { sourcePath: string; label: string }[];
  homeDir: string;
  pendingDir?: string;
  /** Per-file time budget (default FILE_TIME_BUDGET). */
  timeBudget?: { baseMs: number; msPerMb: number };
}

/** Why a write into the library failed, in words ("the library is read-only (EROFS)"). */
export function libraryWriteFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC') return 'disk full (ENOSPC)';
  if (code === 'EROFS') return 'the library is read-only (EROFS)';
  if (code === 'EACCES' || code === 'EPERM') return `no permission to write in the library (${code})`;
  return code ?? String(err);
}

/**
 * `mkdir -p` that reports the real reason: Node's recursive mkdir turns EROFS into ENOENT
 * (nodejs/node#47098), so the missing folders are then made one by one and the first failure
 * carries its own code.
 */
export function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const missing: string[] = [];
    for (let d = dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      try {
        mkdirSync(d);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }
}

/**
 * Several files per worker task: fewer messages between threads for folders of small files.
 * Each file is announced to the pool as it starts, with its own time budget, so a file that
 * hangs or kills the worker is known by name (TaskContext).
 */
export async function storeFiles(arg: StoreFilesArg, ctx: TaskContext = NO_TASK_CONTEXT): Promise<StoreFileResult[]> {
  const out: StoreFileResult[] = [];
  for (const [i, f] of arg.files.entries()) {
    let size = 0;
    try {
      size = statSync(f.sourcePath).size;
    } catch {
      // storeFile reports why it cannot read the file.
    }
    ctx.progress(i, fileTimeBudgetMs(size, arg.timeBudget));
    try {
      out.push(await storeFile({ ...f, homeDir: arg.homeDir, pendingDir: arg.pendingDir }));
    } catch (err) {
      out.push({ ok: false, label: f.label, reason: unexpectedFailure(f.label, err) });
    }
  }
  return out;
}

/** Make written files durable: one syncfs of the library's file system (Linux), else fsync each. */
export async function flushToDisk(dir: string, files: string[]): Promise<void> {
  if (files.length === 0) return;
  if (process.platform === 'linux') {
    const r = spawnSync('sync', ['--file-system', dir]);
    if (r.status === 0) return;
  }
  await Promise.all(
    files.map(async (f) => {
      const fh = await fsp.open(f, 'r+');
      try {
        await fh.datasync();
      } finally {
        await fh.close();
      }
    }),
  );
}

/**
 * Flush the pending files, rename them to their final names, and flush the renames.
 * Returns the relative paths that could not be committed, with the reason.
 */
export async function commitStoredFiles(homeDir: string, stored: { relPath: string; pendingPath: string }[]): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  await flushToDisk(homeDir, stored.map((s) => s.pendingPath));
  await Promise.all(
    stored.map(async (s) => {
      try {
        await fsp.rename(s.pendingPath, join(homeDir, s.relPath));
      } catch (err) {
        await fsp.rm(s.pendingPath, { force: true }).catch(() => undefined);
        failed.set(s.relPath, `cannot move the copy into place (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
    }),
  );
  await flushToDisk(homeDir, stored.map((s) => join(homeDir, s.relPath)));
  return failed;
}

/**
 * Remove what an interrupted import left behind: unflushed copies (`*.tmp`) in the library
 * and staging folders, once they are older than `minAgeMs` (another process may be importing).
 */
export function sweepStaleTemporaries(homeDir: string, minAgeMs = 60 * 60 * 1000): number {
  const cutoff = Date.now() - minAgeMs;
  let removed = 0;
  const library = join(homeDir, 'library');
  for (const sub of existsSync(library) ? readdirSync(library) : []) {
    const dir = join(library, sub);
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.tmp')) continue;
      const p = join(dir, name);
      if (statSync(p).mtimeMs < cutoff) {
        rmSync(p, { force: true });
        removed++;
      }
    }
  }
  const staging = join(homeDir, 'tmp');
  for (const name of existsSync(staging) ? readdirSync(staging) : []) {
    const p = join(staging, name);
    if (statSync(p).mtimeMs < cutoff) {
      rmSync(p, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
