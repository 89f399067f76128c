/**
 * The wire, in one place: channel names, HTTP routes and headers, the content security
 * policy. Both shells and both renderer transports read these.
 *
 * - Electron: preload exposes `window.longitude = { invoke(method, args, reader), on(event, listener) }`
 *   on the channel `longitude:call` and `longitude:event`. A failed call resolves to
 *   `{ [IPC_ERROR_KEY]: { kind, message } }` so the error kind survives IPC.
 * - HTTP (serve mode): `POST /api/call/<method>` with `Authorization: Bearer <token>`, the
 *   reader in `X-Longitude-Reader` (see core/api/reader.ts) and JSON body `{ "args": [...] }`;
 *   JSON results come back as `{ "result": ... }`, binary methods as raw bytes; errors as
 *   `{ "error": message, "kind": kind }` with the kind's status (core/api/errors.ts).
 *   Methods with a raw body (`uploadFile`) are `PUT /api/upload/<batchId>/<relativePath>`.
 *   Events: `GET /api/events?token=<token>` (server-sent events, `event: <name>`, JSON data).
 */
export const IPC_CALL_CHANNEL = 'longitude:call';
export const IPC_EVENT_CHANNEL = 'longitude:event';
export const IPC_ERROR_KEY = '__longitudeError';

export const HTTP_CALL_PREFIX = '/api/call/';
export const HTTP_UPLOAD_PREFIX = '/api/upload/';
export const HTTP_EVENTS_PATH = '/api/events';
export const HTTP_TOKEN_HEADER = 'authorization';
export const HTTP_READER_HEADER = 'x-longitude-reader';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
