/**
 * A retrieval slot on screen: the bar and words of the running job (with Cancel), then what
 * came of each item — imported / duplicates / skipped, what the PACS did not deliver, and
 * failures in the workstation's words.
 */
import { useApi } from '../../api';
import { cancelSlot, pacsActions, type RetrieveOutcome, type RetrieveSlot } from './pacsStore';
import { isFinalPhase, progressFraction, progressText, retrieveComplete, retrieveSummary, skippedFiles } from './pacsText';

export function RetrieveProgress({ slot, slotKey, compact = false }: { slot: RetrieveSlot; slotKey: string; compact?: boolean }) {
  const api = useApi();
  const fraction = progressFraction(slot.progress);
  const item = slot.items[slot.index];
  return (
    <div className="pacs-progress" data-testid="pacs-progress" data-job-id={slot.jobId ?? ''} data-phase={slot.progress?.phase ?? 'starting'}>
      <div className="pacs-progress-line">
        <span className="pacs-progress-text" data-testid="pacs-progress-text">
          {slot.items.length > 1 && `${slot.index + 1}/${slot.items.length} · `}
          {!compact && item ? <span className="dim">{item.label} — </span> : null}
          {slot.cancelling ? 'Cancelling…' : progressText(slot.progress)}
        </span>
        <button type="button" className="button pacs-cancel" data-testid="pacs-cancel" disabled={slot.cancelling || (slot.progress !== null && isFinalPhase(slot.progress.phase))} onClick={() => void cancelSlot(api, slotKey)}>
          Cancel
        </button>
      </div>
      {/* Without a value the bar runs: the PACS did not say how many images will come. */}
      {fraction === null ? <progress /> : <progress max={1} value={fraction} />}
    </div>
  );
}

function OutcomeView({ outcome }: { outcome: RetrieveOutcome }) {
  if (!outcome.ok) {
    return (
      <li className={outcome.cancelled ? 'pacs-outcome cancelled' : 'pacs-outcome failed'} data-testid="pacs-outcome" data-ok="false" data-cancelled={outcome.cancelled}>
        <span className="strong">{outcome.item.label}</span>{' '}
        {outcome.cancelled ? (
          <span className="warn">cancelled — nothing of it was imported</span>
        ) : (
          <span className="error-text" role="alert">
            failed: {outcome.message}
          </span>
        )}
      </li>
    );
  }
  const r = outcome.result;
  const skipped = skippedFiles(r);
  return (
    <li
      className={`pacs-outcome ${retrieveComplete(r) ? 'ok' : 'partial'}`}
      data-testid="pacs-outcome"
      data-ok="true"
      data-imported={r.report.imported}
      data-duplicates={r.report.duplicates}
      data-skipped={r.report.skipped}
      data-missing={r.missing.length}
    >
      <span className="strong">{outcome.item.label}</span> <span>{retrieveSummary(r)}</span>
      {r.missing.length > 0 && (
        <details className="pacs-missing" data-testid="pacs-missing" open={r.missing.length <= 3}>
          <summary className="warn">⚠ {r.missing.length} not delivered by {r.node}</summary>
          <ul>
            {r.missing.slice(0, 50).map((m) => (
              <li key={m} className="pacs-mono">
                {m}
              </li>
            ))}
            {r.missing.length > 50 && <li className="dim">… and {r.missing.length - 50} more</li>}
          </ul>
        </details>
      )}
      {skipped.length > 0 && (
        <details className="pacs-missing">
          <summary className="warn">⚠ {r.report.skipped} file(s) not imported</summary>
          <ul>
            {skipped.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}

export function RetrieveOutcomes({ slot, slotKey }: { slot: RetrieveSlot; slotKey: string }) {
  if (slot.outcomes.length === 0) return null;
  return (
    <div className="pacs-outcomes" data-testid="pacs-retrieve-result">
      <ul>
        {slot.outcomes.map((o, i) => (
          <OutcomeView key={`${o.item.studyInstanceUid}#${i}`} outcome={o} />
        ))}
      </ul>
      {!slot.running && (
        <button type="button" className="icon-button pacs-close" title="Close" data-testid="pacs-retrieve-result-close" onClick={() => pacsActions.dismissSlot(slotKey)}>
          ×
        </button>
      )}
    </div>
  );
}
