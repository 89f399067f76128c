/**
 * Follow-up state shared by the panel, the slice views (landmark picking) and the compare
 * view (which registration links the two exams). Plain serializable data; points in patient
 * LPS millimetres.
 */
import { createStore } from '../../store/createStore';
import type { LandmarkSession } from './landmarkPairs';
import type { GroupLink } from './registrationSync';

export interface FollowUpState {
  /** Bumped after a registration is made, so everything that reads registrations refetches. */
  registrationsRevision: number;
  /** Corresponding points being picked for a manual registration; null when not picking. */
  landmarks: LandmarkSession | null;
  /** How the compare view's two exams are linked now (what the toolbar says). */
  link: { how: GroupLink['how']; registrationIds: number[]; method: string | null };
}

export const followUpStore = createStore<FollowUpState>({
  registrationsRevision: 0,
  landmarks: null,
  link: { how: 'tablePosition', registrationIds: [], method: null },
});

export const followUpActions = {
  registrationsChanged(): void {
    followUpStore.setState((s) => ({ registrationsRevision: s.registrationsRevision + 1 }));
  },
  startLandmarks(fixedSeriesId: number, movingSeriesId: number): void {
    followUpStore.setState({ landmarks: { fixedSeriesId, movingSeriesId, pairs: [] } });
  },
  setLandmarks(landmarks: LandmarkSession | null): void {
    followUpStore.setState({ landmarks });
  },
  setLink(link: FollowUpState['link']): void {
    const now = followUpStore.getState().link;
    if (now.how === link.how && now.method === link.method && now.registrationIds.join() === link.registrationIds.join()) return;
    followUpStore.setState({ link });
  },
};
