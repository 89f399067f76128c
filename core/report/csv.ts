/**
 * The lesion table as CSV: a row per lesion per exam, quoted per RFC 4180 (fields with a comma,
 * a double quote or a line break are quoted, quotes doubled; lines end with CRLF). Pure: the
 * table and its assessment in, text out. The columns are documented in the README.
 */
import type { LesionTable, PatientSummary } from '../api/types';

export const LESION_CSV_COLUMNS = [
  'patient_id',
  'patient_name',
  'patient_row_id',
  'study_row_id',
  'exam_date',
  'time_point',
  'lesion',
  'tracking_uid',
  'site',
  'couinaud_segment',
  'node_station',
  'lymph_node',
  'lesion_type',
  'recist_role',
  'assessed_role',
  'first_seen_date',
  'status',
  'long_axis_mm',
  'short_axis_mm',
  'measurement_id',
  'measurements_on_exam',
  'volume_ml',
  'sum_of_diameters_mm',
  'target_response',
  'non_target_response',
  'new_lesions',
  'overall_response',
  'signed_by',
] as const;

export type LesionCsvRow = Record<(typeof LESION_CSV_COLUMNS)[number], string | number | null>;

/** One field per RFC 4180 §2: quoted when it holds a comma, a quote or a line break. */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns: readonly string[], rows: readonly Record<string, string | number | null>[]): string {
  return [columns.map(csvField).join(','), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(','))].map((l) => `${l}\r\n`).join('');
}

const round = (v: number | null | undefined, digits = 2): number | null => (v === null || v === undefined ? null : Number(v.toFixed(digits)));

/**
 * Rows of one patient's table: every lesion on every exam from its first sighting on (a lesion
 * has no row before it existed). Without `identifiers` the patient's ID and name are left empty.
 */
export function lesionCsvRows(t: LesionTable, patient: Pick<PatientSummary, 'id' | 'patientId' | 'name'>, opts: { identifiers: boolean; trackingUids?: Record<number, string> }): LesionCsvRow[] {
  const { table, assessment } = t;
  const tpOf = new Map(assessment.recistStudyRowIds.map((id, i) => [id, assessment.recist?.timepoints[i]]));
  const roles = new Map(assessment.lesionRoles.map((r) => [r.lesionId, r]));
  const index = new Map(table.exams.map((e, i) => [e.studyRowId, i]));
  const dateOf = new Map(table.exams.map((e) => [e.studyRowId, e.date]));
  const followUps = table.exams.filter((e) => tpOf.get(e.studyRowId) && !tpOf.get(e.studyRowId)!.baseline).map((e) => e.studyRowId);
  const rows: LesionCsvRow[] = [];
  for (const l of table.lesions) {
    const role = roles.get(l.id);
    const first = role?.firstSeenStudyRowId ?? null;
    for (const e of table.exams) {
      if (first !== null && index.get(e.studyRowId)! < index.get(first)!) continue;
      const cell = table.cells[l.id]?.[e.studyRowId];
      const tp = tpOf.get(e.studyRowId);
      const volume = assessment.volumetry.lesions[l.label]?.[e.studyRowId]?.volumeMl ?? cell?.volumeMl ?? null;
      if (!cell || (!cell.status && volume === null && !tp)) continue;
      const signed = table.signoffs.find((s) => s.studyRowId === e.studyRowId && s.reopenedAt === null);
      rows.push({
        patient_id: opts.identifiers ? patient.patientId : null,
        patient_name: opts.identifiers ? patient.name : null,
        patient_row_id: patient.id,
        study_row_id: e.studyRowId,
        exam_date: e.date,
        time_point: tp ? (tp.baseline ? 'baseline' : `follow-up ${followUps.indexOf(e.studyRowId) + 1}`) : null,
        lesion: l.label,
        tracking_uid: opts.trackingUids?.[l.id] ?? null,
        site: l.site,
        couinaud_segment: l.couinaudSegment,
        node_station: l.nodeStation,
        lymph_node: l.lymphNode ? 'yes' : 'no',
        lesion_type: l.lesionType,
        recist_role: l.recistRole,
        assessed_role: role?.role ?? l.recistRole,
        first_seen_date: first !== null ? (dateOf.get(first) ?? null) : null,
        status: cell.status,
        long_axis_mm: round(cell.longAxisMm),
        short_axis_mm: round(cell.shortAxisMm),
        measurement_id: cell.measurementId,
        measurements_on_exam: cell.measurementCount,
        volume_ml: round(volume, 3),
        sum_of_diameters_mm: round(tp?.sumMm ?? null),
        target_response: tp?.targetResponse ?? null,
        non_target_response: tp?.nonTargetResponse ?? null,
        new_lesions: tp ? (tp.newLesionIds.length ? tp.newLesionIds.join(' ') : tp.baseline ? null : 'none') : null,
        overall_response: tp?.overallResponse ?? (tp?.baseline ? 'baseline' : null),
        signed_by: signed ? `${signed.reader.name} ${signed.signedAt}` : null,
      });
    }
  }
  return rows;
}
