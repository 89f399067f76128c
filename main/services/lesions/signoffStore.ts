/**
 * Sign-off of an exam's assessment: the lesions domain's store, the only writer of
 * `exam_signoffs`. A reader signs (name and time from the reader of the call, with what the
 * assessment said); while the signature is in force the exam is locked — no measurement,
 * status, mask, link or AI decision on it may change — and reopening it is explicit, with a
 * reason, recorded on the same row and in the audit log. Other domains ask `assertExamOpen`
 * / `assertSeriesOpen` before they write anything that belongs to an exam.
 */
import { conflict, invalid, notFound } from '../../../core/api/errors';
import type { ExamSignoff, SignoffSummary } from '../../../core/api/types';
import { audit } from '../audit/auditLog';
import { changed, transaction } from '../registry/changes';
import type { Db } from '../registry/db';
import { currentReader } from '../session/readerContext';

interface SignoffRow {
  id: number;
  patient_id: number;
  study_id: number;
  reader_name: string;
  reader_id: string | null;
  signed_at: string;
  summary_json: string;
  reopened_at: string | null;
  reopened_by_name: string | null;
  reopened_by_id: string | null;
  reopen_reason: string | null;
  study_date?: string | null;
}

function toSignoff(r: SignoffRow): ExamSignoff {
  return {
    id: r.id,
    patientRowId: r.patient_id,
    studyRowId: r.study_id,
    reader: { name: r.reader_name, id: r.reader_id },
    signedAt: r.signed_at,
    summary: JSON.parse(r.summary_json) as SignoffSummary,
    reopenedAt: r.reopened_at,
    reopenedBy: r.reopened_by_name === null ? null : { name: r.reopened_by_name, id: r.reopened_by_id },
    reopenReason: r.reopen_reason,
  };
}

/** The signature in force on an exam, if any. */
export function activeSignoff(db: Db, studyRowId: number): ExamSignoff | null {
  const r = db.prepare('SELECT * FROM exam_signoffs WHERE study_id = ? AND reopened_at IS NULL').get(studyRowId) as SignoffRow | undefined;
  return r ? toSignoff(r) : null;
}

/** Every sign-off of a patient's exams, oldest first (reopened ones included). */
export function listSignoffs(db: Db, patientRowId: number): ExamSignoff[] {
  return (db.prepare('SELECT * FROM exam_signoffs WHERE patient_id = ? ORDER BY id').all(patientRowId) as SignoffRow[]).map(toSignoff);
}

function lockedMessage(db: Db, s: ExamSignoff, what: string): string {
  const date = (db.prepare('SELECT study_date AS d FROM studies WHERE id = ?').get(s.studyRowId) as { d: string | null } | undefined)?.d;
  return `cannot ${what}: the exam of ${date ?? 'unknown date'} (study ${s.studyRowId}) was signed by ${s.reader.name} at ${s.signedAt} and is locked; reopen it (with a reason) to change it`;
}

/** Throws a conflict naming who signed, when the exam is signed. `what` says what was attempted ("add a measurement"). */
export function assertExamOpen(db: Db, studyRowId: number, what: string): void {
  const s = activeSignoff(db, studyRowId);
  if (s) throw conflict(lockedMessage(db, s, what));
}

/** The same for the exam a series belongs to. */
export function assertSeriesOpen(db: Db, seriesId: number, what: string): void {
  const r = db.prepare('SELECT study_id AS s FROM series WHERE id = ?').get(seriesId) as { s: number } | undefined;
  if (r) assertExamOpen(db, r.s, what);
}

/** The signed exams on which a lesion has a measurement, mask or status (a change to its RECIST fields would change them). */
export function signedExamsOfLesion(db: Db, lesionId: number): number[] {
  const rows = db
    .prepare(
      `SELECT DISTINCT x.study_id AS s FROM (
         SELECT se.study_id FROM measurements m JOIN series se ON se.id = m.series_id WHERE m.lesion_id = ? AND m.deleted_at IS NULL
         UNION SELECT se.study_id FROM segmentations sg JOIN series se ON se.id = sg.series_id WHERE sg.lesion_id = ? AND sg.deleted_at IS NULL
         UNION SELECT study_id FROM lesion_assessments WHERE lesion_id = ?
       ) x JOIN exam_signoffs so ON so.study_id = x.study_id AND so.reopened_at IS NULL`,
    )
    .all(lesionId, lesionId, lesionId) as { s: number }[];
  return rows.map((r) => r.s);
}

export function assertLesionUnsigned(db: Db, lesionId: number, what: string): void {
  const signed = signedExamsOfLesion(db, lesionId);
  if (signed.length) throw conflict(lockedMessage(db, activeSignoff(db, signed[0])!, what));
}

/** Sign an exam's assessment as the reader of the call. */
export function signExam(db: Db, studyRowId: number, summary: SignoffSummary): ExamSignoff {
  const reader = currentReader();
  return transaction(db, () => {
    const study = db.prepare('SELECT patient_id AS p FROM studies WHERE id = ?').get(studyRowId) as { p: number } | undefined;
    if (!study) throw notFound(`study ${studyRowId} is not in the library`);
    const existing = activeSignoff(db, studyRowId);
    if (existing) throw conflict(`the exam (study ${studyRowId}) is already signed by ${existing.reader.name} at ${existing.signedAt}`);
    const id = Number(
      db
        .prepare('INSERT INTO exam_signoffs (patient_id, study_id, reader_name, reader_id, signed_at, summary_json) VALUES (?, ?, ?, ?, ?, ?)')
        .run(study.p, studyRowId, reader.name, reader.id ?? null, new Date().toISOString(), JSON.stringify(summary)).lastInsertRowid,
    );
    const after = toSignoff(db.prepare('SELECT * FROM exam_signoffs WHERE id = ?').get(id) as SignoffRow);
    audit(db, 'exam-signoff', id, 'create', null, after);
    changed(db, 'onLesionsChanged', { patientRowId: study.p });
    return after;
  });
}

/** Reopen a signed exam: explicit, with a reason, by the reader of the call; the signature stays on record. */
export function reopenExam(db: Db, studyRowId: number, reason: string): ExamSignoff {
  const why = typeof reason === 'string' ? reason.trim() : '';
  if (!why) throw invalid('reopening a signed exam needs a reason (it is kept with the signature)');
  const reader = currentReader();
  return transaction(db, () => {
    const before = activeSignoff(db, studyRowId);
    if (!before) throw conflict(`the exam (study ${studyRowId}) is not signed`);
    db.prepare('UPDATE exam_signoffs SET reopened_at = ?, reopened_by_name = ?, reopened_by_id = ?, reopen_reason = ? WHERE id = ?').run(
      new Date().toISOString(),
      reader.name,
      reader.id ?? null,
      why,
      before.id,
    );
    const after = toSignoff(db.prepare('SELECT * FROM exam_signoffs WHERE id = ?').get(before.id) as SignoffRow);
    audit(db, 'exam-signoff', before.id, 'update', before, after);
    changed(db, 'onLesionsChanged', { patientRowId: before.patientRowId });
    return after;
  });
}
