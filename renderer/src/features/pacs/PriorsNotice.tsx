/**
 * In the dock, under the patient line: "2 prior CT studies on PACS-A not in the library —
 * Fetch", the fetch's progress and result; automatic fetches (nodes set so) with their
 * progress; nodes that could not be asked as one dim line (the errors in its tooltip).
 * Nothing at all when no node is configured or there is nothing to say.
 */
import { useEffect } from 'react';
import { useApi } from '../../api';
import { useStore } from '../../app/createStore';
import { pacsActions, pacsStore, runRetrieves, type RetrieveItem } from './pacsStore';
import { isFinalPhase, isoDate, priorsErrorsText, priorsText, studyLabel } from './pacsText';
import { askPriors, patchPriors, priorsDue, priorsStore } from './priorsStore';
import { RetrieveProgress } from './RetrieveStatus';

const slotKey = (patientRowId: number) => `priors:${patientRowId}`;

export function PriorsNotice({ patientRowId }: { patientRowId: number | null }) {
  const api = useApi();
  const revision = useStore(pacsStore, (s) => s.nodesRevision);
  const entry = useStore(priorsStore, (s) => (patientRowId === null ? undefined : s.byPatient[patientRowId]));
  const slot = useStore(pacsStore, (s) => (patientRowId === null ? undefined : s.slots[slotKey(patientRowId)]));

  useEffect(() => {
    if (patientRowId !== null && priorsDue(patientRowId)) void askPriors(api, patientRowId);
  }, [api, patientRowId, revision]);

  if (patientRowId === null || !entry || entry.dismissed || entry.phase === 'asking' || entry.phase === 'none') return null;
  const key = slotKey(patientRowId);
  const dismiss = () => {
    patchPriors(patientRowId, { dismissed: true });
    pacsActions.dismissSlot(key);
  };

  if (entry.phase === 'failed') {
    return (
      <div className="pacs-priors quiet" data-testid="pacs-priors" data-state="failed" title={entry.error ?? ''}>
        <span className="dim">Priors on the PACS could not be looked up.</span>
        <button type="button" className="icon-button pacs-close" title="Hide" onClick={dismiss}>
          ×
        </button>
      </div>
    );
  }

  const priors = entry.priors!;
  // What a fetch from here brought is in the library now.
  const fetched = new Set((slot?.outcomes ?? []).filter((o) => o.ok).map((o) => o.item.studyInstanceUid));
  const auto = priors.retrieving;
  const autoSet = new Set(auto);
  const pending = priors.studies.filter((s) => !fetched.has(s.studyInstanceUid) && !autoSet.has(`prior-${s.studyInstanceUid}`));
  const text = priorsText({ studies: pending });
  const errors = priorsErrorsText(priors.errors);
  const autoDone = auto.filter((id) => entry.auto[id] && isFinalPhase(entry.auto[id].phase));
  const autoFailed = autoDone.filter((id) => entry.auto[id].phase !== 'done');
  const running = slot?.running === true;
  const outcomes = slot?.outcomes ?? [];
  if (!text && !errors && auto.length === 0 && outcomes.length === 0) return null;

  function fetchAll(): void {
    const items: RetrieveItem[] = pending.map((s) => ({
      node: s.node,
      studyInstanceUid: s.studyInstanceUid,
      label: studyLabel(s),
    }));
    void runRetrieves(api, key, items);
  }

  const okCount = outcomes.filter((o) => o.ok).length;
  const failedOutcomes = outcomes.filter((o) => !o.ok);
  return (
    <div className="pacs-priors" data-testid="pacs-priors" data-state={running ? 'fetching' : 'done'} data-count={pending.length} role="status" aria-live="polite">
      {text && !running && (
        <div className="pacs-priors-line">
          <span data-testid="pacs-priors-text">{text}</span>
          <button type="button" className="button pacs-priors-fetch" data-testid="pacs-priors-fetch" onClick={fetchAll} title={pending.map((s) => `${isoDate(s.studyDate)} ${s.description} (${s.node})`).join('\n')}>
            Fetch
          </button>
        </div>
      )}
      {running && slot && <RetrieveProgress slot={slot} slotKey={key} compact />}
      {!running && outcomes.length > 0 && (
        <div className="pacs-priors-result" data-testid="pacs-priors-result" data-ok={okCount} data-failed={failedOutcomes.length}>
          {okCount > 0 && <span className="pacs-ok">✓ {okCount} prior stud{okCount === 1 ? 'y' : 'ies'} fetched into the library. </span>}
          {failedOutcomes.map((o, i) => (
            <div key={i} className={o.cancelled ? 'warn' : 'error-text'}>
              {o.item.label}: {o.cancelled ? 'cancelled' : o.message}
            </div>
          ))}
        </div>
      )}
      {auto.length > 0 && (
        <div className="dim" data-testid="pacs-priors-auto">
          {autoDone.length < auto.length
            ? `Fetching ${auto.length} prior stud${auto.length === 1 ? 'y' : 'ies'} automatically… ${autoDone.length}/${auto.length}`
            : `${auto.length - autoFailed.length} prior stud${auto.length === 1 ? 'y' : 'ies'} fetched automatically${autoFailed.length ? `, ${autoFailed.length} failed: ${autoFailed.map((id) => entry.auto[id].message ?? entry.auto[id].phase).join('; ')}` : ''}.`}
        </div>
      )}
      {errors && (
        <div className="dim pacs-priors-errors" data-testid="pacs-priors-errors" title={errors}>
          {priors.errors.length === 1 ? `${priors.errors[0].node} could not be asked` : `${priors.errors.length} nodes could not be asked`}
        </div>
      )}
      {!running && (
        <button type="button" className="icon-button pacs-close" title="Hide" data-testid="pacs-priors-close" onClick={dismiss}>
          ×
        </button>
      )}
    </div>
  );
}
