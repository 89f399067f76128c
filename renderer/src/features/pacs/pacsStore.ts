/**
 * The PACS page's state, outside React so it outlives the page: whether it is up and which
 * tab, the last query and its results, the node list's revision, and the retrievals
 * ("slots": the query page's, one per patient for priors) with their progress. A retrieval
 * follows onPacsProgress for its own job id (made here, before the call, so no event is
 * missed) and keeps going when the page is closed.
 */
import type { PacsProgressEvent, PacsQuery, PacsRetrieveResult, PacsStudy, RetrieveMethod } from '../../../../core/api/domains/pacs';
import type { ApiClient } from '../../api';
import { createStore } from '../../app/createStore';
import { EMPTY_QUERY, errorText, isCancellation, isFinalPhase, newJobId, type QueryForm } from './pacsText';

export type PacsTab = 'query' | 'nodes' | 'send' | 'receiver';

export interface RetrieveItem {
  node: string;
  studyInstanceUid: string;
  seriesInstanceUids?: string[];
  method?: RetrieveMethod;
  /** How the item is named on screen ("2024-03-01 CT CHEST"). */
  label: string;
}

export type RetrieveOutcome =
  | { item: RetrieveItem; ok: true; result: PacsRetrieveResult }
  | { item: RetrieveItem; ok: false; cancelled: boolean; message: string };

export interface RetrieveSlot {
  items: RetrieveItem[];
  /** The item being retrieved (index into items). */
  index: number;
  running: boolean;
  jobId: string | null;
  progress: PacsProgressEvent | null;
  cancelling: boolean;
  outcomes: RetrieveOutcome[];
}

export interface QueryState {
  node: string;
  form: QueryForm;
  /** The query the results answer, and when (null: none asked yet). */
  asked: { node: string; query: PacsQuery } | null;
  results: PacsStudy[] | null;
  busy: boolean;
  error: string | null;
}

export interface PacsState {
  open: boolean;
  tab: PacsTab;
  /** Bumped when this client saved or removed a node: lists and the priors reload. */
  nodesRevision: number;
  query: QueryState;
  slots: Record<string, RetrieveSlot>;
}

export const pacsStore = createStore<PacsState>({
  open: false,
  tab: 'query',
  nodesRevision: 0,
  query: { node: '', form: EMPTY_QUERY, asked: null, results: null, busy: false, error: null },
  slots: {},
});

function patchSlot(key: string, patch: Partial<RetrieveSlot>): void {
  pacsStore.setState((s) => {
    const cur = s.slots[key];
    if (!cur) return {};
    return { slots: { ...s.slots, [key]: { ...cur, ...patch } } };
  });
}

export const pacsActions = {
  open(tab?: PacsTab): void {
    pacsStore.setState((s) => ({ open: true, tab: tab ?? s.tab }));
  },
  close(): void {
    pacsStore.setState({ open: false });
  },
  setTab(tab: PacsTab): void {
    pacsStore.setState({ tab });
  },
  nodesChanged(): void {
    pacsStore.setState((s) => ({ nodesRevision: s.nodesRevision + 1 }));
  },
  setQuery(patch: Partial<QueryState>): void {
    pacsStore.setState((s) => ({ query: { ...s.query, ...patch } }));
  },
  setQueryForm(patch: Partial<QueryForm>): void {
    pacsStore.setState((s) => ({ query: { ...s.query, form: { ...s.query.form, ...patch } } }));
  },
  /** Forget a finished slot (its notice is closed). */
  dismissSlot(key: string): void {
    pacsStore.setState((s) => {
      if (!s.slots[key] || s.slots[key].running) return {};
      const slots = { ...s.slots };
      delete slots[key];
      return { slots };
    });
  },
};

/**
 * Retrieve the items one after the other into the slot, each with its own job id and
 * progress; a cancel stops the current one and the ones after it. Resolves with the
 * outcomes (never rejects: failures are outcomes, in words).
 */
export async function runRetrieves(api: Pick<ApiClient, 'on' | 'retrievePacs' | 'cancelPacsJob'>, key: string, items: RetrieveItem[]): Promise<RetrieveOutcome[]> {
  if (pacsStore.getState().slots[key]?.running) return [];
  pacsStore.setState((s) => ({ slots: { ...s.slots, [key]: { items, index: 0, running: true, jobId: null, progress: null, cancelling: false, outcomes: [] } } }));
  const outcomes: RetrieveOutcome[] = [];
  for (let index = 0; index < items.length; index++) {
    if (pacsStore.getState().slots[key]?.cancelling) break;
    const item = items[index];
    const jobId = newJobId();
    patchSlot(key, { index, jobId, progress: null });
    let recancelled = false;
    const off = api.on('onPacsProgress', (ev) => {
      if (ev.jobId !== jobId) return;
      patchSlot(key, { progress: ev });
      // A cancel asked before the workstation knew the job: ask again now that it runs.
      if (!recancelled && pacsStore.getState().slots[key]?.cancelling && !isFinalPhase(ev.phase)) {
        recancelled = true;
        void api.cancelPacsJob({ jobId }).catch(() => undefined);
      }
    });
    try {
      const result = await api.retrievePacs({
        name: item.node,
        studyInstanceUid: item.studyInstanceUid,
        ...(item.seriesInstanceUids?.length ? { seriesInstanceUids: item.seriesInstanceUids } : {}),
        ...(item.method ? { method: item.method } : {}),
        jobId,
      });
      outcomes.push({ item, ok: true, result });
    } catch (e) {
      const cancelled = isCancellation(e) || pacsStore.getState().slots[key]?.cancelling === true;
      outcomes.push({ item, ok: false, cancelled, message: errorText(e) });
    } finally {
      off();
    }
    patchSlot(key, { outcomes: [...outcomes] });
  }
  patchSlot(key, { running: false, jobId: null, cancelling: false });
  return outcomes;
}

/** Ask the workstation to stop the slot's retrieval (and not to start the next). */
export async function cancelSlot(api: Pick<ApiClient, 'cancelPacsJob'>, key: string): Promise<void> {
  const slot = pacsStore.getState().slots[key];
  if (!slot?.running) return;
  patchSlot(key, { cancelling: true });
  if (slot.jobId) await api.cancelPacsJob({ jobId: slot.jobId }).catch(() => undefined);
}
