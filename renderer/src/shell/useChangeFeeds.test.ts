import { beforeEach, describe, expect, it } from 'vitest';
import type { EventName } from '../../../core/api/contract';
import { actions, appStore } from '../app/appStore';
import { aiStore } from '../features/ai';
import { followUpStore } from '../features/followup';
import { lesionSelection, setPatient } from '../features/lesions';
import { followChangeEvents } from './useChangeFeeds';

/** A client whose events the test sends, as the workstation would after a commit. */
function fakeFeed() {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const reconnects = new Set<() => void>();
  return {
    on: (event: EventName, listener: (payload: never) => void) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    onReconnect: (listener: () => void) => {
      reconnects.add(listener);
      return () => reconnects.delete(listener);
    },
    emit: (event: EventName, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload)),
    reconnect: () => reconnects.forEach((l) => l()),
  };
}

const counters = () => ({
  library: appStore.getState().libraryRevision,
  lesions: lesionSelection.getState().revision,
  followUp: followUpStore.getState().revision,
  ai: aiStore.getState().revision,
});
const moved = (before: ReturnType<typeof counters>) => {
  const now = counters();
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - before[k as keyof typeof now]]));
};

describe('change events drive the reload counters', () => {
  let feed: ReturnType<typeof fakeFeed>;
  let off: () => void;
  beforeEach(() => {
    off?.();
    feed = fakeFeed();
    off = followChangeEvents(feed);
    setPatient(12);
    actions.seriesSelected(40);
  });

  it('reloads the lesion views for the patient on screen only (another reader’s other patient is not ours)', () => {
    const before = counters();
    feed.emit('onLesionsChanged', { patientRowId: 12 });
    feed.emit('onLesionsChanged', { patientRowId: 13 });
    feed.emit('onSegmentationsChanged', { patientRowId: 12, seriesId: 40 });
    feed.emit('onSegmentationsChanged', { patientRowId: 13, seriesId: 41 });
    expect(moved(before)).toEqual({ library: 0, lesions: 2, followUp: 0, ai: 0 });
  });

  it('a follow-up change reloads registrations and links, and the lesion table (lineage)', () => {
    const before = counters();
    feed.emit('onFollowUpChanged', { patientRowId: 12 });
    feed.emit('onFollowUpChanged', { patientRowId: 99 });
    expect(moved(before)).toEqual({ library: 0, lesions: 1, followUp: 1, ai: 0 });
  });

  it('AI changes reload for the open series, or for any when the workstation does not say which', () => {
    const before = counters();
    feed.emit('onAiChanged', { seriesId: 40, runId: 3 });
    feed.emit('onAiChanged', { seriesId: 41, runId: 4 });
    feed.emit('onAiChanged', { seriesId: null, runId: null });
    expect(moved(before)).toEqual({ library: 0, lesions: 0, followUp: 0, ai: 2 });
  });

  it('every import reloads the library, whoever imported', () => {
    const before = counters();
    feed.emit('onLibraryChanged', { patientRowIds: [99] });
    expect(moved(before)).toEqual({ library: 1, lesions: 0, followUp: 0, ai: 0 });
  });

  it('after the event stream came back, everything reloads once (events of the gap are lost)', () => {
    const before = counters();
    feed.reconnect();
    expect(moved(before)).toEqual({ library: 1, lesions: 1, followUp: 1, ai: 1 });
  });

  it('stops following on unsubscribe', () => {
    off();
    const before = counters();
    feed.emit('onLesionsChanged', { patientRowId: 12 });
    feed.reconnect();
    expect(moved(before)).toEqual({ library: 0, lesions: 0, followUp: 0, ai: 0 });
  });
});
