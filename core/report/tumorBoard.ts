/**
 * The tumor-board report of one patient, as a document model: every word and number it shows,
 * prepared once here (pure), then drawn twice by the main process, as self-contained HTML and
 * as PDF. Key images are rendered by the main process (it has the voxels) and handed in.
 *
 * RECIST 1.1: Eisenhauer et al., Eur J Cancer 2009;45:228-47 (categories, sums, rules).
 */
import type { ReaderIdentity } from '../api/reader';
import type { LesionTable, LesionExamStatus } from '../api/types';
import type { RecistTimepointResult } from '../recist/types';
import type { Figure } from './figure';
import { reportFigures } from './plotFigures';
import { RESPONSE_WORDS, mlText, recistByStudy, vdtText, type AnyResponse } from './tableText';

export interface ReportPatient {
  name: string;
  patientId: string;
  birthDate: string | null;
  sex: string | null;
}

export interface ReportExam {
  studyRowId: number;
  /** "Baseline", "Follow-up 1", … or "Not assessed" for an exam outside RECIST. */
  label: string;
  date: string | null;
  description: string;
  signoff: { reader: string; signedAt: string } | null;
  recist: {
    baseline: boolean;
    sumMm: number | null;
    nadirMm: number | null;
    changeFromBaselinePct: number | null;
    changeFromNadirPct: number | null;
    target: AnyResponse | null;
    nonTarget: AnyResponse | null;
    newLesions: string[];
    equivocalNewLesions: string[];
    overall: AnyResponse | null;
    /** The rule that fired and what it rests on, in words (from the assessment's explanation). */
    rule: string[];
  } | null;
}

export interface ReportTableRow {
  lesionId: number;
  label: string;
  /** "target", "non-target", "new", … as assessed. */
  role: string;
  site: string;
  /** One cell per exam, in `exams` order: diameters, volume, or the status in words. */
  cells: { diameters: string; volume: string; status: LesionExamStatus | null }[];
  /** Growth between consecutive volumes, e.g. "VDT 84 d". */
  growth: string;
  note: string | null;
}

export interface ReportKeyImage {
  lesionId: number;
  lesionLabel: string;
  studyRowId: number;
  examLabel: string;
  date: string | null;
  /** 8-bit greyscale PNG of the slice through the lesion at the soft-tissue window. */
  png: Uint8Array;
  widthPx: number;
  heightPx: number;
  /** Field of view of the image, mm (square pixels). */
  mmPerPixel: number;
  /** Window used, HU. */
  window: { center: number; width: number };
  /** The measurement of record on the image, in image pixels (0,0 = top-left corner of the top-left pixel). */
  lines: { from: [number, number]; to: [number, number]; kind: 'long' | 'short' }[];
  /** Patient directions at the image's right and bottom edges ("L", "P"…). */
  orientation: { right: string; bottom: string };
  caption: string;
}

export interface ReportProvenance {
  lesionLabel: string;
  /** "lesion mask on Follow-up 1 (2024-03-01)" */
  what: string;
  model: string;
  version: string;
  /** accepted as proposed / edited by the reader */
  state: string;
  intendedUse: string | null;
}

export interface TumorBoardReport {
  title: string;
  generatedAt: string;
  software: string;
  preparedBy: string;
  patient: ReportPatient;
  exams: ReportExam[];
  bestOverallResponse: { response: AnyResponse; words: string; explanation: string[] } | null;
  /** Why RECIST could not be computed, when it could not. */
  recistErrors: string[];
  rows: ReportTableRow[];
  /** Total lesion volume, liver volume and tumour burden per exam, in `exams` order. */
  burden: { totalLesionVolume: string; liverVolume: string; tumorBurden: string }[];
  figures: Figure[];
  keyImages: ReportKeyImage[];
  provenance: ReportProvenance[];
  notices: string[];
}

export interface TumorBoardInput {
  table: LesionTable;
  patient: ReportPatient;
  keyImages: ReportKeyImage[];
  provenance: ReportProvenance[];
  generatedAt: string;
  software: string;
  reader: ReaderIdentity;
}

const STATUS_WORDS: Record<LesionExamStatus, string> = {
  measured: 'measured',
  present: 'present',
  absent: 'absent',
  disappeared: 'disappeared',
  'too-small': 'too small to measure',
  'not-evaluated': 'not evaluated',
  'unequivocal-progression': 'unequivocal progression',
  equivocal: 'equivocal',
};

function pct(v: number | null): string {
  return v === null ? '—' : `${v > 0 ? '+' : ''}${v.toFixed(1)} %`;
}

export function responseWords(r: AnyResponse | null): string {
  return r ? `${r} (${RESPONSE_WORDS[r]})` : '—';
}

export function percentText(v: number | null): string {
  return pct(v);
}

/** Exam labels: the RECIST baseline, then follow-ups in date order; exams outside RECIST say so. */
export function examLabels(table: LesionTable): Map<number, string> {
  const out = new Map<number, string>();
  const ids = table.assessment.recistStudyRowIds;
  ids.forEach((id, i) => out.set(id, i === 0 ? 'Baseline' : `Follow-up ${i}`));
  for (const e of table.table.exams) if (!out.has(e.studyRowId)) out.set(e.studyRowId, 'Not assessed');
  return out;
}

function recistOf(tp: RecistTimepointResult | undefined): ReportExam['recist'] {
  if (!tp) return null;
  return {
    baseline: tp.baseline,
    sumMm: tp.sumMm,
    nadirMm: tp.nadirMm,
    changeFromBaselinePct: tp.changeFromBaselinePct,
    changeFromNadirPct: tp.changeFromNadirPct,
    target: tp.targetResponse,
    nonTarget: tp.nonTargetResponse,
    newLesions: tp.newLesionIds,
    equivocalNewLesions: tp.equivocalNewLesionIds,
    overall: tp.overallResponse,
    rule: tp.explanation,
  };
}

function diametersText(cell: LesionTable['table']['cells'][number][number] | undefined): string {
  if (!cell) return '';
  if (cell.longAxisMm !== null) {
    const star = cell.measurementCount > 1 ? ' (of record)' : '';
    return cell.shortAxisMm !== null ? `${cell.longAxisMm.toFixed(1)} × ${cell.shortAxisMm.toFixed(1)} mm${star}` : `${cell.longAxisMm.toFixed(1)} mm${star}`;
  }
  return cell.status ? (STATUS_WORDS[cell.status] ?? cell.status) : '';
}

/** The whole report model of a patient. */
export function buildTumorBoardReport(input: TumorBoardInput): TumorBoardReport {
  const { table: lt } = input;
  const t = lt.table;
  const a = lt.assessment;
  const labels = examLabels(lt);
  const byStudy = recistByStudy(a);
  // Exams in date order, the RECIST ones as they are assessed.
  const exams: ReportExam[] = [...t.exams]
    .sort((x, y) => (x.date ?? '').localeCompare(y.date ?? '') || x.studyRowId - y.studyRowId)
    .map((e) => {
      const s = t.signoffs.filter((x) => x.studyRowId === e.studyRowId && x.reopenedAt === null).at(-1);
      return {
        studyRowId: e.studyRowId,
        label: labels.get(e.studyRowId) ?? 'Not assessed',
        date: e.date,
        description: e.description,
        signoff: s ? { reader: s.reader.name, signedAt: s.signedAt } : null,
        recist: recistOf(byStudy.get(e.studyRowId)),
      };
    });
  const roles = new Map(a.lesionRoles.map((r) => [r.lesionId, r]));
  const volumes = a.volumetry.lesions;
  const rows: ReportTableRow[] = t.lesions.map((l) => {
    const role = roles.get(l.id);
    const growth = a.volumetry.growth[l.label] ?? [];
    const site = [l.site, l.couinaudSegment ? `segment ${l.couinaudSegment}` : null, l.nodeStation].filter(Boolean).join(', ');
    return {
      lesionId: l.id,
      label: l.label,
      role: role?.role ?? l.recistRole,
      site,
      cells: exams.map((e) => {
        const cell = t.cells[l.id]?.[e.studyRowId];
        const v = volumes[l.label]?.[e.studyRowId];
        return { diameters: diametersText(cell), volume: v ? mlText(v.volumeMl) : cell?.volumeMl !== null && cell?.volumeMl !== undefined ? mlText(cell.volumeMl) : '', status: cell?.status ?? null };
      }),
      growth: growth.length ? vdtText(growth[growth.length - 1].growth) : '',
      note: role?.note ?? null,
    };
  });
  const burden = exams.map((e) => {
    const v = a.volumetry.exams.find((x) => x.studyRowId === e.studyRowId);
    return {
      totalLesionVolume: mlText(v?.totalLesionVolumeMl ?? null),
      liverVolume: mlText(v?.liverVolumeMl ?? null),
      tumorBurden: v?.tumorBurdenPct === null || v?.tumorBurdenPct === undefined ? '—' : `${v.tumorBurdenPct.toFixed(2)} %`,
    };
  });
  const notices: string[] = [];
  const uses = [...new Set(input.provenance.map((p) => p.intendedUse).filter((x): x is string => Boolean(x)))];
  for (const u of uses) notices.push(u);
  if (input.provenance.length) notices.push('Findings a model made are listed under Model provenance with the model and its version; each was reviewed by the reader named on this report.');
  const unsigned = exams.filter((e) => e.recist && !e.signoff).map((e) => `${e.label}${e.date ? ` (${e.date})` : ''}`);
  if (unsigned.length) notices.push(`Not signed off: ${unsigned.join(', ')}. Results of an unsigned exam may still change.`);
  return {
    title: 'Tumor board report — RECIST 1.1 follow-up',
    generatedAt: input.generatedAt,
    software: input.software,
    preparedBy: input.reader.name,
    patient: input.patient,
    exams,
    bestOverallResponse: a.recist ? { response: a.recist.bestOverallResponse, words: responseWords(a.recist.bestOverallResponse), explanation: a.recist.bestOverallResponseExplanation } : null,
    recistErrors: a.recistErrors,
    rows,
    burden,
    figures: reportFigures(lt),
    keyImages: input.keyImages,
    provenance: input.provenance,
    notices,
  };
}
