/**
 * The proposals of a run: type and class probability, volume, axes and mean probability;
 * a click centres the views on the proposal and outlines its mask; Accept makes it a lesion
 * (an organ proposal: the liver mask), Edit accepts it and hands its mask to the brush and
 * eraser, Reject sets it aside. Every decision is kept with the run's provenance.
 */
import type { AiProposal } from '../../../../core/api/types';
import { aiActions, aiStore } from './aiStore';
import { useStore } from '../../app/createStore';
import { axesText, otherClassesText, probabilityText, proposalClass, volumeText } from './aiText';

export interface ProposalActions {
  select(p: AiProposal): void;
  accept(p: AiProposal): void;
  edit(p: AiProposal): void;
  reject(p: AiProposal): void;
}

export function ProposalList({ proposals, lesionLabels, busyId, actions }: { proposals: AiProposal[]; lesionLabels: Record<number, string>; busyId: number | null; actions: ProposalActions }) {
  const selected = useStore(aiStore, (s) => s.selectedProposalId);
  const overlaysVisible = useStore(aiStore, (s) => s.overlaysVisible);
  if (!proposals.length) return <div className="empty" data-testid="ai-no-proposals">The model found nothing on this series.</div>;
  return (
    <>
      <label className="ai-check" title="Outline the undecided proposals' masks in amber on the slices">
        <input type="checkbox" data-testid="ai-show-masks" checked={overlaysVisible} onChange={(e) => aiActions.setOverlaysVisible(e.target.checked)} />
        Show proposal masks on the images
      </label>
      <ul className="ai-proposals" data-testid="ai-proposals">
        {proposals.map((p) => {
          const c = proposalClass(p);
          const axes = axesText(p.longAxisMm, p.shortAxisMm);
          const isSelected = p.id === selected;
          const busy = busyId === p.id;
          const others = otherClassesText(p);
          return (
            <li
              key={p.id}
              className={`ai-proposal status-${p.status}${isSelected ? ' selected' : ''}`}
              data-testid="ai-proposal"
              data-proposal-id={p.id}
              data-status={p.status}
              data-kind={p.kind}
              data-type={c.name}
              data-selected={isSelected}
            >
              <button type="button" className="ai-proposal-main" data-testid="ai-proposal-select" onClick={() => actions.select(p)} title="Centre the views on this proposal and outline its mask">
                <span className="ai-proposal-title">
                  <span className="strong">{c.name}</span> <span className="ai-prob" title={others ? `Other classes: ${others}` : 'Probability of this class'}>{probabilityText(c.probability)}</span>
                  {p.kind === 'organ' && <span className="ai-kind">organ</span>}
                  <span className="dim ai-mean-p" title="Mean probability of the model over the proposal's voxels">
                    mean p {probabilityText(p.meanProbability)}
                  </span>
                </span>
                <span className="ai-proposal-numbers">
                  <span data-testid="ai-proposal-volume">{volumeText(p.volumeMl)}</span>
                  {axes && <span data-testid="ai-proposal-axes">{axes}</span>}
                </span>
              </button>
              <div className="ai-proposal-actions">
                {p.status === 'proposed' ? (
                  <>
                    <button type="button" className="button primary" data-testid="ai-accept" disabled={busy} onClick={() => actions.accept(p)} title={p.kind === 'organ' ? 'Accept as the liver mask of this series' : 'Accept: a new lesion with this mask and its measurement'}>
                      Accept
                    </button>
                    <button type="button" className="button" data-testid="ai-edit" disabled={busy} onClick={() => actions.edit(p)} title="Accept, then correct the mask with the brush and eraser (the model's original is kept)">
                      Edit
                    </button>
                    <button type="button" className="button danger" data-testid="ai-reject" disabled={busy} onClick={() => actions.reject(p)} title="Reject: not a lesion (kept in the audit trail)">
                      Reject
                    </button>
                  </>
                ) : p.status === 'accepted' ? (
                  <span className="ai-decision ok-text" data-testid="ai-decision">
                    accepted{p.lesionId !== null ? ` → ${lesionLabels[p.lesionId] ?? `lesion ${p.lesionId}`}` : p.kind === 'organ' ? ' → liver mask' : ''}
                  </span>
                ) : (
                  <span className="ai-decision dim" data-testid="ai-decision">
                    rejected
                  </span>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </>
  );
}
