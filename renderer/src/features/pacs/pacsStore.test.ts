import { beforeEach, describe, expect, it } from 'vitest';
import type { PacsProgressEvent, PacsRetrieveResult } from '../../../../core/api/domains/pacs';
import { ApiError } from '../../../../core/api/errors';
import { cancelSlot, pacsActions, pacsStore, runRetrieves, type RetrieveItem } from './pacsStore';

type Listener = (ev: PacsProgressEvent) => void;

/** An API with retrievePacs under the test's control: each call waits until the test settles it. */
function fakeApi() {
  const listeners = new Set<Listener>();
  const calls: { input: { name: string; studyInstanceUid: string; jobId?: string; seriesInstanceUids?: string[] }; resolve(r: PacsRetrieveResult): void; reject(e: unknown): void }[] = [];
  const cancels: string[] = [];
  const api = {
    on: (_event: 'onPacsProgress', l: Listener) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    retrievePacs: (input: (typeof calls)[number]['input']) => new Promise<PacsRetrieveResult>((resolve, reject) => calls.push({ input, resolve, reject })),
    cancelPacsJob: async ({ jobId }: { jobId: string }) => {
      cancels.push(jobId);
      return { cancelled: true };
    },
  };
  const emit = (ev: PacsProgressEvent) => listeners.forEach((l) => l(ev));
  return { api: api as unknown as Parameters<typeof runRetrieves>[0], calls, cancels, emit, listeners };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const item = (uid: string): RetrieveItem => ({ node: 'PACS-A', studyInstanceUid: uid, label: `study ${uid}` });
const result = (uid: string): PacsRetrieveResult => ({
  node: 'PACS-A',
  method: 'wado-rs',
  studyInstanceUid: uid,
  seriesInstanceUids: [],
  expected: 2,
  received: 2,
  bytes: 10,
  seconds: 1,
  report: { imported: 2, duplicates: 0, skipped: 0, files: [], series: [], durationMs: 1 },
  missing: [],
  cancelled: false,
});

beforeEach(() => {
  pacsStore.setState({ slots: {} });
});

describe('runRetrieves', () => {
  it('passes its own job id and follows only that job’s progress', async () => {
    const f = fakeApi();
    const done = runRetrieves(f.api, 'k', [item('1.1')]);
    await tick();
    expect(f.calls).toHaveLength(1);
    const jobId = f.calls[0].input.jobId!;
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(pacsStore.getState().slots.k).toMatchObject({ running: true, jobId, index: 0 });
    f.emit({ jobId: 'someone-else', node: 'PACS-A', phase: 'retrieve', done: 9, total: 9, bytes: 1 });
    expect(pacsStore.getState().slots.k.progress).toBeNull();
    f.emit({ jobId, node: 'PACS-A', phase: 'retrieve', done: 1, total: 2, bytes: 5 });
    expect(pacsStore.getState().slots.k.progress).toMatchObject({ done: 1, total: 2 });
    f.calls[0].resolve(result('1.1'));
    const outcomes = await done;
    expect(outcomes).toEqual([{ item: item('1.1'), ok: true, result: result('1.1') }]);
    expect(pacsStore.getState().slots.k).toMatchObject({ running: false, jobId: null });
    // The subscription is gone with the job.
    expect(f.listeners.size).toBe(0);
  });

  it('goes on after a failure, in words, and each item gets a new job id', async () => {
    const f = fakeApi();
    const done = runRetrieves(f.api, 'k', [item('1'), item('2')]);
    await tick();
    f.calls[0].reject(new ApiError('unavailable', 'retrievePacs: PACS-A: connect ECONNREFUSED'));
    await tick();
    expect(f.calls).toHaveLength(2);
    expect(f.calls[1].input.jobId).not.toBe(f.calls[0].input.jobId);
    f.calls[1].resolve(result('2'));
    const outcomes = await done;
    expect(outcomes[0]).toEqual({ item: item('1'), ok: false, cancelled: false, message: 'PACS-A: connect ECONNREFUSED' });
    expect(outcomes[1].ok).toBe(true);
  });

  it('cancels the running job and does not start the next', async () => {
    const f = fakeApi();
    const done = runRetrieves(f.api, 'k', [item('1'), item('2')]);
    await tick();
    const jobId = f.calls[0].input.jobId!;
    await cancelSlot(f.api as never, 'k');
    expect(f.cancels).toEqual([jobId]);
    expect(pacsStore.getState().slots.k.cancelling).toBe(true);
    f.calls[0].reject(new ApiError('conflict', 'retrievePacs: retrieval of study 1 from PACS-A was cancelled; nothing of it was imported'));
    const outcomes = await done;
    expect(f.calls).toHaveLength(1);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ ok: false, cancelled: true });
    expect(pacsStore.getState().slots.k).toMatchObject({ running: false, cancelling: false });
  });

  it('asks again to cancel when the job shows up after the first ask', async () => {
    const f = fakeApi();
    const done = runRetrieves(f.api, 'k', [item('1')]);
    await tick();
    const jobId = f.calls[0].input.jobId!;
    await cancelSlot(f.api as never, 'k');
    f.emit({ jobId, node: 'PACS-A', phase: 'retrieve', done: 0, total: null, bytes: 0 });
    f.emit({ jobId, node: 'PACS-A', phase: 'retrieve', done: 1, total: null, bytes: 0 });
    expect(f.cancels).toEqual([jobId, jobId]);
    f.calls[0].reject(new ApiError('conflict', 'cancelled'));
    await done;
  });

  it('runs one batch per slot at a time; a finished slot can be dismissed', async () => {
    const f = fakeApi();
    const first = runRetrieves(f.api, 'k', [item('1')]);
    await tick();
    expect(await runRetrieves(f.api, 'k', [item('2')])).toEqual([]);
    pacsActions.dismissSlot('k');
    expect(pacsStore.getState().slots.k).toBeDefined();
    f.calls[0].resolve(result('1'));
    await first;
    pacsActions.dismissSlot('k');
    expect(pacsStore.getState().slots.k).toBeUndefined();
  });
});
