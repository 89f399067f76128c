/**
 * The change events of the workstation drive the renderer's reload counters, one domain at a
 * time. Owners emit an event after every commit — this client's own calls, another browser's
 * on the same serve-mode workstation, the REST API's — so nothing reloads by hand after a
 * call: a view reloads when its counter moves, and the counter moves only here.
 *
 * | event                    | counter                          | when                         |
 * |--------------------------|----------------------------------|------------------------------|
 * | onLibraryChanged         | appStore.libraryRevision         | always (the library list)    |
 * | onLesionsChanged         | lesionSelection.revision         | the patient on screen        |
 * | onSegmentationsChanged   | lesionSelection.revision         | the patient on screen        |
 * | onFollowUpChanged        | followUpStore.revision (+ lesion revision: the table shows lineage) | the patient on screen |
 * | onAiChanged              | aiStore.revision                 | the series open (or any: null) |
 *
 * After the event stream was lost and came back, every counter moves once (events of the gap
 * are gone). Progress events (onImportProgress, onAiProgress, …) are followed where they are shown.
 */
import { useEffect } from 'react';
import { useApi, type ApiClient } from '../api';
import { followChanges } from '../api/useChangeEvent';
import { followUpActions } from '../features/followup';
import { aiActions } from '../features/ai';
import { actions, appStore } from '../app/appStore';
import { lesionSelection, lesionsChanged } from '../features/lesions';

type Feed = Pick<ApiClient, 'on' | 'onReconnect'>;

const isShownPatient = (patientRowId: number): boolean => lesionSelection.getState().patientRowId === patientRowId;

export function followLibraryChanges(api: Feed): () => void {
  return followChanges(api, 'onLibraryChanged', () => actions.libraryChanged());
}

export function followLesionChanges(api: Feed): () => void {
  const offs = [
    followChanges(api, 'onLesionsChanged', (e) => (!e || isShownPatient(e.patientRowId)) && lesionsChanged()),
    // Masks are drawn by the tools and counted in the lesion table (volumes).
    followChanges(api, 'onSegmentationsChanged', (e) => e && isShownPatient(e.patientRowId) && lesionsChanged()),
  ];
  return () => offs.forEach((off) => off());
}

export function followFollowUpChanges(api: Feed): () => void {
  return followChanges(api, 'onFollowUpChanged', (e) => {
    if (e && !isShownPatient(e.patientRowId)) return;
    followUpActions.changed();
    // Links and lineage are part of the lesion table; on a reconnect the lesion feed reloads it.
    if (e) lesionsChanged();
  });
}

export function followAiChanges(api: Feed): () => void {
  return followChanges(api, 'onAiChanged', (e) => {
    if (e && e.seriesId !== null && e.seriesId !== appStore.getState().seriesId) return;
    aiActions.changed();
  });
}

/** Every domain's feed; returns the unsubscribe. */
export function followChangeEvents(api: Feed): () => void {
  const offs = [followLibraryChanges(api), followLesionChanges(api), followFollowUpChanges(api), followAiChanges(api)];
  return () => offs.forEach((off) => off());
}

/** Mounted once, by the app shell. */
export function useChangeFeeds(): void {
  const api = useApi();
  useEffect(() => followChangeEvents(api), [api]);
}
