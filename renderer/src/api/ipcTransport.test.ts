import { describe, expect, it } from 'vitest';
import { createApiFromTransport } from './index';
import { createIpcTransport, type LongitudeBridge } from './ipcTransport';

function fakeBridge(result: (method: string, args: unknown[]) => unknown) {
  const listeners = new Map<string, (payload: unknown) => void>();
  const bridge: LongitudeBridge = {
    invoke: async (method, args) => result(method, args),
    on: (event, listener) => listeners.set(event, listener),
  };
  return { bridge, emit: (event: string, payload: unknown) => listeners.get(event)?.(payload) };
}

describe('IPC transport (Electron)', () => {
  it('passes args through and returns binary results as an exact ArrayBuffer', async () => {
    // Structured clone of a Node Buffer arrives as a Uint8Array view into a larger buffer.
    const backing = new Uint8Array([9, 9, 1, 0, 2, 0, 9]);
    const { bridge } = fakeBridge(() => new Uint8Array(backing.buffer, 2, 4));
    const api = createApiFromTransport(createIpcTransport(bridge));
    expect(api.transport).toBe('ipc');
    const bytes = await api.getThumbnail(5);
    expect(bytes).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Uint8Array(bytes))).toEqual([1, 0, 2, 0]);
  });

  it("strips Electron's remote-method prefix from errors and names the method", async () => {
    const { bridge } = fakeBridge(() => {
      throw new Error("Error invoking remote method 'longitude:call': Error: series 12 does not exist");
    });
    const api = createApiFromTransport(createIpcTransport(bridge));
    await expect(api.getSeries(12)).rejects.toThrow(/^getSeries: series 12 does not exist$/);
  });

  it('fans events out to subscribers and stops after unsubscribe', () => {
    const { bridge, emit } = fakeBridge(() => null);
    const api = createApiFromTransport(createIpcTransport(bridge));
    const seen: number[] = [];
    const off = api.on('onImportProgress', (p) => seen.push(p.done));
    emit('onImportProgress', { phase: 'reading', done: 3, total: 10 });
    off();
    emit('onImportProgress', { phase: 'reading', done: 4, total: 10 });
    expect(seen).toEqual([3]);
  });
});
