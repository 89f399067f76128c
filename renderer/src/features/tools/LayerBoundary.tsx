/**
 * A drawing layer that fails must not take the images with it: the layer is dropped
 * (and says so once), the slice views stay readable.
 */
import { Component, type ReactNode } from 'react';
import { toolActions } from './toolStore';

export class LayerBoundary extends Component<{ name: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown): void {
    toolActions.notify(`The ${this.props.name} could not be drawn (${error instanceof Error ? error.message : String(error)}); the images are unaffected. Reopen the series to retry.`);
  }

  override render(): ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}
