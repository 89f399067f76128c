import { describe, expect, it } from 'vitest';
import type { UndoEntry } from './toolStore';
import { describeUndo, popUndo, pushUndo } from './undoStack';

describe('undo stack', () => {
  it('takes back the newest action first', () => {
    let stack: UndoEntry[] = [];
    stack = pushUndo(stack, { type: 'add', measurementId: 1 });
    stack = pushUndo(stack, { type: 'update', measurementId: 1, beforeLps: [[0, 0, 0], [1, 0, 0]] });
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
