import { describe, expect, it } from 'vitest';
import { createApiFromTransport } from './index';
import { createIpcTransport, type LongitudeBridge } from './ipcTransport';
import { ApiError } from '../../../core/api/errors';
import { IPC_ERROR_KEY } from '../../../core/api/wire';

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

describe('IPC transport: reader and error kinds', () => {
  it('passes the stated reader as the third argument of every call', async () => {
    const seen: unknown[] = [];
    const bridge: LongitudeBridge = {
      invoke: async (_method, _args, reader) => {
        seen.push(reader);
        return null;
      },
      on: () => undefined,
    };
    let reader: { name: string; id?: string | null } | null = null;
    const api = createApiFromTransport(createIpcTransport(bridge, () => reader));
    await api.listPatients();
    reader = { name: 'Dr A', id: '7' };
    await api.createLesion(1, {});
    expect(seen).toEqual([null, { name: 'Dr A', id: '7' }]);
  });

  it('turns the error envelope into an ApiError with its kind, naming the method', async () => {
    const { bridge } = fakeBridge(() => ({ [IPC_ERROR_KEY]: { kind: 'conflict', message: 'link 3 is already confirmed' } }));
    const api = createApiFromTransport(createIpcTransport(bridge));
    const error = await api.confirmLesionLink(3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: 'conflict', message: 'confirmLesionLink: link 3 is already confirmed' });
  });

  it('an envelope with an unknown kind is internal; a thrown error too', async () => {
    const odd = fakeBridge(() => ({ [IPC_ERROR_KEY]: { kind: 'teapot', message: 'odd' } }));
    await expect(createApiFromTransport(createIpcTransport(odd.bridge)).listPatients()).rejects.toMatchObject({ kind: 'internal', message: 'listPatients: odd' });
    const thrown = fakeBridge(() => {
      throw new Error("Error invoking remote method 'longitude:call': Error: disk full");
    });
    await expect(createApiFromTransport(createIpcTransport(thrown.bridge)).listPatients()).rejects.toMatchObject({ kind: 'internal', message: 'listPatients: disk full' });
  });

  it('a result that merely has fields is a result, not an error', async () => {
    const { bridge } = fakeBridge(() => ({ error: 'not an envelope', id: 1 }));
    await expect(createApiFromTransport(createIpcTransport(bridge)).getSeries(1)).resolves.toEqual({ error: 'not an envelope', id: 1 });
  });
});
