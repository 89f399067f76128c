import { BINARY_METHODS, EVENT_NAMES, type ApiMethod, type EventName } from '../../../core/api/contract';
import { ApiError, isApiErrorKind, kindOfHttpStatus } from '../../../core/api/errors';
import { encodeReaderHeader } from '../../../core/api/reader';
import { HTTP_CALL_PREFIX, HTTP_EVENTS_PATH, HTTP_READER_HEADER, HTTP_UPLOAD_PREFIX } from '../../../core/api/wire';
import { noReader, type ReaderSource } from './storedReader';
import type { Transport } from './transport';

/** HTTP transport of serve mode (the wire is described in core/api/wire.ts). */
export function createHttpTransport(token: string | null, baseUrl = '', currentReader: ReaderSource = noReader): Transport {
  /** Token and reader, on every call: the workstation records the reader on what the call changes. */
  const headers = (contentType: string): Record<string, string> => {
    const out: Record<string, string> = { 'Content-Type': contentType };
    // HTTP_TOKEN_HEADER, spelled as browsers and proxies log it (header names are case-insensitive).
    if (token) out.Authorization = `Bearer ${token}`;
    const reader = currentReader();
    if (reader) out[HTTP_READER_HEADER] = encodeReaderHeader(reader);
    return out;
  };

  async function failure(method: string, response: Response): Promise<ApiError> {
    let message = `${response.status} ${response.statusText}`;
    let kind = kindOfHttpStatus(response.status);
    try {
      const body = (await response.json()) as { error?: unknown; kind?: unknown };
      if (typeof body.error === 'string' && body.error) message = body.error;
      if (isApiErrorKind(body.kind)) kind = body.kind;
    } catch {
      // Not JSON: keep the status line and the kind of the status.
    }
    if (response.status === 401 || response.status === 403) {
      message += ' — the session token is missing or no longer valid; open the link printed by `longitude serve` again.';
    }
    return new ApiError(kind, `${method}: ${message}`);
  }

  async function send(method: ApiMethod, url: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (e) {
      // The workstation is not reachable (stopped, network gone): nothing was done.
      throw new ApiError('unavailable', `${method}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!response.ok) throw await failure(method, response);
    return response;
  }

  async function invoke(method: ApiMethod, args: unknown[]): Promise<unknown> {
    if (method === 'uploadFile') {
      const [batchId, relativePath, bytes] = args as [string, string, ArrayBuffer];
      // Keep folder structure, escape each segment on its own.
      const pathPart = relativePath.split('/').filter(Boolean).map(encodeURIComponent).join('/');
      await send(method, `${baseUrl}${HTTP_UPLOAD_PREFIX}${encodeURIComponent(batchId)}/${pathPart}`, {
        method: 'PUT',
        headers: headers('application/octet-stream'),
        body: bytes,
      });
      return undefined;
    }
    const response = await send(method, `${baseUrl}${HTTP_CALL_PREFIX}${method}`, {
      method: 'POST',
      headers: headers('application/json'),
      body: JSON.stringify({ args }),
    });
    if (BINARY_METHODS.includes(method)) return response.arrayBuffer();
    const body = (await response.json()) as { result?: unknown };
    return body.result;
  }

  // One EventSource for all listeners, opened on first use.
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const reconnectListeners = new Set<() => void>();
  let source: EventSource | null = null;
  function ensureSource(): void {
    if (source) return;
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    source = new EventSource(`${baseUrl}${HTTP_EVENTS_PATH}${query}`);
    // EventSource reconnects by itself; what was sent in between is lost.
    let lost = false;
    source.addEventListener('error', () => {
      lost = true;
    });
    source.addEventListener('open', () => {
      if (!lost) return;
      lost = false;
      for (const listener of reconnectListeners) listener();
    });
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

  function onReconnect(listener: () => void): () => void {
    ensureSource();
    reconnectListeners.add(listener);
    return () => reconnectListeners.delete(listener);
  }

  return { kind: 'http', invoke, on, onReconnect };
}
