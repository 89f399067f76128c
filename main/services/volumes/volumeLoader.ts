/**
 * Decodes a series into one Int16 HU volume in the worker pool, from the middle
 * slice outwards, so the slice a reader sees first is ready first.
 */
import type { VolumeGeometry } from '../../../core/api/types';
import type { WorkerPool } from '../workers/pool';
import type { SliceSource } from '../library/catalog';
import { libraryFile } from '../library/importer';

export interface LoadedVolume {
  seriesId: number;
  geometry: VolumeGeometry;
  /** x fastest, then y, then slice. */
  voxels: Int16Array;
  /** Slices decoded so far. */
  decoded: Uint8Array;
  decodedCount: number;
  /** Resolves when every slice is decoded (rejects on the first decoding error). */
  complete: Promise<void>;
  error: Error | null;
}

type Waiter = { first: number; count: number; resolve(): void; reject(e: Error): void };

export class VolumeLoader {
  private readonly cache = new Map<number, LoadedVolume>();
  private readonly waiters = new Map<number, Waiter[]>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly homeDir: string,
    private readonly onProgress: (seriesId: number, decoded: number, total: number) => void = () => undefined,
    /** Volumes kept in memory (most recently used). */
    private readonly capacity = 2,
  ) {}

  get(seriesId: number): LoadedVolume | undefined {
    const v = this.cache.get(seriesId);
    if (v) {
      // Refresh recency.
      this.cache.delete(seriesId);
      this.cache.set(seriesId, v);
    }
    return v;
  }

  open(seriesId: number, geometry: VolumeGeometry, slices: SliceSource[]): LoadedVolume {
    const cached = this.get(seriesId);
    if (cached) return cached;
    while (this.cache.size >= this.capacity) {
      const oldest = this.cache.keys().next().value as number;
      this.cache.delete(oldest);
    }
    const [nx, ny, nz] = geometry.dims;
    const sliceLen = nx * ny;
    const vol: LoadedVolume = {
      seriesId,
      geometry,
      voxels: new Int16Array(sliceLen * nz),
      decoded: new Uint8Array(nz),
      decodedCount: 0,
      complete: Promise.resolve(),
      error: null,
    };
    this.cache.set(seriesId, vol);

    // One task per file; a multi-frame file fills several slices.
    const byFile = new Map<string, { slice: number; frame: number }[]>();
    slices.forEach((s, k) => {
      const list = byFile.get(s.path) ?? [];
      list.push({ slice: k, frame: s.frameIndex });
      byFile.set(s.path, list);
    });
    const mid = (nz - 1) / 2;
    const files = [...byFile.entries()].sort(
      (a, b) => Math.min(...a[1].map((e) => Math.abs(e.slice - mid))) - Math.min(...b[1].map((e) => Math.abs(e.slice - mid))),
    );
    vol.complete = Promise.all(
      files.map(async ([path, targets]) => {
        const decoded = await this.pool.run('decodeInstanceFile', { path: libraryFile(this.homeDir, path), label: path });
        if (decoded.columns !== nx || decoded.rows !== ny) {
          throw new Error(`${path}: image is ${decoded.columns}×${decoded.rows}, the series grid is ${nx}×${ny}`);
        }
        for (const t of targets) {
          const frame = decoded.frames[t.frame];
          if (!frame) throw new Error(`${path}: frame ${t.frame + 1} is missing`);
          vol.voxels.set(frame, t.slice * sliceLen);
          if (!vol.decoded[t.slice]) {
            vol.decoded[t.slice] = 1;
            vol.decodedCount++;
          }
        }
        this.onProgress(seriesId, vol.decodedCount, nz);
        this.wake(vol);
      }),
    ).then(
      () => undefined,
      (err: Error) => {
        vol.error = err;
        this.cache.delete(seriesId);
        this.wake(vol);
        throw err;
      },
    );
    vol.complete.catch(() => undefined); // surfaced through waitForSlices / complete
    return vol;
  }

  private wake(vol: LoadedVolume): void {
    const list = this.waiters.get(vol.seriesId);
    if (!list) return;
    const still: Waiter[] = [];
    for (const w of list) {
      if (vol.error) w.reject(vol.error);
      else if (this.ready(vol, w.first, w.count)) w.resolve();
      else still.push(w);
    }
    if (still.length) this.waiters.set(vol.seriesId, still);
    else this.waiters.delete(vol.seriesId);
  }

  private ready(vol: LoadedVolume, first: number, count: number): boolean {
    for (let k = first; k < first + count; k++) if (!vol.decoded[k]) return false;
    return true;
  }

  /** Resolves when slices [first, first+count) are decoded. */
  waitForSlices(vol: LoadedVolume, first: number, count: number): Promise<void> {
    const nz = vol.geometry.dims[2];
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > nz) {
      return Promise.reject(new Error(`slices ${first}…${first + count - 1} are outside the volume (0…${nz - 1})`));
    }
    if (vol.error) return Promise.reject(vol.error);
    if (this.ready(vol, first, count)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(vol.seriesId) ?? [];
      list.push({ first, count, resolve, reject });
      this.waiters.set(vol.seriesId, list);
    });
  }
}
