/** Library: patients, studies, series, import, thumbnails and volumes. Owns patients, studies, series, instances. */
import type { AppInfo, ImportProgress, ImportReport, PatientSummary, SeriesDetail, SeriesSummary, StudySummary, VolumeInfo } from '../types';
import type { EventTable, MethodTable } from './spec';

/** A coded concept as a report or segmentation states it (value, scheme, meaning). */
export interface ContentCode {
  value: string;
  scheme: string;
  meaning: string;
}

/** One measurement group of a TID 1500 report (PS3.16), as read from it. */
export interface SrGroupContent {
  trackingId: string | null;
  trackingUid: string | null;
  finding: ContentCode | null;
  findingCategory: ContentCode | null;
  findingSite: ContentCode | null;
  timePoint: string | null;
  /** RECIST long axis (or another single diameter/length in mm), mm. */
  longAxisMm: number | null;
  shortAxisMm: number | null;
  volumeMl: number | null;
  /** The SEG segment a volumetric group refers to, and whether that SEG is in the library. */
  referencedSegment: { sopInstanceUid: string; segmentNumber: number | null; seriesId: number | null } | null;
  /** Every numeric measurement of the group, as written. */
  measurements: { name: string; value: number; unit: string | null; derivation: string | null }[];
}

/** A structured report (TID 1500) series: the document(s) and their measurement groups. */
export interface SrContent {
  documents: {
    file: string;
    sopInstanceUid: string;
    title: string;
    templateId: string | null;
    personObservers: string[];
    deviceObservers: string[];
    /** The time points the groups name (Longitude writes "baseline", "follow-up n"). */
    timePoints: string[];
    contentDate: string | null;
    completionFlag: string | null;
    verificationFlag: string | null;
    groups: SrGroupContent[];
  }[];
  /** Reports of the series that could not be read, each with why. */
  problems: string[];
}

/** One segment of a DICOM SEG, with its size on the CT it was made on. */
export interface SegSegmentContent {
  segmentNumber: number;
  label: string;
  category: ContentCode | null;
  type: ContentCode | null;
  anatomicRegion: ContentCode | null;
  algorithmType: string;
  algorithmName: string | null;
  trackingId: string | null;
  trackingUid: string | null;
  frames: number;
  voxels: number;
  /** Voxels × the voxel volume of the referenced CT (else of the SEG's own frame spacing); null when neither is known. */
  volumeMl: number | null;
}

/** A DICOM Segmentation series: its segments and the series it was made from. */
export interface SegContent {
  file: string;
  sopInstanceUid: string;
  segmentationType: string;
  rows: number;
  columns: number;
  frames: number;
  referencedSeries: { seriesInstanceUid: string; seriesId: number | null; description: string | null }[];
  /** The library series the segments are placed on (its grid gives the volumes), or null. */
  targetSeriesId: number | null;
  /** Where the volumes come from: the CT's grid, the SEG's own frames, or nowhere. */
  volumesFrom: 'ct' | 'seg' | null;
  segments: SegSegmentContent[];
  warnings: string[];
}

/** What a series holds: an image volume, a structured report or a segmentation. */
export interface SeriesContent {
  seriesId: number;
  modality: string;
  description: string;
  kind: 'image' | 'sr' | 'seg' | 'other';
  sr?: SrContent;
  seg?: SegContent;
}

export interface LibraryApi {
  listPatients(): Promise<PatientSummary[]>;
  listStudies(patientRowId: number): Promise<StudySummary[]>;
  listSeries(studyRowId: number): Promise<SeriesSummary[]>;
  getSeries(seriesId: number): Promise<SeriesDetail>;
  /** What a series holds: for a structured report its measurement groups, for a SEG its segments with volumes. */
  describeSeriesContent(input: { seriesId: number }): Promise<SeriesContent>;
  /** PNG bytes of a thumbnail of the series' middle slice (a plain icon for a series without images: SR, SEG). */
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
  describeSeriesContent: {},
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
