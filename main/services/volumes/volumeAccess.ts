/**
 * Volume access, one module every domain is given: a series' decoded Int16 HU volume on
 * its own grid (patient LPS geometry), decoded once in the worker pool and shared by the
 * viewer, ROI statistics, masks, inference and registration.
 */
import type { HuStats, VolumeGeometry } from '../../../core/api/types';
import { huStats } from '../../../core/volume/stats';
import { invalid, notFound, requireInt } from '../../../core/api/errors';
import { getSeriesRow, listInstances, stackSeries, type SeriesRow } from '../library/catalog';
import type { Db } from '../registry/db';
import type { WorkerPool } from '../workers/pool';
import { VolumeLoader, type LoadedVolume } from './volumeLoader';

export type { LoadedVolume } from './volumeLoader';

/** A whole decoded series, ready for computation. */
export interface SeriesVolume {
  seriesId: number;
  seriesUid: string;
  geometry: VolumeGeometry;
  /** x fastest, then y, then slice. */
  voxels: Int16Array;
}

export class VolumeAccess {
  private readonly loader: VolumeLoader;

  constructor(
    private readonly db: Db,
    pool: WorkerPool,
    homeDir: string,
    onProgress: (seriesId: number, slicesDecoded: number, sliceCount: number) => void,
  ) {
    this.loader = new VolumeLoader(pool, homeDir, onProgress);
  }

  /** The series row, or a not-found error naming it. */
  seriesRow(seriesId: unknown): SeriesRow {
    const id = requireInt(seriesId, 'series id');
    const row = getSeriesRow(this.db, id);
    if (!row) throw notFound(`series ${id} is not in the library`);
    return row;
  }

  /** Start (or find) the decoding of a series; slices arrive progressively. */
  open(seriesId: number): LoadedVolume {
    const cached = this.loader.get(seriesId);
    if (cached) return cached;
    const row = this.seriesRow(seriesId);
    const instances = listInstances(this.db, row.id);
    const stack = stackSeries(instances);
    if (!stack || !row.geometry) throw invalid(`series ${seriesId} (${row.modality} "${row.description}") has no image volume`);
    const byPath = new Map(instances.map((i) => [i.path, i]));
    const describe = (path: string) => {
      const inst = byPath.get(path);
      if (!inst) return path;
      return `instance ${inst.instanceNumber ?? '?'} (SOP Instance UID ${inst.sopInstanceUid}, ${path})`;
    };
    return this.loader.open(row.id, stack.geometry, stack.ordered, describe);
  }

  /** Resolves when the given slices are decoded. */
  waitForSlices(vol: LoadedVolume, firstSlice: number, sliceCount: number): Promise<void> {
    return this.loader.waitForSlices(vol, firstSlice, sliceCount);
  }

  /** The whole decoded volume of a series. */
  async seriesVolume(seriesId: number): Promise<SeriesVolume> {
    const row = this.seriesRow(seriesId);
    const vol = this.open(row.id);
    await vol.complete;
    return { seriesId: row.id, seriesUid: row.seriesInstanceUid, geometry: vol.geometry, voxels: vol.voxels };
  }

  /** The decoded volume and its HU statistics (CLI `series`, tests, benchmarks). */
  async volumeStats(seriesId: number): Promise<{ volume: LoadedVolume; stats: HuStats }> {
    const vol = this.open(seriesId);
    await vol.complete;
    return { volume: vol, stats: huStats(vol.voxels) };
  }
}
