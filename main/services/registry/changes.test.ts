import { describe, expect, it } from 'vitest';
import { attachChangeSink, changed, transaction } from './changes';
import { openMemoryRegistry } from './db';

function seeded() {
  const db = openMemoryRegistry();
  const seen: { name: string; payload: unknown }[] = [];
  attachChangeSink(db, (name, payload) => seen.push({ name, payload }));
  return { db, seen };
}

describe('change events after commit', () => {
  it('waits for the outermost commit, and sends one event per distinct change', () => {
    const { db, seen } = seeded();
    transaction(db, () => {
      changed(db, 'onLesionsChanged', { patientRowId: 1 });
      transaction(db, () => changed(db, 'onLesionsChanged', { patientRowId: 1 }));
      changed(db, 'onLesionsChanged', { patientRowId: 2 });
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual([
      { name: 'onLesionsChanged', payload: { patientRowId: 1 } },
      { name: 'onLesionsChanged', payload: { patientRowId: 2 } },
    ]);
  });

  it('drops the events of a transaction that rolled back', () => {
    const { db, seen } = seeded();
    expect(() =>
      transaction(db, () => {
        changed(db, 'onFollowUpChanged', { patientRowId: 3 });
        throw new Error('constraint failed');
      }),
    ).toThrow('constraint failed');
    expect(seen).toEqual([]);
    transaction(db, () => changed(db, 'onFollowUpChanged', { patientRowId: 4 }));
    expect(seen).toEqual([{ name: 'onFollowUpChanged', payload: { patientRowId: 4 } }]);
  });

  it('sends at once outside a transaction', () => {
    const { db, seen } = seeded();
    changed(db, 'onAiChanged', { seriesId: 5, runId: null });
    expect(seen).toEqual([{ name: 'onAiChanged', payload: { seriesId: 5, runId: null } }]);
  });
});
