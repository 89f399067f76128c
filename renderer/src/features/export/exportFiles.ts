/**
 * Results that travel, as the reader sees them: which exports the dock offers, what each one
 * needs (the patient or the open exam), and what a finished export says — the files it made on
 * the workstation, a line of what is in them, and its warnings. Pure: no DOM, no API.
 */
import type { ReportExportResult, SegExportResult, SrExportResult } from '../../../../core/api/domains/export';

export type ExportKind = 'report' | 'sr' | 'seg' | 'csv';

export interface ExportItem {
  kind: ExportKind;
  label: string;
  /** What the action works on: the patient of the dock, or the exam of the open series. */
  scope: 'patient' | 'exam';
  /** Said while it runs. */
  busy: string;
}

export const EXPORT_ITEMS: readonly ExportItem[] = [
  { kind: 'report', label: 'Tumor-board report (PDF + HTML)', scope: 'patient', busy: 'Making the tumor-board report (key images take a few seconds)…' },
  { kind: 'sr', label: 'DICOM SR + SEG of this exam', scope: 'exam', busy: 'Writing the DICOM SR (TID 1500) and SEG of this exam…' },
  { kind: 'seg', label: 'DICOM SEG of this exam', scope: 'exam', busy: 'Writing the DICOM SEG of this exam…' },
  { kind: 'csv', label: 'Lesion table CSV', scope: 'patient', busy: 'Writing the lesion table as CSV…' },
];

export function exportItem(kind: ExportKind): ExportItem {
  return EXPORT_ITEMS.find((i) => i.kind === kind)!;
}

/** Why an item cannot run now, or null when it can. */
export function unavailableReason(item: ExportItem, target: { patientRowId: number | null; studyRowId: number | null }): string | null {
  if (target.patientRowId === null) return 'Open a series first: exports are of its patient';
  if (item.scope === 'exam' && target.studyRowId === null) return 'Open a series of the exam to export (its exam is not in the lesion table yet)';
  return null;
}

/** The file name of a workstation path (POSIX or Windows separators). */
export function fileNameOf(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts.at(-1) ?? path;
}

/** The folder of a workstation path, as the workstation wrote it. */
export function folderOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i > 0 ? path.slice(0, i) : path;
}

/** The CSV's name; the workstation writes it under `<home>/exports` (a relative `out`). */
export function csvOutName(patientRowId: number): string {
  return `lesions_patient${patientRowId}.csv`;
}

/** The type a downloaded (or previewed) file is given, by its extension. */
export function mimeOf(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  switch (ext) {
    case 'pdf':
      return 'application/pdf';
    case 'html':
    case 'htm':
      return 'text/html;charset=utf-8';
    case 'csv':
      return 'text/csv;charset=utf-8';
    case 'dcm':
      return 'application/dicom';
    default:
      return 'application/octet-stream';
  }
}

/** "12.3 kB" */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export interface ExportFile {
  /** Where the workstation wrote it (what readExport is given). */
  path: string;
  name: string;
  /** What it is, for the notice ("PDF", "HTML", "SR", "SEG", "CSV"). */
  role: string;
}

/** What a finished export says: the files to download, one line of content, warnings. */
export interface ExportOutcome {
  kind: ExportKind;
  title: string;
  files: ExportFile[];
  summary: string;
  warnings: string[];
}

const file = (path: string, role: string): ExportFile => ({ path, name: fileNameOf(path), role });
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function reportOutcome(r: ReportExportResult): ExportOutcome {
  return {
    kind: 'report',
    title: 'Tumor-board report',
    files: [file(r.pdf, 'PDF'), file(r.html, 'HTML')],
    summary: [plural(r.pages, 'page'), plural(r.exams, 'exam'), plural(r.targets, 'target'), plural(r.keyImages, 'key image')].join(' · '),
    warnings: r.warnings ?? [],
  };
}

function segSummary(seg: SegExportResult): string {
  return `SEG: ${plural(seg.segments.length, 'segment')} (${seg.segments.map((s) => s.label).join(', ')}), ${plural(seg.frames, 'frame')}`;
}

export function srOutcome(r: SrExportResult): ExportOutcome {
  const parts = [`SR: ${plural(r.groups.length, 'lesion')}${r.overallResponse ? `, overall response ${r.overallResponse}` : ''}`];
  if (r.seg) parts.push(segSummary(r.seg));
  return {
    kind: 'sr',
    title: 'DICOM SR + SEG',
    files: [file(r.file, 'SR'), ...(r.seg ? [file(r.seg.file, 'SEG')] : [])],
    summary: parts.join(' · '),
    warnings: r.seg ? [] : ['No SEG: this exam has no lesion or liver mask, so the SR carries diameters only.'],
  };
}

export function segOutcome(r: SegExportResult): ExportOutcome {
  return { kind: 'seg', title: 'DICOM SEG', files: [file(r.file, 'SEG')], summary: segSummary(r), warnings: [] };
}

export function csvOutcome(r: { file: string; rows: number; patients: number }): ExportOutcome {
  return {
    kind: 'csv',
    title: 'Lesion table CSV',
    files: [file(r.file, 'CSV')],
    summary: `${plural(r.rows, 'row')} (a row per lesion per exam)`,
    warnings: r.rows === 0 ? ['The table is empty: this patient has no lesions yet.'] : [],
  };
}

/** An API error's message as it came (it starts with the method), anything else as text. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** What failed, in the reader's words, with the workstation's own message. */
export function failureText(item: ExportItem, stage: 'export' | 'download', e: unknown, path?: string): string {
  const label = item.label.replace(/ \(.*\)$/, '');
  // "Tumor-board report" reads lower case mid-sentence; "DICOM SR" keeps its capitals.
  const what = /^[A-Z][a-z]/.test(label) ? label[0].toLowerCase() + label.slice(1) : label;
  if (stage === 'export') return `Could not make the ${what}: ${describeError(e)}`;
  return `The ${what} was written on the workstation${path ? ` (${path})` : ''} but could not be downloaded: ${describeError(e)}`;
}
