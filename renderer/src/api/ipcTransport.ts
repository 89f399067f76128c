import { EVENT_NAMES, type ApiMethod, type EventName } from '../../../core/api/contract';
import { ApiError, isApiErrorKind } from '../../../core/api/errors';
import type { ReaderIdentity } from '../../../core/api/reader';
import { IPC_ERROR_KEY } from '../../../core/api/wire';
import { noReader, type ReaderSource } from './storedReader';
import type { Transport } from './transport';

/** What preload/ exposes on `window.longitude` (core/api/wire.ts). */
export interface LongitudeBridge {
  /** A failed call resolves to `{ [IPC_ERROR_KEY]: { kind, message } }`; older shells throw instead. */
  invoke(method: ApiMethod, args: unknown[], reader?: ReaderIdentity | null): Promise<unknown>;
  /** May or may not return an unsubscribe function; we do not rely on it. */
  on(event: EventName, listener: (payload: unknown) => void): unknown;
}

declare global {
  interface Window {
    longitude?: LongitudeBridge;
  }
}

/** Structured clone turns a Node Buffer into a Uint8Array view; callers want the exact bytes. */
function toArrayBuffer(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return value;
  if (ArrayBuffer.isView(value)) {
    const view = value as ArrayBufferView;
    return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
  }
  return value;
}

/** The error envelope of a failed call, or null for a result. */
function wireErrorOf(value: unknown): { kind: unknown; message: unknown } | null {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value) || !Object.hasOwn(value, IPC_ERROR_KEY)) return null;
  const error = (value as Record<string, unknown>)[IPC_ERROR_KEY];
  return error && typeof error === 'object' ? (error as { kind: unknown; message: unknown }) : { kind: 'internal', message: String(error) };
}

export function createIpcTransport(bridge: LongitudeBridge, currentReader: ReaderSource = noReader): Transport {
  // Subscribe once per event to the bridge and fan out here, so unsubscribing works
  // whatever the bridge's `on` returns.
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  for (const name of EVENT_NAMES) {
    const set = new Set<(payload: unknown) => void>();
    listeners.set(name, set);
    bridge.on(name, (payload) => {
      for (const listener of set) listener(payload);
    });
  }
  return {
    kind: 'ipc',
    async invoke(method, args) {
      let value: unknown;
      try {
        // The reader goes with every call; the main process records it on what the call changes.
        value = await bridge.invoke(method, args, currentReader());
      } catch (error) {
        // A shell that throws: Electron wraps main-process errors as "Error invoking remote method '…': Error: msg".
        const raw = error instanceof Error ? error.message : String(error);
        const kind = (error as { kind?: unknown } | null)?.kind;
        throw new ApiError(isApiErrorKind(kind) ? kind : 'internal', `${method}: ${raw.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '')}`);
      }
      const wire = wireErrorOf(value);
      if (wire) throw new ApiError(isApiErrorKind(wire.kind) ? wire.kind : 'internal', `${method}: ${String(wire.message)}`);
      return toArrayBuffer(value);
    },
    // IPC does not drop events while the window lives.
    onReconnect: () => () => undefined,
    on(event, listener) {
      const set = listeners.get(event);
      if (!set) throw new Error(`Unknown event ${event}`);
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}
