import { BINARY_METHODS, EVENT_NAMES, type ApiMethod, type EventName } from '../../../core/api/contract';
import type { Transport } from './transport';

/** HTTP transport of serve mode (see the transport notes at the end of core/api/contract.ts). */
export function createHttpTransport(token: string | null, baseUrl = ''): Transport {
  const authHeaders = (): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

  async function failure(method: string, response: Response): Promise<Error> {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: string };
      if (body.error) message = body.error;
    } catch {
      // Not JSON: keep the status line.
    }
    if (response.status === 401 || response.status === 403) {
      message += ' — the session token is missing or no longer valid; open the link printed by `longitude serve` again.';
    }
    return new Error(`${method}: ${message}`);
  }

  async function invoke(method: ApiMethod, args: unknown[]): Promise<unknown> {
    if (method === 'uploadFile') {
      const [batchId, relativePath, bytes] = args as [string, string, ArrayBuffer];
      // Keep folder structure, escape each segment on its own.
      const pathPart = relativePath.split('/').filter(Boolean).map(encodeURIComponent).join('/');
      const response = await fetch(`${baseUrl}/api/upload/${encodeURIComponent(batchId)}/${pathPart}`, {
        method: 'PUT',
        headers: { ...authHeaders(), 'Content-Type': 'application/octet-stream' },
        body: bytes,
      });
      if (!response.ok) throw await failure(method, response);
      return undefined;
    }
    const response = await fetch(`${baseUrl}/api/call/${method}`, {
      method: 'POST',
      headers: { ...authHeaders(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ args }),
    });
    if (!response.ok) throw await failure(method, response);
    if (BINARY_METHODS.includes(method)) return response.arrayBuffer();
    const body = (await response.json()) as { result?: unknown };
    return body.result;
  }

  // One EventSource for all listeners, opened on first use.
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let source: EventSource | null = null;
  function ensureSource(): void {
    if (source) return;
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    source = new EventSource(`${baseUrl}/api/events${query}`);
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (event) => {
        let payload: unknown;
        try {
          payload = JSON.parse((event as MessageEvent<string>).data);
        } catch {
          return;
        }
        for (const listener of listeners.get(name) ?? []) listener(payload);
      });
    }
  }

  function on(event: EventName, listener: (payload: unknown) => void): () => void {
    ensureSource();
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  return { kind: 'http', invoke, on };
}
