import { describe, expect, it } from 'vitest';
import type { UndoEntry } from './toolStore';
import { describeRedo, describeUndo, isRedoKey, isUndoKey, popUndo, pushUndo, recordEdit, redone, takeRedo, takeUndo, undone, type EditHistory } from './undoStack';

const moved: UndoEntry = { type: 'update', measurementId: 1, beforeLps: [[0, 0, 0], [1, 0, 0]], afterLps: [[0, 5, 0], [1, 5, 0]] };

/** Undo as the controller does it: off the undo stack, taken back, onto the redo stack. */
function undo(h: EditHistory): { entry: UndoEntry | null; history: EditHistory } {
  const { entry, history } = takeUndo(h);
  return { entry, history: entry ? undone(history, entry) : history };
}
function redo(h: EditHistory): { entry: UndoEntry | null; history: EditHistory } {
  const { entry, history } = takeRedo(h);
  return { entry, history: entry ? redone(history, entry) : history };
}

describe('undo stack', () => {
  it('takes back the newest action first', () => {
    let stack: UndoEntry[] = [];
    stack = pushUndo(stack, { type: 'add', measurementId: 1 });
    stack = pushUndo(stack, moved);
    stack = pushUndo(stack, { type: 'delete', measurementId: 1 });
    const first = popUndo(stack);
    expect(first.entry).toEqual({ type: 'delete', measurementId: 1 });
    const second = popUndo(first.rest);
    expect(second.entry?.type).toBe('update');
    expect(popUndo(second.rest).entry).toEqual({ type: 'add', measurementId: 1 });
    expect(popUndo([]).entry).toBeNull();
  });

  it('keeps only the newest entries beyond its limit', () => {
    let stack: UndoEntry[] = [];
    for (let i = 1; i <= 5; i++) stack = pushUndo(stack, { type: 'add', measurementId: i }, 3);
    expect(stack.map((e) => (e.type === 'add' ? e.measurementId : 0))).toEqual([3, 4, 5]);
  });

  it('says what Ctrl+Z would take back', () => {
    expect(describeUndo(undefined)).toBe('Nothing to undo');
    expect(describeUndo({ type: 'add', measurementId: 2 })).toMatch(/remove the measurement/);
    expect(describeUndo({ type: 'delete', measurementId: 2 })).toMatch(/restore/);
  });
});

describe('redo beside undo', () => {
  const drawn: UndoEntry = { type: 'add', measurementId: 1 };
  const deleted: UndoEntry = { type: 'delete', measurementId: 1 };
  const painted: UndoEntry = { type: 'mask', sessionKey: '7:lesion-3' };

  it('redoes what was undone, newest undone first, and undoes it again', () => {
    let h: EditHistory = { undo: [], redo: [] };
    for (const e of [drawn, moved, deleted]) h = recordEdit(h, e);
    let step = undo(h);
    expect(step.entry).toEqual(deleted);
    step = undo(step.history);
    expect(step.entry).toEqual(moved);
    expect(step.history).toEqual({ undo: [drawn], redo: [deleted, moved] });
    // Redo: the move first (undone last), then the deletion.
    step = redo(step.history);
    expect(step.entry).toEqual(moved);
    expect(step.history).toEqual({ undo: [drawn, moved], redo: [deleted] });
    step = redo(step.history);
    expect(step.entry).toEqual(deleted);
    expect(step.history).toEqual({ undo: [drawn, moved, deleted], redo: [] });
    // Nothing more to redo; the redone edit undoes again.
    expect(redo(step.history).entry).toBeNull();
    expect(undo(step.history).entry).toEqual(deleted);
  });

  it('a new edit clears what could be redone', () => {
    let h = recordEdit(recordEdit({ undo: [], redo: [] }, drawn), deleted);
    h = undo(h).history;
    expect(h.redo).toEqual([deleted]);
    h = recordEdit(h, painted);
    expect(h).toEqual({ undo: [drawn, painted], redo: [] });
    expect(redo(h).entry).toBeNull();
  });

  it('taking from an empty stack changes nothing', () => {
    const h: EditHistory = { undo: [], redo: [] };
    expect(takeUndo(h)).toEqual({ entry: null, history: h });
    expect(takeRedo(h)).toEqual({ entry: null, history: h });
  });

  it('bounds the redo stack like the undo stack', () => {
    let h: EditHistory = { undo: [], redo: [] };
    for (let i = 1; i <= 5; i++) h = recordEdit(h, { type: 'add', measurementId: i }, 5);
    for (let i = 0; i < 5; i++) {
      const { entry, history } = takeUndo(h);
      h = undone(history, entry!, 3);
    }
    expect(h.redo.map((e) => (e.type === 'add' ? e.measurementId : 0))).toEqual([3, 2, 1]);
  });

  it('says what Ctrl+Shift+Z would do again', () => {
    expect(describeRedo(undefined)).toBe('Nothing to redo');
    expect(describeRedo(deleted)).toMatch(/delete the measurement again/);
    expect(describeRedo(drawn)).toMatch(/bring back/);
    expect(describeRedo(painted)).toMatch(/mask/);
  });

  it('takes Ctrl+Shift+Z and Ctrl+Y (Cmd on a Mac) for redo, Ctrl+Z alone for undo', () => {
    const key = (k: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {}) => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
    expect(isRedoKey(key('Z', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(isRedoKey(key('z', { metaKey: true, shiftKey: true }))).toBe(true);
    expect(isRedoKey(key('y', { ctrlKey: true }))).toBe(true);
    expect(isRedoKey(key('z', { ctrlKey: true }))).toBe(false);
    expect(isRedoKey(key('y'))).toBe(false);
    expect(isRedoKey(key('z', { ctrlKey: true, shiftKey: true, altKey: true }))).toBe(false);
    expect(isUndoKey(key('z', { ctrlKey: true }))).toBe(true);
    expect(isUndoKey(key('Z', { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(isUndoKey(key('z'))).toBe(false);
  });
});
