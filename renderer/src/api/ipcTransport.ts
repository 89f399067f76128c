import { EVENT_NAMES, type ApiMethod, type EventName } from '../../../core/api/contract';
import type { Transport } from './transport';

/** What preload/ exposes on `window.longitude` (contract.ts, "Transports"). */
export interface LongitudeBridge {
  invoke(method: ApiMethod, args: unknown[]): Promise<unknown>;
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

export function createIpcTransport(bridge: LongitudeBridge): Transport {
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
      try {
        return toArrayBuffer(await bridge.invoke(method, args));
      } catch (error) {
        // Electron wraps main-process errors as "Error invoking remote method '…': Error: msg".
        const raw = error instanceof Error ? error.message : String(error);
        throw new Error(`${method}: ${raw.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '')}`);
      }
    },
    on(event, listener) {
      const set = listeners.get(event);
      if (!set) throw new Error(`Unknown event ${event}`);
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}
