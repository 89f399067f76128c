/**
 * Decodes a series into one Int16 HU volume in the worker pool, from the middle
 * slice outwards, so the slice a reader sees first is ready first.
 */
import { totalmem } from 'node:os';
import { invalid } from '../../../core/api/errors';
import type { VolumeGeometry } from '../../../core/api/types';
import { WorkerTaskError, type WorkerPool } from '../workers/pool';
import type { SliceSource } from '../library/catalog';
import { libraryFile } from '../library/importer';

/** A decoded volume may take at most half of this machine's memory (and 16 GiB). */
export function maxVolumeBytes(): number {
  return Math.min(16 * 2 ** 30, totalmem() / 2);
}

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

  /**
   * Start decoding a series. `describe` names the instance a file holds in error messages
   * ("instance 12 (SOP Instance UID …)"); a file that cannot be decoded, or whose worker runs
   * out of time or memory, fails the volume with an error naming it (the pool replaces the worker).
   */
  open(seriesId: number, geometry: VolumeGeometry, slices: SliceSource[], describe: (path: string) => string = (p) => p): LoadedVolume {
    const cached = this.get(seriesId);
    if (cached) return cached;
    const [nx, ny, nz] = geometry.dims;
    const sliceLen = nx * ny;
    const bytes = sliceLen * nz * 2;
    if (bytes > maxVolumeBytes()) {
      throw invalid(`series ${seriesId} cannot be opened: ${nx}×${ny}×${nz} voxels need ${(bytes / 2 ** 30).toFixed(1)} GiB, more than this workstation can hold (corrupt dimensions?)`);
    }
    while (this.cache.size >= this.capacity) {
      const oldest = this.cache.keys().next().value as number;
      this.cache.delete(oldest);
    }
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
        const what = describe(path);
        let decoded: { rows: number; columns: number; frames: Int16Array[] };
        try {
          decoded = await this.pool.run('decodeInstanceFile', { path: libraryFile(this.homeDir, path), label: what });
        } catch (err) {
          const message = err instanceof WorkerTaskError ? `${what}: decoding it ${err.message} (corrupt or hostile data)` : (err as Error).message;
          throw invalid(`series ${seriesId} cannot be opened: ${message}`);
        }
        if (decoded.columns !== nx || decoded.rows !== ny) {
          throw invalid(`series ${seriesId} cannot be opened: ${what}: image is ${decoded.columns}×${decoded.rows}, the series grid is ${nx}×${ny}`);
        }
        for (const t of targets) {
          const frame = decoded.frames[t.frame];
          if (!frame) throw invalid(`series ${seriesId} cannot be opened: ${what}: frame ${t.frame + 1} is missing`);
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
        if (!vol.error) console.error(`volume: ${err.message}`);
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
