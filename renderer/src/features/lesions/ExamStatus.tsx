/**
 * The selected lesion on one exam (the one open in the viewer unless another is chosen):
 * its measurement, or a RECIST status set by hand — too small, disappeared, not evaluated
 * for targets; present, absent, unequivocal progression for non-targets; equivocal for new
 * lesions — and, when it has several measurements there, which one is of record.
 */
import { useEffect, useState } from 'react';
import type { Lesion, LesionExamStatus, LesionTable, Measurement } from '../../../../core/api/types';
import { useApi } from '../../api';
import { STATUS_LABEL, diametersText, statusChoices } from './lesionText';

export function ExamStatus({ lesion, data, currentStudyRowId }: { lesion: Lesion; data: LesionTable; currentStudyRowId: number | null }) {
  const api = useApi();
  const exams = data.table.exams;
  const [chosen, setChosen] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Follow the viewer: opening another exam's series moves the status buttons to that exam.
  useEffect(() => setChosen(null), [currentStudyRowId]);
  const studyRowId = chosen ?? currentStudyRowId ?? exams[exams.length - 1]?.studyRowId ?? null;
  const exam = exams.find((e) => e.studyRowId === studyRowId) ?? null;
  const cell = exam ? data.table.cells[lesion.id]?.[exam.studyRowId] : undefined;
  // The role it is assessed with: a lesion first seen after the baseline is new, whatever was recorded.
  const assessed = data.assessment.lesionRoles.find((r) => r.lesionId === lesion.id);
  const role = assessed?.role === 'new' ? 'new' : lesion.recistRole;
  const signed = exam ? data.table.signoffs.find((x) => x.studyRowId === exam.studyRowId && x.reopenedAt === null) : undefined;
  const [candidates, setCandidates] = useState<Measurement[]>([]);
  const count = cell?.measurementCount ?? 0;
  useEffect(() => {
    if (!exam || count < 2) return setCandidates([]);
    let live = true;
    void api.listMeasurements({ lesionId: lesion.id }).then((ms) => {
      if (live) setCandidates(ms.filter((m) => exam.seriesIds.includes(m.seriesId) && (m.kind === 'length' || m.kind === 'bidirectional')));
    });
    return () => {
      live = false;
    };
  }, [api, lesion.id, exam, count, cell?.measurementId]);
  const chooseRecord = async (measurementId: number | null) => {
    if (!exam) return;
    setError(null);
    try {
      await api.setMeasurementOfRecord({ lesionId: lesion.id, studyRowId: exam.studyRowId, measurementId });
    } catch (e) {
      setError(`Could not choose the measurement of record: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const set = async (status: LesionExamStatus | null) => {
    if (!exam) return;
    setError(null);
    try {
      await api.setLesionAssessment(lesion.id, exam.studyRowId, status);
    } catch (e) {
      setError(`Could not set the status of ${lesion.label} on ${exam.date ?? 'this exam'}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  if (!exam) return <div className="exam-status empty">This patient has no exams.</div>;
  const measured = cell && cell.measurementId !== null && cell.longAxisMm !== null ? cell : null;
  const explicit = cell?.status && (cell.status !== 'measured' || cell.measurementId === null) ? cell.status : null;

  return (
    <div className="exam-status" data-testid="lesion-exam-status" data-study-row-id={exam.studyRowId} data-status={cell?.status ?? ''}>
      <div className="exam-status-head">
        <span className="field-name">On exam</span>
        <select data-testid="lesion-exam-select" value={exam.studyRowId} onChange={(e) => setChosen(Number(e.target.value))}>
          {exams.map((e) => (
            <option key={e.studyRowId} value={e.studyRowId}>
              {e.date ?? 'no date'} {e.description ? `· ${e.description}` : ''}
              {e.studyRowId === currentStudyRowId ? ' (open)' : ''}
            </option>
          ))}
        </select>
      </div>
      <div className="exam-status-now">
        {measured && (
          <span>
            Measured <strong>{diametersText(measured.longAxisMm, measured.shortAxisMm)}</strong>
            {lesion.lymphNode && <span className="dim"> (short axis counts)</span>}
            {explicit && ' · '}
          </span>
        )}
        {explicit && (
          <span className={`status-word status-${explicit}`} data-testid="lesion-status-current">
            {measured ? 'recorded as ' : 'Recorded as '}
            {STATUS_LABEL[explicit]}
          </span>
        )}
        {!measured && !explicit && (
          <span className="dim">{lesion.recistRole === 'target' ? 'Not measured on this exam: measure it, or say why not.' : 'Not assessed on this exam.'}</span>
        )}
      </div>
      {signed && (
        <div className="dim" data-testid="lesion-exam-locked">
          ✓ Signed by {signed.reader.name}: reopen the exam in the table to change it.
        </div>
      )}
      {candidates.length > 1 && (
        <label className="record-choice">
          <span className="field-name" title="Exactly one measurement per lesion and exam counts for RECIST; a new one never replaces it silently">
            Of record
          </span>
          <select
            data-testid="record-select"
            value={cell?.recordChosenBy === 'reader' ? String(cell.measurementId) : 'default'}
            onChange={(e) => void chooseRecord(e.target.value === 'default' ? null : Number(e.target.value))}
          >
            <option value="default">the earliest (default){cell?.recordChosenBy !== 'reader' && cell?.measurementId ? ` — #${cell.measurementId}` : ''}</option>
            {candidates.map((m) => (
              <option key={m.id} value={m.id}>
                #{m.id} {m.kind} {diametersText(m.longAxisMm, m.shortAxisMm)} · {m.source} · {m.createdAt.slice(0, 16).replace('T', ' ')}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="status-buttons" role="group" aria-label="Status on this exam">
        {statusChoices(role).map((s) => (
          <button
            key={s}
            type="button"
            className={`button${cell?.status === s ? ' active' : ''}`}
            data-testid={`lesion-status-${s}`}
            aria-pressed={cell?.status === s}
            title={cell?.status === s ? 'Click again to clear' : undefined}
            onClick={() => void set(cell?.status === s ? null : s)}
          >
            {STATUS_LABEL[s]}
          </button>
        ))}
        {explicit && (
          <button type="button" className="button" data-testid="lesion-status-clear" onClick={() => void set(null)} title="Back to what the measurements say">
            clear
          </button>
        )}
      </div>
      {error && <div className="error">{error}</div>}
    </div>
  );
}
