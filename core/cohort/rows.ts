/**
 * What the cohort filter is evaluated on: plain facts per patient (gathered from the registry by
 * main/services/cohorts), turned into rows — one per exam × lesion of the patient, one per exam
 * when the patient has no lesion — and matched. Pure.
 */
import type { LesionTableAssessment } from '../api/types';
import { COHORT_FIELDS, evaluateCohortFilter, type CohortExpr, type CohortField, type CohortRow } from './filter';

export interface CohortExamFacts {
  studyRowId: number;
  /** YYYY-MM-DD. */
  date: string | null;
  ageYears: number | null;
  modality: string | null;
  /** Manufacturer and model name, as recorded in the exam's images. */
  scanner: string | null;
}

export interface CohortLesionFacts {
  lesionId: number;
  label: string;
  site: string;
  type: string;
  role: string;
  reference: string | null;
  /** An accepted AI proposal made (or was moved onto) this lesion. */
  model: boolean;
  lineage: ('split' | 'merged')[];
}

export interface CohortPatientFacts {
  patientRowId: number;
  sex: string | null;
  /** RECIST 1.1 best overall response, null without an assessment. */
  response: string | null;
  /** Overall response at the last follow-up, null without one. */
  lastResponse: string | null;
  /** Exams with an image volume, by date. */
  exams: CohortExamFacts[];
  lesions: CohortLesionFacts[];
}

export interface CohortRowOf {
  row: CohortRow;
  studyRowId: number | null;
  lesionId: number | null;
}

/** One row per exam × lesion (lesion fields empty for a patient without lesions; exam fields empty without exams). */
export function cohortRows(p: CohortPatientFacts): CohortRowOf[] {
  const patient = { sex: p.sex, response: p.response, lastResponse: p.lastResponse, exams: p.exams.length, lesions: p.lesions.length };
  const exams: (CohortExamFacts | null)[] = p.exams.length ? p.exams : [null];
  const lesions: (CohortLesionFacts | null)[] = p.lesions.length ? p.lesions : [null];
  const out: CohortRowOf[] = [];
  for (const e of exams)
    for (const l of lesions)
      out.push({
        studyRowId: e?.studyRowId ?? null,
        lesionId: l?.lesionId ?? null,
        row: {
          ...patient,
          date: e?.date ?? null,
          age: e?.ageYears ?? null,
          modality: e?.modality ?? null,
          scanner: e?.scanner ?? null,
          site: l?.site ?? null,
          type: l?.type ?? null,
          role: l?.role ?? null,
          reference: l?.reference ?? null,
          model: l ? l.model : null,
          lineage: l ? l.lineage : null,
        },
      });
  return out;
}

export interface PatientMatch {
  patientRowId: number;
  /** Exams with a matching row, in the patient's exam order. */
  studyRowIds: number[];
  /** Lesions with a matching row, in the patient's lesion order. */
  lesionIds: number[];
}

/** The patient's part of the cohort, or null when no row matches. */
export function matchPatient(expr: CohortExpr, p: CohortPatientFacts): PatientMatch | null {
  const exams = new Set<number>();
  const lesions = new Set<number>();
  let any = false;
  for (const r of cohortRows(p)) {
    if (!evaluateCohortFilter(expr, r.row)) continue;
    any = true;
    if (r.studyRowId !== null) exams.add(r.studyRowId);
    if (r.lesionId !== null) lesions.add(r.lesionId);
  }
  if (!any) return null;
  return { patientRowId: p.patientRowId, studyRowIds: p.exams.map((e) => e.studyRowId).filter((id) => exams.has(id)), lesionIds: p.lesions.map((l) => l.lesionId).filter((id) => lesions.has(id)) };
}

export function matchCohort(expr: CohortExpr, patients: readonly CohortPatientFacts[]): PatientMatch[] {
  return patients.map((p) => matchPatient(expr, p)).filter((m): m is PatientMatch => m !== null);
}

/** Best overall response and the response at the last follow-up, from the lesion table's assessment. */
export function responsesOf(a: Pick<LesionTableAssessment, 'recist'>): { response: string | null; lastResponse: string | null } {
  if (!a.recist) return { response: null, lastResponse: null };
  const followUps = a.recist.timepoints.filter((t) => !t.baseline);
  const last = followUps.at(-1);
  return { response: a.recist.bestOverallResponse, lastResponse: last?.overallResponse ?? null };
}

/**
 * Age in whole years at `date` from the birth date (both YYYY-MM-DD), else from a DICOM Patient's
 * Age (AS: 060Y, 018M, …; months, weeks and days give 0 … 1 years), else null.
 */
export function ageYears(birthDate: string | null, date: string | null, patientAge: string | null = null): number | null {
  const b = birthDate ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate) : null;
  const d = date ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  if (b && d) {
    let years = Number(d[1]) - Number(b[1]);
    if (Number(d[2]) * 100 + Number(d[3]) < Number(b[2]) * 100 + Number(b[3])) years--;
    return years >= 0 ? years : null;
  }
  const a = patientAge ? /^(\d{3})([DWMY])$/.exec(patientAge.trim()) : null;
  if (!a) return null;
  const n = Number(a[1]);
  return a[2] === 'Y' ? n : a[2] === 'M' ? Math.floor(n / 12) : a[2] === 'W' ? Math.floor(n / 52) : Math.floor(n / 365);
}

/**
 * A patient's stratum for a field (fields with `stratify` in COHORT_FIELDS): a patient field's
 * own value; for a lesion or exam field the most frequent value over the given lesions or exams
 * (ties: the first in the field's order of values, else alphabetical); 'none' without a value.
 */
export function patientStratum(field: CohortField, p: CohortPatientFacts): string {
  const spec = COHORT_FIELDS[field];
  if (!spec.stratify) throw new RangeError(`${field} cannot stratify a split (it is not one category per patient)`);
  const rows = cohortRows(p);
  const text = (v: CohortRow[CohortField]): string[] =>
    v === null ? [] : Array.isArray(v) ? (v.length ? v.map(String) : ['none']) : [typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)];
  if (spec.level === 'patient') return text(rows[0].row[field])[0] ?? 'none';
  const seen = new Map<number, string[]>();
  for (const r of rows) {
    const key = spec.level === 'lesion' ? r.lesionId : r.studyRowId;
    if (key !== null && !seen.has(key)) seen.set(key, text(r.row[field]));
  }
  const counts = new Map<string, number>();
  for (const vs of seen.values()) for (const v of vs) counts.set(v, (counts.get(v) ?? 0) + 1);
  if (!counts.size) return 'none';
  const order = 'values' in spec ? (spec.values as readonly string[]) : [];
  const rank = (v: string) => (order.indexOf(v) >= 0 ? order.indexOf(v) : order.length);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0][0];
}
