import type { ReactNode } from 'react';

/** A toolbar button that is on or off (a preset, a tool): one look and one aria state everywhere. */
export function ToggleButton(props: { testId: string; active: boolean; title?: string; onClick: () => void; children: ReactNode }) {
  return (
    <button
      type="button"
      className={`button${props.active ? ' active' : ''}`}
      data-testid={props.testId}
      aria-pressed={props.active}
      title={props.title}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}
