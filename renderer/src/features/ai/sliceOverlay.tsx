/**
 * The proposal masks join the viewer's slice layers: the reading tools' underlay (lesion
 * and liver masks) first, the AI proposals over it. The viewer composes this once
 * (memoized), so the layers keep their canvases across renders.
 */
import { Component, type ReactNode } from 'react';
import type { SliceTools, SliceViewState } from '../viewer';
import { ProposalUnderlay } from './ProposalUnderlay';

/** A proposal layer that fails is dropped; the images and the reader's masks stay. */
class ProposalLayerBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override componentDidCatch(error: unknown): void {
    console.error('The AI proposal layer could not be drawn', error);
  }
  override render(): ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}

export function withProposalOverlay(tools: SliceTools): SliceTools {
  const Inner = tools.Underlay;
  const Underlay = ({ view }: { view: SliceViewState }) => (
    <>
      <Inner view={view} />
      <ProposalLayerBoundary>
        <ProposalUnderlay view={view} />
      </ProposalLayerBoundary>
    </>
  );
  return { ...tools, Underlay };
}
