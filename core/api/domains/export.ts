/**
 * Results that travel: DICOM SEG and SR TID 1500 per exam, the lesion table as CSV, reports read
 * back in (SR → lesions and measurements), and a demo patient. Files are written on the
 * workstation (default `<home>/exports`); the results say where.
 */
import type { EventTable, MethodTable } from './spec';

export interface SegExportResult {
  file: string;
  studyRowId: number;
  sourceSeriesId: number;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  frames: number;
  segments: { segmentNumber: number; label: string; trackingUid: string; algorithmType: 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC'; voxels: number }[];
}

export interface SrExportResult {
  file: string;
  seg: SegExportResult | null;
  sopInstanceUid: string;
  groups: { label: string; trackingUid: string; longAxisMm: number | null; shortAxisMm: number | null; volumeMl: number | null }[];
  overallResponse: string | null;
}

export interface SrImportResult {
  file: string;
  lesionsMatched: string[];
  lesionsCreated: string[];
  measurements: number;
  /** SEG segments placed as masks now (on lesions by Tracking UID, and the liver), none when already placed. */
  masks: number;
  /** Groups, measurements or segments that could not be placed, each with why. */
  skipped: string[];
}

export interface ReportExportResult {
  patientRowId: number;
  /** The tumor-board report as PDF and as one self-contained HTML file (opens offline). */
  pdf: string;
  html: string;
  pages: number;
  exams: number;
  targets: number;
  keyImages: number;
  /** What the report could not show, each with why (e.g. a target without a measurement on an exam). */
  warnings: string[];
}

export interface ZipExportResult {
  /** The ZIP, `<dir>.zip`, under `<home>/exports`. */
  file: string;
  /** Files in it. */
  files: number;
  /** The ZIP's size. */
  bytes: number;
}

export interface DemoResult {
  patientRowId: number;
  patientId: string;
  studyRowIds: number[];
  lesions: number;
  reviewItems: number;
}

export interface ExportApi {
  /** One DICOM SEG with the exam's lesion masks and liver, on its CT. */
  exportSeg(input: { studyRowId: number; outDir?: string }): Promise<SegExportResult>;
  /** The exam's TID 1500 measurement report, with its SEG. */
  exportSr(input: { studyRowId: number; outDir?: string }): Promise<SrExportResult>;
  /** The lesion table as CSV: one patient's, or the whole library's. */
  exportCsv(input: { patientRowId?: number; all?: boolean; out: string; identifiers?: boolean }): Promise<{ file: string; rows: number; patients: number }>;
  /** The tumor-board report of a patient: PDF + self-contained HTML. */
  exportReport(input: { patientRowId: number; outDir?: string }): Promise<ReportExportResult>;
  /**
   * The bytes of a file this workstation exported (under `<home>/exports`), so a browser client
   * can download it or preview it. Any other path is refused.
   */
  readExport(input: { file: string }): Promise<ArrayBuffer>;
  /**
   * A folder this workstation exported (under `<home>/exports`, e.g. a de-identified export's
   * `outDir`) as one ZIP beside it, `<dir>.zip` (files stored, not compressed), for a browser
   * client to download with readExport. Any other folder is refused.
   */
  zipExport(input: { dir: string }): Promise<ZipExportResult>;
  /** A TID 1500 report in the library becomes lesions and measurements (identity by Tracking UID). */
  importSrMeasurements(input: { seriesId: number }): Promise<SrImportResult>;
  /** A three-exam demo patient, measured and matched, imported into the library. */
  createDemoPatient(): Promise<DemoResult>;
}

export const EXPORT_METHODS = {
  exportSeg: {},
  exportSr: {},
  exportCsv: {},
  exportReport: {},
  readExport: { binary: 'application/octet-stream' },
  zipExport: {},
  importSrMeasurements: {},
  createDemoPatient: {},
} as const satisfies MethodTable<ExportApi>;

export type ExportEvents = Record<never, never>;
export const EXPORT_EVENTS = {} as const satisfies EventTable<ExportEvents>;
