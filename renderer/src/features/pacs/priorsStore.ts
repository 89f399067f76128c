/**
 * Priors of the patient on screen: asked once per patient (again only when this client
 * changed the nodes), never when no node is configured or none is set to look for priors.
 * Nodes set to fetch priors without asking start their retrievals on the workstation
 * ("prior-<StudyInstanceUID>" jobs); their progress is followed here, from before the
 * question, so a quick one is not missed.
 */
import type { PacsPriors, PacsProgressEvent } from '../../../../core/api/domains/pacs';
import type { ApiClient } from '../../api';
import { createStore } from '../../app/createStore';
import { pacsStore } from './pacsStore';
import { errorText, isFinalPhase } from './pacsText';

export interface PriorsEntry {
  /** pacsStore.nodesRevision when asked */
  revision: number;
  phase: 'asking' | 'none' | 'done' | 'failed';
  priors: PacsPriors | null;
  error: string | null;
  dismissed: boolean;
  /** Last progress of each automatic retrieval, by job id. */
  auto: Record<string, PacsProgressEvent>;
}

export const priorsStore = createStore<{ byPatient: Record<number, PriorsEntry> }>({ byPatient: {} });

export function patchPriors(patientRowId: number, patch: Partial<PriorsEntry> | ((e: PriorsEntry) => Partial<PriorsEntry>)): void {
  priorsStore.setState((s) => {
    const cur = s.byPatient[patientRowId];
    if (!cur) return {};
    const p = typeof patch === 'function' ? patch(cur) : patch;
    return { byPatient: { ...s.byPatient, [patientRowId]: { ...cur, ...p } } };
  });
}

/** Whether the patient's priors are to be asked now (not yet, or the nodes changed since). */
export function priorsDue(patientRowId: number): boolean {
  const e = priorsStore.getState().byPatient[patientRowId];
  return !e || (e.revision !== pacsStore.getState().nodesRevision && e.phase !== 'asking');
}

export async function askPriors(api: Pick<ApiClient, 'on' | 'listPacsNodes' | 'findPriors'>, patientRowId: number): Promise<void> {
  const revision = pacsStore.getState().nodesRevision;
  priorsStore.setState((s) => ({ byPatient: { ...s.byPatient, [patientRowId]: { revision, phase: 'asking', priors: null, error: null, dismissed: false, auto: {} } } }));
  let nodes;
  try {
    nodes = await api.listPacsNodes();
  } catch {
    // No PACS domain reachable: say nothing, this is a convenience.
    patchPriors(patientRowId, { phase: 'none' });
    return;
  }
  if (!nodes.some((n) => n.queryPriors)) {
    patchPriors(patientRowId, { phase: 'none' });
    return;
  }
  // Automatic retrievals may start (and end) before the answer arrives: keep their events from now on.
  const early: Record<string, PacsProgressEvent> = {};
  let wanted: Set<string> | null = null;
  const off = api.on('onPacsProgress', (ev) => {
    if (!ev.jobId.startsWith('prior-')) return;
    if (wanted === null) {
      early[ev.jobId] = ev;
      return;
    }
    if (!wanted.has(ev.jobId)) return;
    patchPriors(patientRowId, (e) => ({ auto: { ...e.auto, [ev.jobId]: ev } }));
    const auto = priorsStore.getState().byPatient[patientRowId]?.auto ?? {};
    if ([...wanted].every((id) => auto[id] && isFinalPhase(auto[id].phase))) off();
  });
  try {
    const priors = await api.findPriors({ patientRowId });
    wanted = new Set(priors.retrieving);
    const auto = Object.fromEntries(Object.entries(early).filter(([id]) => wanted!.has(id)));
    patchPriors(patientRowId, { phase: 'done', priors, auto });
    if (wanted.size === 0 || [...wanted].every((id) => auto[id] && isFinalPhase(auto[id].phase))) off();
  } catch (e) {
    off();
    patchPriors(patientRowId, { phase: 'failed', error: errorText(e) });
  }
}
