/**
 * The lesion the reader is working on, shared by the lesion panel, the lesion table and
 * the viewer's tools. `revision` moves when the workstation reports a change to the shown
 * patient's lesions, measurements, statuses, masks or links (renderer/src/useChangeFeeds.ts),
 * so every view of them reloads.
 */
import { createStore } from '../../app/createStore';

export interface LesionSelectionState {
  /** The patient whose lesions are shown (registry row id), null before a series is open. */
  patientRowId: number | null;
  selectedLesionId: number | null;
  revision: number;
}

export const lesionSelection = createStore<LesionSelectionState>({
  patientRowId: null,
  selectedLesionId: null,
  revision: 0,
});

export function selectLesion(id: number | null): void {
  lesionSelection.setState({ selectedLesionId: id });
}

export function lesionsChanged(): void {
  lesionSelection.setState((s) => ({ revision: s.revision + 1 }));
}

/** Switching patient clears the selection: a lesion id belongs to one patient. */
export function setPatient(patientRowId: number | null): void {
  if (lesionSelection.getState().patientRowId === patientRowId) return;
  lesionSelection.setState({ patientRowId, selectedLesionId: null });
}

export const lesionActions = { selectLesion, lesionsChanged, setPatient };
