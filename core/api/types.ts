/**
 * Plain data shared by main and renderer. Every coordinate is patient LPS
 * millimetres unless the name says otherwise (DICOM PS3.3 C.7.6.2.1.1).
 */

export type Vec3 = [number, number, number];
/** 3×3 direction matrix, column-major: columns are the i (row), j (column) and k (slice) axes in LPS. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export interface VolumeGeometry {
  /** [columns, rows, slices] */
  dims: Vec3;
  spacingMm: Vec3;
  /** LPS position of the centre of voxel (0,0,0). */
  originMm: Vec3;
  direction: Mat3;
}

export interface PatientSummary {
  id: number;
  patientId: string;
  name: string;
  birthDate: string | null;
  sex: string | null;
  studyCount: number;
}

export interface StudySummary {
  id: number;
  patientRowId: number;
  studyInstanceUid: string;
  /** YYYY-MM-DD or null */
  date: string | null;
  time: string | null;
  description: string;
  accessionNumber: string;
  modalities: string[];
  seriesCount: number;
}

export interface SeriesSummary {
  id: number;
  studyRowId: number;
  seriesInstanceUid: string;
  modality: string;
  seriesNumber: number | null;
  description: string;
  /** Number of slices in the reconstructed volume (frames for multi-frame). */
  sliceCount: number;
  instanceCount: number;
  rows: number;
  columns: number;
  warnings: string[];
}

export interface HuStats {
  minHu: number;
  maxHu: number;
  meanHu: number;
  /** Sample standard deviation (n−1). */
  sdHu: number;
  voxelCount: number;
}

export interface SeriesDetail extends SeriesSummary {
  patient: { patientId: string; name: string; birthDate: string | null; sex: string | null };
  study: { studyInstanceUid: string; date: string | null; description: string; accessionNumber: string };
  geometry: VolumeGeometry;
  transferSyntaxes: { uid: string; name: string }[];
  /** Gantry tilt in degrees, 0 when the slices are orthogonal to the stack direction. */
  gantryTiltDeg: number;
  /** Window suggested by the file (first instance), if any. */
  defaultWindow: { center: number; width: number } | null;
  frameOfReferenceUid: string;
}

export type ImportOutcome = 'imported' | 'duplicate' | 'skipped';

export interface ImportFileResult {
  /** The path as given to the importer (or its name inside a zip: "archive.zip!/a/b.dcm"). */
  file: string;
  outcome: ImportOutcome;
  reason?: string;
  seriesInstanceUid?: string;
}

export interface ImportReport {
  imported: number;
  duplicates: number;
  skipped: number;
  files: ImportFileResult[];
  /** Series touched by this import, with their warnings. */
  series: { id: number; seriesInstanceUid: string; description: string; sliceCount: number; warnings: string[] }[];
  durationMs: number;
}

export interface ImportProgress {
  phase: 'scanning' | 'reading' | 'copying' | 'registering' | 'done';
  done: number;
  total: number;
}

export interface VolumeInfo {
  seriesId: number;
  geometry: VolumeGeometry;
  /** Slices per chunk the server prefers; chunks are requested from the middle outwards. */
  chunkSlices: number;
}

export interface AppInfo {
  version: string;
  mode: 'electron' | 'serve';
  /** The library folder (LONGITUDE_HOME or --home). */
  homeDir: string;
}
