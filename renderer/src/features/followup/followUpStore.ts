/**
 * Follow-up state shared by the panel, the slice views (landmark picking) and the compare
 * view (which registration links the two exams). Plain serializable data; points in patient
 * LPS millimetres.
 */
import { createStore } from '../../app/createStore';
import type { LandmarkSession } from './landmarkPairs';
import type { GroupLink } from './registrationSync';

export interface FollowUpState {
  /**
   * Bumped on onFollowUpChanged for the patient on screen (registrations, links, lineage —
   * see renderer/src/useChangeFeeds.ts), so everything that reads them reloads.
   */
  revision: number;
  /** Corresponding points being picked for a manual registration; null when not picking. */
  landmarks: LandmarkSession | null;
  /** How the compare view's two exams are linked now (what the toolbar says). */
  link: { how: GroupLink['how']; registrationIds: number[]; method: string | null };
}

export const followUpStore = createStore<FollowUpState>({
  revision: 0,
  landmarks: null,
  link: { how: 'tablePosition', registrationIds: [], method: null },
});

export const followUpActions = {
  changed(): void {
    followUpStore.setState((s) => ({ revision: s.revision + 1 }));
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
