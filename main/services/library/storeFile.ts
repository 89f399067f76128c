import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { DicomReadError, readDicomHeader, type DicomHeader } from '../dicom/header';

export interface StoreFileArg {
  /** The file to read. */
  sourcePath: string;
  /** How the file is named in the report. */
  label: string;
  /** Library home; files go to <home>/library/<sha[0..2]>/<sha>.dcm. */
  homeDir: string;
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
    }
  | { ok: false; label: string; reason: string; dicomDir?: { referencedFiles: string[] } };

export function libraryRelPath(sha256: string): string {
  return `library/${sha256.slice(0, 2)}/${sha256}.dcm`;
}

/**
 * Read one file, parse its header, and store it content-addressed in the library.
 * The copy is written to a temporary name, flushed to disk and renamed, so a crash or a
 * full disk never leaves a partial file under a final name. Runs in a worker thread.
 */
export async function storeFile(arg: StoreFileArg): Promise<StoreFileResult> {
  const { sourcePath, label, homeDir } = arg;
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(sourcePath);
  } catch (err) {
    return { ok: false, label, reason: `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  let header: DicomHeader;
  try {
    header = readDicomHeader(bytes, label);
  } catch (err) {
    const reason = err instanceof DicomReadError ? err.reason : String(err);
    return { ok: false, label, reason };
  }
  if (header.referencedFiles) {
    return { ok: false, label, reason: 'DICOMDIR index (the files it references are imported instead)', dicomDir: { referencedFiles: header.referencedFiles } };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const relPath = libraryRelPath(sha256);
  const finalPath = join(homeDir, relPath);
  let created = false;
  try {
    await fsp.access(finalPath);
  } catch {
    const tmp = `${finalPath}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      mkdirSync(dirname(finalPath), { recursive: true });
      const fh = await fsp.open(tmp, 'wx');
      try {
        await fh.writeFile(bytes);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, finalPath);
      created = true;
    } catch (err) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOSPC' ? 'disk full while copying into the library (ENOSPC); nothing of this file was kept' : `cannot copy into the library (${code ?? String(err)})`;
      return { ok: false, label, reason };
    }
  }
  return { ok: true, label, header, sha256, sizeBytes: bytes.byteLength, relPath, created };
}
