/**
 * The reader's own edits, newest last, as plain entries (see UndoEntry). Bounded: a
 * reading session can be long and old entries are rarely wanted.
 */
import type { UndoEntry } from './toolStore';

export const UNDO_LIMIT = 100;

export function pushUndo(stack: readonly UndoEntry[], entry: UndoEntry, limit = UNDO_LIMIT): UndoEntry[] {
  const next = [...stack, entry];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

export function popUndo(stack: readonly UndoEntry[]): { entry: UndoEntry | null; rest: UndoEntry[] } {
  if (stack.length === 0) return { entry: null, rest: [] };
  return { entry: stack[stack.length - 1], rest: stack.slice(0, -1) };
}

/** What Ctrl+Z would take back, for the button's tooltip. */
export function describeUndo(entry: UndoEntry | undefined): string {
  if (!entry) return 'Nothing to undo';
  switch (entry.type) {
    case 'add':
      return 'Undo: remove the measurement just drawn';
    case 'update':
      return 'Undo: put the measurement back where it was';
    case 'delete':
      return 'Undo: restore the deleted measurement';
    case 'mask':
      return 'Undo: the last mask edit';
  }
}
