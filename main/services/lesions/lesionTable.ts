/**
 * The lesion table of a patient: a row per lesion, a column per exam, the diameters,
 * volumes and RECIST status in the cells, the follow-up findings and the sign-offs. A few indexed
 * queries, whatever the history size.
 */
import type { ExamColumn, LesionCell, LesionExamStatus, LesionTableData } from '../../../core/api/types';

export type { ExamColumn, LesionCell, LesionTableData } from '../../../core/api/types';
import type { Db } from '../registry/db';
import { listFindings, listLinks } from '../followup/followUpStore';
import { listLesions } from './lesionStore';
import { listSignoffs } from './signoffStore';

const emptyCell = (): LesionCell => ({ measurementId: null, seriesId: null, longAxisMm: null, shortAxisMm: null, volumeMl: null, status: null, measurementCount: 0, recordChosenBy: null });

export function lesionTableData(db: Db, patientRowId: number): LesionTableData {
  const examRows = db
    .prepare(
      `SELECT st.id AS studyRowId, st.study_date AS date, st.description, GROUP_CONCAT(se.id) AS seriesIds
       FROM studies st LEFT JOIN series se ON se.study_id = st.id
       WHERE st.patient_id = ? GROUP BY st.id ORDER BY st.study_date, st.study_time, st.id`,
    )
    .all(patientRowId) as { studyRowId: number; date: string | null; description: string; seriesIds: string | null }[];
  const exams: ExamColumn[] = examRows.map((e) => ({ ...e, seriesIds: e.seriesIds ? e.seriesIds.split(',').map(Number) : [] }));
  const lesions = listLesions(db, patientRowId);
  const cells: LesionTableData['cells'] = {};
  for (const l of lesions) cells[l.id] = Object.fromEntries(exams.map((e) => [e.studyRowId, emptyCell()]));

  // Diameters: per lesion and exam the measurement of record — the reader's choice, else the
  // earliest length or bidirectional measurement, so a later one never silently replaces it.
  const measurements = db
    .prepare(
      `SELECT m.id, m.lesion_id AS lesionId, m.series_id AS seriesId, se.study_id AS studyRowId, m.long_axis_mm AS longAxisMm, m.short_axis_mm AS shortAxisMm
       FROM measurements m JOIN lesions l ON l.id = m.lesion_id JOIN series se ON se.id = m.series_id
       WHERE l.patient_id = ? AND m.deleted_at IS NULL AND l.deleted_at IS NULL AND m.kind IN ('bidirectional', 'length')
       ORDER BY m.created_at, m.id`,
    )
    .all(patientRowId) as { id: number; lesionId: number; seriesId: number; studyRowId: number; longAxisMm: number | null; shortAxisMm: number | null }[];
  const chosen = new Map(
    (
      db
        .prepare('SELECT r.lesion_id AS lesionId, r.study_id AS studyRowId, r.measurement_id AS measurementId FROM measurements_of_record r JOIN lesions l ON l.id = r.lesion_id WHERE l.patient_id = ?')
        .all(patientRowId) as { lesionId: number; studyRowId: number; measurementId: number }[]
    ).map((r) => [`${r.lesionId}:${r.studyRowId}:${r.measurementId}`, true]),
  );
  for (const m of measurements) {
    const cell = cells[m.lesionId]?.[m.studyRowId];
    if (!cell) continue;
    cell.measurementCount++;
    // A choice counts only while its measurement is live and still this lesion's on this exam.
    const isChosen = chosen.has(`${m.lesionId}:${m.studyRowId}:${m.id}`);
    if (cell.measurementId !== null && !(isChosen && cell.recordChosenBy !== 'reader')) continue;
    Object.assign(cell, { measurementId: m.id, seriesId: m.seriesId, longAxisMm: m.longAxisMm, shortAxisMm: m.shortAxisMm, status: 'measured', recordChosenBy: isChosen ? 'reader' : 'default' });
  }

  const masks = db
    .prepare(
      `SELECT sg.lesion_id AS lesionId, sg.structure, se.study_id AS studyRowId, sg.volume_ml AS volumeMl
       FROM segmentations sg JOIN series se ON se.id = sg.series_id JOIN studies st ON st.id = se.study_id
       WHERE st.patient_id = ? AND sg.deleted_at IS NULL ORDER BY sg.updated_at, sg.id`,
    )
    .all(patientRowId) as { lesionId: number | null; structure: string; studyRowId: number; volumeMl: number }[];
  const liverVolumeMl: Record<number, number> = {};
  for (const s of masks) {
    if (s.structure === 'liver') liverVolumeMl[s.studyRowId] = s.volumeMl;
    else if (s.lesionId !== null && cells[s.lesionId]?.[s.studyRowId]) cells[s.lesionId][s.studyRowId].volumeMl = s.volumeMl;
  }

  const statuses = db
    .prepare(
      `SELECT a.lesion_id AS lesionId, a.study_id AS studyRowId, a.status FROM lesion_assessments a JOIN lesions l ON l.id = a.lesion_id
       WHERE l.patient_id = ? AND l.deleted_at IS NULL`,
    )
    .all(patientRowId) as { lesionId: number; studyRowId: number; status: LesionExamStatus }[];
  // An explicit status (too small, disappeared, not evaluated, non-target states) overrides "measured".
  for (const s of statuses) {
    const cell = cells[s.lesionId]?.[s.studyRowId];
    if (cell) cell.status = s.status;
  }
  const lineage = db
    .prepare(
      `SELECT id, kind, parent_lesion_id AS parentLesionId, child_lesion_id AS childLesionId, study_id AS studyRowId
       FROM lesion_lineage WHERE patient_id = ? AND deleted_at IS NULL ORDER BY id`,
    )
    .all(patientRowId) as LesionTableData['lineage'];
  return { patientRowId, exams, lesions, cells, liverVolumeMl, lineage, findings: listFindings(db, { patientRowId }), pendingLinks: listLinks(db, { patientRowId, status: 'proposed' }), signoffs: listSignoffs(db, patientRowId) };
}
