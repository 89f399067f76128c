/**
 * The model's masks of the proposals on screen, kept as their runs (like the saved lesion
 * masks of the segmentation editor), fetched once per proposal. A proposal's mask never
 * changes: accepting it copies the mask into a segmentation, which the lesion overlays draw.
 */
import type { ApiClient } from '../../api';
import { aiActions, type ProposalOverlay } from './aiStore';
// The pure slice cutter of the mask overlays: proposals are drawn exactly as masks are.
import { sparseFromRle, type SparseMask } from '../tools';

const masks = new Map<number, { seriesId: number; sparse: SparseMask }>();
const inFlight = new Set<number>();
const failed = new Map<number, string>();

export function proposalMask(proposalId: number): SparseMask | null {
  return masks.get(proposalId)?.sparse ?? null;
}

export function proposalMaskError(proposalId: number): string | null {
  return failed.get(proposalId) ?? null;
}

/** Fetch the masks of these proposals that are not here yet; the overlays redraw as each arrives. */
export function loadProposalMasks(api: ApiClient, overlays: ProposalOverlay[]): void {
  for (const { proposalId, seriesId } of overlays) {
    if (masks.has(proposalId) || inFlight.has(proposalId)) continue;
    inFlight.add(proposalId);
    failed.delete(proposalId);
    api
      .getProposalMask(proposalId)
      .then((rle) => masks.set(proposalId, { seriesId, sparse: sparseFromRle(rle) }))
      .catch((e: unknown) => failed.set(proposalId, e instanceof Error ? e.message : String(e)))
      .finally(() => {
        inFlight.delete(proposalId);
        aiActions.maskArrived();
      });
  }
}

/** Forget masks of series no longer open (a liver proposal's runs are a few hundred kB). */
export function pruneProposalMasks(openSeriesIds: number[]): void {
  for (const [id, m] of masks) if (!openSeriesIds.includes(m.seriesId)) masks.delete(id);
}
