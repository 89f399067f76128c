/**
 * The library domain: patients, studies, series, import (paths and browser uploads),
 * thumbnails and volumes for the viewer. Owns `patients`, `studies`, `series` and
 * `instances` (written only through catalog.ts, by the importer).
 */
import { existsSync, mkdirSync, promises as fsp } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { LibraryApi } from '../../../core/api/contract';
import type { SeriesContent } from '../../../core/api/domains/library';
import { invalid, notFound, requireInt, unavailable } from '../../../core/api/errors';
import type { AppInfo, ImportProgress, ImportReport, SeriesDetail, VolumeInfo } from '../../../core/api/types';
import { transferSyntaxName } from '../dicom/decode/index';
import type { Db } from '../registry/db';
import { getDefaultReader } from '../session/readerContext';
import type { VolumeAccess } from '../volumes/volumeAccess';
import type { WorkerPool } from '../workers/pool';
import { getStudyAndPatient, listPatients, listSeries, listStudies, transferSyntaxesOf } from './catalog';
import { importPaths } from './importer';
import { describeSeriesContent } from './seriesContent';
import { seriesThumbnail } from './thumbnails';

/** Chunks of this many slices travel between main and renderer. */
const CHUNK_SLICES = 8;

export interface LibraryDeps {
  db: Db;
  homeDir: string;
  pool: WorkerPool;
  volumes: VolumeAccess;
  mode: AppInfo['mode'];
  version: string;
  /** Electron supplies the native dialog; serve mode has none. */
  pickImportPaths?: () => Promise<string[]>;
  onImportProgress: (p: ImportProgress) => void;
}

export class LibraryService implements LibraryApi {
  private importQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: LibraryDeps) {}

  /** Resolves when the imports queued so far have finished. */
  async drain(): Promise<void> {
    await this.importQueue.catch(() => undefined);
  }

  async listPatients() {
    return listPatients(this.deps.db);
  }

  async listStudies(patientRowId: number) {
    return listStudies(this.deps.db, requireInt(patientRowId, 'patient id'));
  }

  async listSeries(studyRowId: number) {
    return listSeries(this.deps.db, requireInt(studyRowId, 'study id'));
  }

  async getSeries(seriesId: number): Promise<SeriesDetail> {
    const row = this.deps.volumes.seriesRow(seriesId);
    if (!row.geometry) throw invalid(`series ${seriesId} (${row.modality} "${row.description}") has no image volume`);
    const { study, patient } = getStudyAndPatient(this.deps.db, row.studyRowId);
    const { uidDerived: _u, windowCenter, windowWidth, ...rest } = row;
    return {
      ...rest,
      geometry: row.geometry,
      patient,
      study,
      transferSyntaxes: transferSyntaxesOf(this.deps.db, row.id).map((uid) => ({ uid, name: transferSyntaxName(uid) })),
      defaultWindow: windowCenter !== null && windowWidth !== null && windowWidth > 0 ? { center: windowCenter, width: windowWidth } : null,
    };
  }

  async describeSeriesContent(input: { seriesId: number }): Promise<SeriesContent> {
    return describeSeriesContent(this.deps.db, this.deps.homeDir, this.deps.volumes.seriesRow(input?.seriesId));
  }

  async getThumbnail(seriesId: number): Promise<ArrayBuffer> {
    return seriesThumbnail(this.deps, this.deps.volumes.seriesRow(seriesId));
  }

  importPaths(paths: string[]): Promise<ImportReport> {
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string' && p.length > 0)) {
      return Promise.reject(invalid('importPaths needs a list of file or folder paths'));
    }
    const { db, homeDir, pool, onImportProgress } = this.deps;
    // Imports run one at a time so two batches never race on the same series.
    const run = this.importQueue.then(() => importPaths(paths, { db, homeDir, pool, onProgress: onImportProgress }));
    this.importQueue = run.catch(() => undefined);
    return run;
  }

  async pickImportPaths(): Promise<string[]> {
    if (!this.deps.pickImportPaths) throw unavailable('the file dialog exists only in the desktop app; give a path or upload files instead');
    return this.deps.pickImportPaths();
  }

  private uploadDir(batchId: string): string {
    if (typeof batchId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(batchId)) throw invalid(`invalid upload batch id "${String(batchId)}"`);
    return join(this.deps.homeDir, 'tmp', `upload-${batchId}`);
  }

  async uploadFile(batchId: string, relativePath: string, bytes: ArrayBuffer | Uint8Array): Promise<void> {
    const dir = this.uploadDir(batchId);
    if (typeof relativePath !== 'string' || relativePath.length === 0) throw invalid('upload needs a file name');
    const target = resolve(dir, relativePath.replace(/^[/\\]+/, ''));
    if (!target.startsWith(dir + sep)) throw invalid(`upload path "${relativePath}" points outside its batch`);
    mkdirSync(dirname(target), { recursive: true });
    await fsp.writeFile(target, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  }

  async importUploaded(batchId: string): Promise<ImportReport> {
    const dir = this.uploadDir(batchId);
    if (!existsSync(dir)) throw notFound(`upload batch ${batchId} has no files`);
    try {
      const report = await this.importPaths([dir]);
      // Report names relative to the batch, as the user chose them.
      for (const f of report.files) if (f.file.startsWith(dir + sep)) f.file = f.file.slice(dir.length + 1);
      return report;
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }

  async getAppInfo(): Promise<AppInfo> {
    return { version: this.deps.version, mode: this.deps.mode, homeDir: this.deps.homeDir, defaultReader: getDefaultReader() };
  }

  async openVolume(seriesId: number): Promise<VolumeInfo> {
    const vol = this.deps.volumes.open(this.deps.volumes.seriesRow(seriesId).id);
    return { seriesId: vol.seriesId, geometry: vol.geometry, chunkSlices: CHUNK_SLICES };
  }

  async getVolumeChunk(seriesId: number, firstSlice: number, sliceCount: number): Promise<ArrayBuffer> {
    const vol = this.deps.volumes.open(this.deps.volumes.seriesRow(seriesId).id);
    await this.deps.volumes.waitForSlices(vol, firstSlice, sliceCount);
    const sliceLen = vol.geometry.dims[0] * vol.geometry.dims[1];
    const view = vol.voxels.subarray(firstSlice * sliceLen, (firstSlice + sliceCount) * sliceLen);
    return view.slice().buffer;
  }
}
