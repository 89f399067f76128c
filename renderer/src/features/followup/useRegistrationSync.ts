/**
 * Synchronized navigation in the compare view: when a registration links the two exams
 * shown side by side, the groups scroll through it (an affine ExamTransform in the right
 * direction) instead of by table position; choosing a point in one exam centres the other on
 * the corresponding place, and scrolling keeps that place on screen.
 */
import { useEffect, useState } from 'react';
import type { RegistrationInfo } from '../../../../core/api/types';
import { useApi } from '../../api';
import { useStore } from '../../app/createStore';
import { lesionSelection } from '../lesions';
import { otherGroup, viewportActions, viewportStore, type ViewportState } from '../viewer';
import { followUpActions, followUpStore } from './followUpStore';
import { METHOD_LABEL } from './followUpText';
import { cursorMoveKind, groupLinkFor, sameTransform, visibleInViews } from './registrationSync';

/** The patient's registrations, reloaded on every follow-up change of the patient. */
export function useRegistrations(patientRowId: number | null): { registrations: RegistrationInfo[] | null; error: string | null } {
  const api = useApi();
  const revision = useStore(followUpStore, (s) => s.revision);
  const [state, setState] = useState<{ for: number | null; registrations: RegistrationInfo[] | null; error: string | null }>({ for: null, registrations: null, error: null });
  useEffect(() => {
    if (patientRowId === null) return;
    let cancelled = false;
    api.listRegistrations(patientRowId).then(
      (registrations) => !cancelled && setState({ for: patientRowId, registrations, error: null }),
      (e: unknown) => !cancelled && setState({ for: patientRowId, registrations: null, error: `Could not read the registrations of this patient: ${e instanceof Error ? e.message : String(e)}` }),
    );
    return () => {
      cancelled = true;
    };
  }, [api, patientRowId, revision]);
  return state.for === patientRowId ? { registrations: state.registrations, error: state.error } : { registrations: null, error: null };
}

interface Snapshot {
  series: Record<'a' | 'b', number | null>;
  cursor: Record<'a' | 'b', ViewportState['groups']['a']['cursorLps']>;
}

const snapshot = (s: ViewportState): Snapshot => ({
  series: { a: s.groups.a.seriesId, b: s.groups.b.seriesId },
  cursor: { a: s.groups.a.cursorLps, b: s.groups.b.cursorLps },
});

export function useRegistrationSync(): void {
  const patientRowId = useStore(lesionSelection, (s) => s.patientRowId);
  const seriesA = useStore(viewportStore, (s) => s.groups.a.seriesId);
  const seriesB = useStore(viewportStore, (s) => s.compareSeriesId);
  const frameA = useStore(viewportStore, (s) => (s.groups.a.series?.id === s.groups.a.seriesId ? s.groups.a.series?.frameOfReferenceUid ?? null : null));
  const frameB = useStore(viewportStore, (s) => (s.groups.b.series?.id === s.compareSeriesId ? s.groups.b.series?.frameOfReferenceUid ?? null : null));
  const { registrations } = useRegistrations(patientRowId);

  // The transform between the exams on screen: a registration when there is one.
  useEffect(() => {
    const link = groupLinkFor(registrations ?? [], seriesA, seriesB, { a: frameA, b: frameB });
    if (!sameTransform(viewportStore.getState().examTransform, link.transform)) viewportActions.setExamTransform(link.transform);
    const last = link.registrations.at(-1);
    followUpActions.setLink({ how: link.how, registrationIds: link.registrations.map((r) => r.id), method: last ? (METHOD_LABEL[last.method] ?? last.method) : null });
  }, [registrations, seriesA, seriesB, frameA, frameB]);

  // Through a registration, the follower is re-centred on the corresponding place when the
  // reader chooses a point, and when scrolling would take that place off its screen.
  useEffect(() => {
    let prev = snapshot(viewportStore.getState());
    return viewportStore.subscribe(() => {
      const s = viewportStore.getState();
      const before = prev;
      prev = snapshot(s);
      if (s.layout !== 'compare' || !s.syncScroll || s.examTransform.kind !== 'affine') return;
      const lead = s.activeGroup;
      const other = otherGroup(lead);
      const L = s.groups[lead];
      const F = s.groups[other];
      if (!L.geometry || !F.geometry || !L.cursorLps || !F.cursorLps) return;
      if (L.seriesId !== before.series[lead] || F.seriesId !== before.series[other]) return;
      // Only a move of the leader that the follower followed (not a lesion focus, not a tool).
      if (L.cursorLps === before.cursor[lead] || F.cursorLps === before.cursor[other]) return;
      const move = cursorMoveKind(L.geometry, before.cursor[lead], L.cursorLps);
      if (move === 'point' || (move === 'scroll' && !visibleInViews(F.geometry, F.viewTransforms, F.viewportsPx, F.cursorLps))) {
        viewportActions.centreOn(other, F.cursorLps);
      }
    });
  }, []);
}
