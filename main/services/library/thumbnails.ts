/**
 * Series thumbnails: the middle slice at the series' window, as PNG, cached by series UID and slice
 * count. A series without images (a structured report, a segmentation) gets a plain icon, so that
 * asking for its thumbnail is never an error.
 */
import { existsSync, mkdirSync, promises as fsp, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  if (!stack) return toArrayBuffer(nonImageIcon(row.modality));
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

/** Icon size (pixels, square). */
const ICON = 64;

/**
 * A plain gray icon for a series without images: a page with text lines for a report (SR), a
 * filled outline for a segmentation (SEG), an empty frame otherwise. Drawn, not decoded: the same
 * bytes every time.
 */
export function nonImageIcon(modality: string): Buffer {
  const px = new Uint8Array(ICON * ICON).fill(24);
  const fill = (x0: number, y0: number, x1: number, y1: number, v: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) px[y * ICON + x] = v;
  };
  if (modality === 'SR') {
    fill(16, 8, 48, 56, 150);
    for (let y = 16; y < 50; y += 6) fill(21, y, y % 4 ? 37 : 43, y + 2, 60);
  } else if (modality === 'SEG') {
    for (let y = 0; y < ICON; y++)
      for (let x = 0; x < ICON; x++) {
        const r = Math.hypot((x - 31.5) / 22, (y - 31.5) / 16);
        if (r <= 1) px[y * ICON + x] = r > 0.86 ? 200 : 110;
      }
  } else {
    fill(12, 12, 52, 14, 110);
    fill(12, 50, 52, 52, 110);
    fill(12, 12, 14, 52, 110);
    fill(50, 12, 52, 52, 110);
  }
  return encodeGrayPng(px, ICON, ICON);
}
