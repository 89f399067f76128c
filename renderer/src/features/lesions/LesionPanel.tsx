/**
 * The patient's lesions: list, create, select (the viewer centres on the selection and the
 * tools measure onto it), edit, delete with undo, per-exam status and the audit trail.
 * Nothing here reloads after a call: the list follows onLesionsChanged (useChangeFeeds).
 */
import { useState } from 'react';
import type { Lesion, LesionTable } from '../../../../core/api/types';
import { useApi } from '../../api';
import { useStore } from '../../app/createStore';
import { lesionSelection, selectLesion } from './lesionStore';
import { AuditTrail } from './AuditTrail';
import { ExamStatus } from './ExamStatus';
import { LesionEditor } from './LesionEditor';
import { ROLE_SHORT, STATUS_LABEL, compareLabels, diametersText, lesionWhere } from './lesionText';
import './lesions.css';

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface LesionPanelProps {
  patientRowId: number | null;
  data: LesionTable | null;
  loading: boolean;
  error: string | null;
  /** The exam of the series open in the viewer, when it belongs to this patient. */
  currentStudyRowId: number | null;
}

function CellSummary({ lesion, data, studyRowId }: { lesion: Lesion; data: LesionTable; studyRowId: number | null }) {
  if (studyRowId === null) return null;
  const cell = data.table.cells[lesion.id]?.[studyRowId];
  if (!cell) return null;
  if (cell.status && cell.status !== 'measured') return <span className={`lesion-cell-word status-${cell.status}`}>{STATUS_LABEL[cell.status]}</span>;
  if (cell.longAxisMm !== null) return <span className="lesion-cell-mm">{diametersText(cell.longAxisMm, cell.shortAxisMm)}</span>;
  return <span className="dim">not measured</span>;
}

export function LesionPanel({ patientRowId, data, loading, error, currentStudyRowId }: LesionPanelProps) {
  const api = useApi();
  const selectedId = useStore(lesionSelection, (s) => s.selectedLesionId);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [deleted, setDeleted] = useState<{ id: number; label: string } | null>(null);

  if (patientRowId === null) {
    return (
      <div className="lesion-panel" data-testid="lesion-panel">
        <div className="empty">Open a series: its patient’s lesions are listed here.</div>
      </div>
    );
  }

  const lesions = data ? [...data.table.lesions].sort((a, b) => compareLabels(a.label, b.label)) : [];
  const selected = lesions.find((l) => l.id === selectedId) ?? null;

  const create = async () => {
    setBusy(true);
    setActionError(null);
    try {
      const lesion = await api.createLesion(patientRowId, {});
      setDeleted(null);
      selectLesion(lesion.id);
    } catch (e) {
      setActionError(`Could not create a lesion: ${describe(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (lesion: Lesion) => {
    setActionError(null);
    try {
      await api.deleteLesion(lesion.id);
      setDeleted({ id: lesion.id, label: lesion.label });
      selectLesion(null);
    } catch (e) {
      setActionError(`Could not delete ${lesion.label}: ${describe(e)}`);
    }
  };

  const undo = async () => {
    if (!deleted) return;
    setActionError(null);
    try {
      const restored = await api.restoreLesion(deleted.id);
      setDeleted(null);
      selectLesion(restored.id);
    } catch (e) {
      setActionError(`Could not restore ${deleted.label}: ${describe(e)}`);
    }
  };

  return (
    <div className="lesion-panel" data-testid="lesion-panel">
      <div className="lesion-head">
        <span className="dim">
          {lesions.length} lesion{lesions.length === 1 ? '' : 's'}
          {loading ? ' · loading…' : ''}
        </span>
        <button type="button" className="button primary" data-testid="lesion-create" disabled={busy} onClick={create} title="New lesion for this patient (labelled L1, L2 … across all exams)">
          + New lesion
        </button>
      </div>
      {error && <div className="error">{error}</div>}
      {actionError && <div className="error" data-testid="lesion-error">{actionError}</div>}
      {deleted && (
        <div className="undo-bar" data-testid="lesion-undo-bar">
          {deleted.label} deleted.
          <button type="button" className="button" data-testid="lesion-undo" onClick={undo}>
            Undo
          </button>
        </div>
      )}
      {data && lesions.length === 0 && <div className="empty">No lesions yet. Create one, then measure it in the axial view.</div>}
      <ul className="lesion-list" data-testid="lesion-list">
        {lesions.map((l) => {
          const isSelected = l.id === selectedId;
          return (
            <li key={l.id}>
              <button
                type="button"
                className={`lesion-item${isSelected ? ' selected' : ''}`}
                data-testid="lesion-item"
                data-lesion-id={l.id}
                data-lesion-label={l.label}
                data-selected={isSelected}
                aria-pressed={isSelected}
                onClick={() => selectLesion(isSelected ? null : l.id)}
              >
                <span className="lesion-label">{l.label}</span>
                <span className={`role-badge role-${l.recistRole}`}>{ROLE_SHORT[l.recistRole]}</span>
                <span className="lesion-where">{lesionWhere(l)}</span>
                <span className="lesion-type dim">{l.lesionType}</span>
                <span className="lesion-now">{data && <CellSummary lesion={l} data={data} studyRowId={currentStudyRowId} />}</span>
              </button>
            </li>
          );
        })}
      </ul>
      {selected && data && (
        <div className="lesion-detail" data-testid="lesion-detail" data-lesion-id={selected.id}>
          <div className="lesion-detail-head">
            <span className="lesion-label big">{selected.label}</span>
            <span className="dim">created {selected.createdAt.slice(0, 10)}</span>
            <button type="button" className="button danger" data-testid="lesion-delete" onClick={() => remove(selected)} title="Delete this lesion (it can be restored)">
              Delete
            </button>
          </div>
          <LesionEditor key={selected.id} lesion={selected} />
          <ExamStatus lesion={selected} data={data} currentStudyRowId={currentStudyRowId} />
          <AuditTrail lesion={selected} data={data} />
        </div>
      )}
    </div>
  );
}
