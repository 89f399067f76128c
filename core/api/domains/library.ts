/** Library: patients, studies, series, import, thumbnails and volumes. Owns patients, studies, series, instances. */
import type { AppInfo, ImportProgress, ImportReport, PatientSummary, SeriesDetail, SeriesSummary, StudySummary, VolumeInfo } from '../types';
import type { EventTable, MethodTable } from './spec';

export interface LibraryApi {
  listPatients(): Promise<PatientSummary[]>;
  listStudies(patientRowId: number): Promise<StudySummary[]>;
  listSeries(studyRowId: number): Promise<SeriesSummary[]>;
  getSeries(seriesId: number): Promise<SeriesDetail>;
  /** PNG bytes of a thumbnail of the series' middle slice. */
  getThumbnail(seriesId: number): Promise<ArrayBuffer>;
  /** Import paths (folders, DICOMDIR files, .zip archives) that the main process can read. */
  importPaths(paths: string[]): Promise<ImportReport>;
  /** Electron only: the native open dialog (folders, DICOMDIR, .zip); serve mode rejects it. */
  pickImportPaths(): Promise<string[]>;
  /** Stage one file of a browser upload batch (serve mode and drag-and-drop); `relativePath` keeps folder structure. */
  uploadFile(batchId: string, relativePath: string, bytes: ArrayBuffer): Promise<void>;
  /** Import everything staged under `batchId`, then delete the staging folder. */
  importUploaded(batchId: string): Promise<ImportReport>;
  getAppInfo(): Promise<AppInfo>;
  /** Prepare the series volume for reading; decoding continues in the background. */
  openVolume(seriesId: number): Promise<VolumeInfo>;
  /** Int16 HU of `sliceCount` slices from `firstSlice`; waits until they are decoded. */
  getVolumeChunk(seriesId: number, firstSlice: number, sliceCount: number): Promise<ArrayBuffer>;
}

export const LIBRARY_METHODS = {
  listPatients: {},
  listStudies: {},
  listSeries: {},
  getSeries: {},
  getThumbnail: { binary: 'image/png' },
  importPaths: {},
  pickImportPaths: {},
  uploadFile: { rawBody: true },
  importUploaded: {},
  getAppInfo: {},
  openVolume: {},
  getVolumeChunk: { binary: 'application/octet-stream' },
} as const satisfies MethodTable<LibraryApi>;

export interface LibraryEvents {
  onImportProgress: ImportProgress;
  onVolumeProgress: { seriesId: number; slicesDecoded: number; sliceCount: number };
  /** After an import committed: the patients whose studies or series changed. */
  onLibraryChanged: { patientRowIds: number[] };
}

export const LIBRARY_EVENTS = { onImportProgress: true, onVolumeProgress: true, onLibraryChanged: true } as const satisfies EventTable<LibraryEvents>;
