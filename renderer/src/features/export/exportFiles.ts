/**
 * Results that travel, as the reader sees them: which exports the dock offers, what each one
 * needs (the patient or the open exam), and what a finished export says — the files it made on
 * the workstation, a line of what is in them, and its warnings. Pure: no DOM, no API.
 */
import type { DeidOptions, DeidPatient, DeidReport } from '../../../../core/api/domains/deid';
import type { ReportExportResult, SegExportResult, SrExportResult, ZipExportResult } from '../../../../core/api/domains/export';

export type ExportKind = 'report' | 'sr' | 'seg' | 'csv' | 'deid-exam' | 'deid-patient';

/** The de-identified DICOM exports (they ask for their options first). */
export type DeidKind = Extract<ExportKind, 'deid-exam' | 'deid-patient'>;

export function isDeidKind(kind: ExportKind): kind is DeidKind {
  return kind === 'deid-exam' || kind === 'deid-patient';
}

/** What the options dialog of a de-identified export hands on. */
export interface DeidChoice {
  options: DeidOptions;
  /** Also the exam's (each exam's) SR + SEG, exported now and de-identified with it. */
  withResults: boolean;
}

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
  { kind: 'deid-exam', label: 'De-identified DICOM of this exam', scope: 'exam', busy: 'De-identifying this exam (every file is searched for identifying values), then zipping it…' },
  { kind: 'deid-patient', label: 'De-identified DICOM of this patient', scope: 'patient', busy: 'De-identifying every exam of this patient (every file is searched for identifying values), then zipping them…' },
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
    case 'zip':
      return 'application/zip';
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
  /** Lines shown under the summary (a de-identified export's pseudonyms, for the local user only). */
  details?: string[];
  /** Where the workstation keeps what was made, when it is not the folder of the first file. */
  where?: string;
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

/** "−812 days" (a true minus sign), "+3 days". */
function daysText(days: number): string {
  const n = Math.abs(days);
  return `${days < 0 ? '\u2212' : '+'}${n} day${n === 1 ? '' : 's'}`;
}

/** "DEMO-1 → LNG-ABCDE12345, dates shifted by −812 days": the key map's line of one patient. */
export function pseudonymLine(p: DeidPatient, options: Pick<DeidOptions, 'retainLongitudinalModifiedDates'>): string {
  const dates = options.retainLongitudinalModifiedDates ? `dates shifted by ${daysText(p.dateOffsetDays)}` : 'dates removed';
  return `${p.patientId || p.patientName || '(no patient ID)'} \u2192 ${p.pseudonymId}, ${dates} (${plural(p.files, 'file')})`;
}

/** A de-identified export, zipped to download: what was written, left out, under which pseudonyms. */
export function deidOutcome(kind: DeidKind, r: DeidReport, zip: ZipExportResult): ExportOutcome {
  const byModality = new Map<string, number>();
  for (const f of r.files) byModality.set(f.modality || '?', (byModality.get(f.modality || '?') ?? 0) + 1);
  const modalities = [...byModality].map(([m, n]) => `${m} ${n}`).join(', ');
  const leftOut = [...r.excluded, ...r.skipped];
  return {
    kind,
    title: kind === 'deid-exam' ? 'De-identified DICOM of this exam' : 'De-identified DICOM of this patient',
    files: [file(zip.file, 'ZIP')],
    summary: [
      `${plural(r.files.length, 'file')} written${modalities ? ` (${modalities})` : ''}`,
      `${plural(leftOut.length, 'file')} left out`,
      `${plural(r.check.values, 'identifying value')} searched for in every file: none left`,
    ].join(' · '),
    warnings: leftOut.map((f) => `Left out ${f.source}: ${f.reason}`),
    details: r.patients.map((p) => pseudonymLine(p, r.options)),
    where: r.outDir,
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
