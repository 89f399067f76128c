/**
 * Local AI in the renderer: which page is up (reading, or the model page with validation
 * and monitoring), the proposal the reader picked, and which proposals' masks are drawn
 * over the slices. The masks' voxels live with features/ai (like the lesion masks live
 * with the segmentation editor); this store holds plain ids.
 */
import { createStore } from '../../app/createStore';

export type AiPage = 'reading' | 'models';

export interface ProposalOverlay {
  proposalId: number;
  seriesId: number;
}

export interface AiState {
  page: AiPage;
  selectedProposalId: number | null;
  /** Undecided proposals of the run on screen: their masks are outlined in the slice views. */
  overlays: ProposalOverlay[];
  /** Draw the proposal masks at all. */
  overlaysVisible: boolean;
  /** Bumped when a proposal mask arrives, so the overlays redraw. */
  maskRevision: number;
  /** Bumped on onAiChanged for the open series (a run queued or ended, a proposal decided; renderer/src/useChangeFeeds.ts), so the lists reload. */
  revision: number;
}

export const aiStore = createStore<AiState>({
  page: 'reading',
  selectedProposalId: null,
  overlays: [],
  overlaysVisible: true,
  maskRevision: 0,
  revision: 0,
});

export const aiActions = {
  showPage(page: AiPage): void {
    if (aiStore.getState().page !== page) aiStore.setState({ page });
  },
  selectProposal(selectedProposalId: number | null): void {
    if (aiStore.getState().selectedProposalId !== selectedProposalId) aiStore.setState({ selectedProposalId });
  },
  setOverlays(overlays: ProposalOverlay[]): void {
    const current = aiStore.getState().overlays;
    const same = current.length === overlays.length && current.every((o, i) => o.proposalId === overlays[i].proposalId && o.seriesId === overlays[i].seriesId);
    if (!same) aiStore.setState({ overlays });
  },
  setOverlaysVisible(overlaysVisible: boolean): void {
    aiStore.setState({ overlaysVisible });
  },
  maskArrived(): void {
    aiStore.setState((s) => ({ maskRevision: s.maskRevision + 1 }));
  },
  changed(): void {
    aiStore.setState((s) => ({ revision: s.revision + 1 }));
  },
};
