/** Series thumbnails: the middle slice at the series' window, as PNG, cached by series UID and slice count. */
import { existsSync, mkdirSync, promises as fsp, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { invalid } from '../../../core/api/errors';
import type { Db } from '../registry/db';
import type { WorkerPool } from '../workers/pool';
import { listInstances, stackSeries, type SeriesRow } from './catalog';
import { encodeGrayPng, thumbnailFromSlice } from './png';

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

export async function seriesThumbnail(deps: { db: Db; homeDir: string; pool: WorkerPool }, row: SeriesRow): Promise<ArrayBuffer> {
  const cacheFile = join(deps.homeDir, 'cache', 'thumbnails', `${row.seriesInstanceUid}-${row.sliceCount}.png`);
  if (existsSync(cacheFile)) return toArrayBuffer(readFileSync(cacheFile));
  const stack = stackSeries(listInstances(deps.db, row.id));
  if (!stack) throw invalid(`series ${row.id} has no image to show`);
  const mid = stack.ordered[Math.floor(stack.ordered.length / 2)];
  const decoded = await deps.pool.run('decodeInstanceFile', { path: join(deps.homeDir, mid.path), label: mid.path }, { priority: true });
  const frame = decoded.frames[mid.frameIndex];
  const center = row.windowCenter ?? 40;
  const width = row.windowWidth && row.windowWidth > 0 ? row.windowWidth : 400;
  const t = thumbnailFromSlice(frame, decoded.columns, decoded.rows, center, width);
  const png = encodeGrayPng(t.pixels, t.width, t.height);
  mkdirSync(dirname(cacheFile), { recursive: true });
  await fsp.writeFile(cacheFile, png);
  return toArrayBuffer(png);
}
