/**
 * What happened to the selected lesion, newest first: its own edits, its per-exam statuses,
 * its measurements and masks (deleted ones too), each with when and before → after.
 */
import { useEffect, useMemo, useState } from 'react';
import type { AuditEntry, Lesion, LesionTable } from '../../../../core/api/types';
import { useApi } from '../../api';
import { useStore } from '../../app/createStore';
import { lesionSelection } from './lesionStore';
import { describeAuditEntry, mergeAuditTrails, type AuditContext } from './lesionText';

export function AuditTrail({ lesion, data }: { lesion: Lesion; data: LesionTable }) {
  const api = useApi();
  const revision = useStore(lesionSelection, (s) => s.revision);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(true);

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    (async () => {
      // One call: deleted measurements and masks stay in the history.
      const history = await api.getLesionHistory(lesion.id);
      if (!cancelled) {
        setEntries(mergeAuditTrails([history]));
        setError(null);
      }
    })().catch((e: unknown) => !cancelled && setError(`Could not load the history of ${lesion.label}: ${e instanceof Error ? e.message : String(e)}`));
    return () => {
      cancelled = true;
    };
  }, [api, lesion.id, lesion.label, revision, open]);

  const ctx = useMemo<AuditContext>(() => {
    const byStudy = new Map(data.table.exams.map((e) => [e.studyRowId, e.date ?? e.description]));
    const bySeries = new Map(data.table.exams.flatMap((e) => e.seriesIds.map((s) => [s, e.date ?? e.description] as const)));
    return { examOfStudy: (id) => byStudy.get(id) ?? null, examOfSeries: (id) => bySeries.get(id) ?? null };
  }, [data]);

  return (
    <section className="audit" data-testid="lesion-audit">
      <button type="button" className="tree-row audit-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="caret">{open ? '▾' : '▸'}</span>
        <span className="field-name">History</span>
        <span className="dim">{entries ? `${entries.length} change${entries.length === 1 ? '' : 's'}` : ''}</span>
      </button>
      {open && error && <div className="error">{error}</div>}
      {open && entries && (
        <ol className="audit-list">
          {entries.map((e) => {
            const line = describeAuditEntry(e, ctx);
            return (
              <li key={line.id} className="audit-entry" data-testid="audit-entry" data-entity={e.entity} data-action={e.action} data-reader={e.reader?.name ?? ''} title={e.at}>
                <div className="audit-title">
                  <span className="audit-when">{line.when}</span> {line.title}
                  {line.by && <span className="audit-by dim"> · {line.by}</span>}
                </div>
                {line.changes.map((c) => (
                  <div key={c.field} className="audit-change">
                    <span className="dim">{c.field}:</span> <span className="audit-before">{c.before}</span> → <span className="audit-after">{c.after}</span>
                  </div>
                ))}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
