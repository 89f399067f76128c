/**
 * Change events after commit. A table's owner calls `changed(db, event, payload)` when it
 * writes; inside a transaction the event waits until the outermost transaction commits
 * (and is dropped if it rolls back), so no client ever refreshes into uncommitted or
 * undone state. `transaction(db, fn)` is the one way owners open a transaction.
 */
import type { ChangeEventName, LongitudeEvents } from '../../../core/api/contract';
import type { Db } from './db';

type Sink = <E extends ChangeEventName>(name: E, payload: LongitudeEvents[E]) => void;

interface Pending {
  sink: Sink | null;
  queue: Map<string, { name: ChangeEventName; payload: unknown }>;
}

const state = new WeakMap<Db, Pending>();

function pendingOf(db: Db): Pending {
  let p = state.get(db);
  if (!p) state.set(db, (p = { sink: null, queue: new Map() }));
  return p;
}

/** Where committed changes of this database go (the composition root's event bus). */
export function attachChangeSink(db: Db, sink: Sink): void {
  pendingOf(db).sink = sink;
}

function flush(db: Db): void {
  const p = pendingOf(db);
  const events = [...p.queue.values()];
  p.queue.clear();
  for (const e of events) p.sink?.(e.name, e.payload as never);
}

/** Record a change; it is delivered after the surrounding transaction commits (at once outside one). */
export function changed<E extends ChangeEventName>(db: Db, name: E, payload: LongitudeEvents[E]): void {
  const p = pendingOf(db);
  // The same change twice in one transaction is one event.
  p.queue.set(`${name}:${JSON.stringify(payload)}`, { name, payload });
  if (!db.inTransaction) flush(db);
}

/** Run `fn` in a transaction (a savepoint when nested); changes recorded inside go out after the outermost commit. */
export function transaction<T>(db: Db, fn: () => T): T {
  try {
    const result = db.transaction(fn)();
    if (!db.inTransaction) flush(db);
    return result;
  } catch (err) {
    if (!db.inTransaction) pendingOf(db).queue.clear();
    throw err;
  }
}
