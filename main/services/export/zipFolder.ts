/**
 * A folder as one ZIP file (a de-identified export downloaded by a browser client): every
 * regular file under it, stored (no compression: DICOM pixel data hardly compresses and a CT
 * can be hundreds of MB), streamed file by file through fflate's Zip and written to `<out>.part`,
 * renamed to `<out>` when whole. Memory stays at a read chunk or so, whatever the folder's size.
 * Hidden entries (`.partial-*` staging folders, dot files) and `*.part` files are left out.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { lstat, readdir, rename, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Zip, ZipPassThrough } from 'fflate';

/** ZIP without ZIP64 (fflate writes none): at most 65 535 entries and 4 GiB. */
const MAX_ENTRIES = 0xffff;
const MAX_BYTES = 0xffffffff;

/** Regular files under `dir`, sorted by their path inside it (symbolic links are not followed). */
async function filesUnder(dir: string): Promise<{ path: string; name: string; size: number; mtime: Date }[]> {
  const out: { path: string; name: string; size: number; mtime: Date }[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && !e.name.endsWith('.part')) {
        const st = await lstat(p);
        out.push({ path: p, name: relative(dir, p).split(sep).join('/'), size: st.size, mtime: st.mtime });
      }
    }
  };
  await walk(dir);
  return out;
}

function closeStream(out: WriteStream): Promise<void> {
  return new Promise((res, rej) => {
    out.once('error', rej);
    out.end(() => res());
  });
}

/**
 * Zips `dir` into `outFile` (entries named by their path inside `dir`, `/`-separated). Returns the
 * number of files and the ZIP's size in bytes. Written whole or not at all.
 */
export async function zipFolder(dir: string, outFile: string): Promise<{ files: number; bytes: number }> {
  const files = await filesUnder(dir);
  if (files.length > MAX_ENTRIES) throw new Error(`${files.length} files are more than a ZIP without ZIP64 holds (${MAX_ENTRIES})`);
  const total = files.reduce((n, f) => n + f.size, 0);
  // Headers: 30 + 46 + 16 (data descriptor) + twice the name per entry, and the end record.
  const estimate = total + files.reduce((n, f) => n + 92 + 2 * Buffer.byteLength(f.name), 0) + 22;
  if (estimate > MAX_BYTES) throw new Error(`the folder holds ${total} bytes: more than a ZIP without ZIP64 holds (4 GiB)`);

  const part = `${outFile}.part`;
  const out = createWriteStream(part);
  let failed: Error | null = null;
  out.on('error', (e) => {
    failed ??= e;
  });
  let bytes = 0;
  let finished = false;
  const zip = new Zip((err, chunk, final) => {
    if (err) {
      failed ??= err;
      return;
    }
    bytes += chunk.length;
    out.write(chunk);
    if (final) finished = true;
  });
  const drained = () => (out.writableNeedDrain ? new Promise<void>((r) => out.once('drain', () => r())) : Promise.resolve());
  try {
    for (const f of files) {
      const entry = new ZipPassThrough(f.name);
      entry.mtime = f.mtime;
      zip.add(entry);
      for await (const chunk of createReadStream(f.path, { highWaterMark: 1 << 20 })) {
        if (failed) throw failed;
        entry.push(new Uint8Array((chunk as Buffer).buffer, (chunk as Buffer).byteOffset, (chunk as Buffer).length), false);
        await drained();
      }
      entry.push(new Uint8Array(0), true);
      await drained();
    }
    zip.end();
    if (failed) throw failed;
    if (!finished) throw new Error('the ZIP did not finish');
    await closeStream(out);
    if (failed) throw failed;
    await rename(part, outFile);
    return { files: files.length, bytes };
  } catch (e) {
    out.destroy();
    await rm(part, { force: true }).catch(() => undefined);
    throw e;
  }
}
