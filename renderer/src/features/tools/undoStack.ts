/**
 * The reader's own edits, newest last, as plain entries (see UndoEntry), and those taken
 * back, which Redo does again. Bounded: a reading session can be long and old entries are
 * rarely wanted. A new edit clears what could be redone (the usual editor rule: redo only
 * follows undo).
 */
import type { UndoEntry } from './toolStore';

export const UNDO_LIMIT = 100;

/** Both stacks; the newest entry of each is last. */
export interface EditHistory {
  undo: UndoEntry[];
  redo: UndoEntry[];
}

export function pushUndo(stack: readonly UndoEntry[], entry: UndoEntry, limit = UNDO_LIMIT): UndoEntry[] {
  const next = [...stack, entry];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

export function popUndo(stack: readonly UndoEntry[]): { entry: UndoEntry | null; rest: UndoEntry[] } {
  if (stack.length === 0) return { entry: null, rest: [] };
  return { entry: stack[stack.length - 1], rest: stack.slice(0, -1) };
}

/** A new edit: undoable, and nothing is left to redo. */
export function recordEdit(history: EditHistory, entry: UndoEntry, limit = UNDO_LIMIT): EditHistory {
  return { undo: pushUndo(history.undo, entry, limit), redo: [] };
}

/** Take the newest edit off the undo stack (the caller takes it back). */
export function takeUndo(history: EditHistory): { entry: UndoEntry | null; history: EditHistory } {
  const { entry, rest } = popUndo(history.undo);
  return { entry, history: entry ? { undo: rest, redo: history.redo } : history };
}

/** Take the newest undone edit off the redo stack (the caller does it again). */
export function takeRedo(history: EditHistory): { entry: UndoEntry | null; history: EditHistory } {
  const { entry, rest } = popUndo(history.redo);
  return { entry, history: entry ? { undo: history.undo, redo: rest } : history };
}

/** An edit was taken back: it can be redone. */
export function undone(history: EditHistory, entry: UndoEntry, limit = UNDO_LIMIT): EditHistory {
  return { undo: history.undo, redo: pushUndo(history.redo, entry, limit) };
}

/** An undone edit was done again: it can be undone again (what else was undone stays redoable). */
export function redone(history: EditHistory, entry: UndoEntry, limit = UNDO_LIMIT): EditHistory {
  return { undo: pushUndo(history.undo, entry, limit), redo: history.redo };
}

/** The undo key: Ctrl+Z (Cmd+Z on a Mac). */
export function isUndoKey(event: Pick<KeyboardEvent, 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey' | 'key'>): boolean {
  return (event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'z';
}

/** Redo: Ctrl+Shift+Z (Cmd+Shift+Z on a Mac) or Ctrl+Y. */
export function isRedoKey(event: Pick<KeyboardEvent, 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey' | 'key'>): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return false;
  const key = event.key.toLowerCase();
  return (key === 'z' && event.shiftKey) || (key === 'y' && !event.shiftKey);
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

/** What Ctrl+Shift+Z (Ctrl+Y) would do again, for the button's tooltip. */
export function describeRedo(entry: UndoEntry | undefined): string {
  if (!entry) return 'Nothing to redo';
  switch (entry.type) {
    case 'add':
      return 'Redo: bring back the measurement drawn';
    case 'update':
      return 'Redo: move the measurement again';
    case 'delete':
      return 'Redo: delete the measurement again';
    case 'mask':
      return 'Redo: the mask edit undone';
  }
}
