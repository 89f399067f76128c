/**
 * Serve mode: the same services over HTTP for a browser (see core/api/contract.ts for
 * the wire format). Binds 127.0.0.1 unless told otherwise; every API call needs the
 * per-run token; static files come only from the built renderer folder.
 */
import { timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { EVENT_NAMES } from '../../core/api/contract';
import { ApiError, httpStatusOf, toWireError } from '../../core/api/errors';
import { decodeReaderHeader } from '../../core/api/reader';
import { CONTENT_SECURITY_POLICY, HTTP_CALL_PREFIX, HTTP_EVENTS_PATH, HTTP_READER_HEADER, HTTP_UPLOAD_PREFIX } from '../../core/api/wire';
import type { App } from '../services/app';
import { dispatch, type DispatchResult } from '../shell/dispatch';

export interface ServeOptions {
  service: App;
  token: string;
  host?: string;
  port?: number;
  /** The built renderer (out/renderer). */
  staticDir: string;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
};


const MAX_JSON_BYTES = 1 << 20;
const MAX_UPLOAD_BYTES = 2 ** 31 - 1;

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': data.length, 'cache-control': 'no-store' });
  res.end(data);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError('too-large', `request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendError(res: ServerResponse, err: unknown): void {
  const wire = toWireError(err);
  sendJson(res, httpStatusOf(wire.kind), { error: wire.message, kind: wire.kind });
}

function sendResult(res: ServerResponse, r: DispatchResult): void {
  if (!r.ok) {
    sendJson(res, httpStatusOf(r.error.kind), { error: r.error.message, kind: r.error.kind });
    return;
  }
  if (r.binary) {
    const bytes = Buffer.from(r.value as ArrayBuffer);
    res.writeHead(200, { 'content-type': r.binary, 'content-length': bytes.length, 'cache-control': 'no-store' });
    res.end(bytes);
    return;
  }
  sendJson(res, 200, { result: r.value ?? null });
}

export function startServer(opts: ServeOptions): Promise<RunningServer> {
  const { service, token } = opts;
  const host = opts.host ?? '127.0.0.1';
  const staticRoot = resolve(opts.staticDir);
  const sseClients = new Set<ServerResponse>();
  let boundPort = 0;

  const onEvent = (name: string, payload: unknown) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of sseClients) res.write(frame);
  };
  service.events.on('event', onEvent);

  const allowedHosts = () => new Set([`127.0.0.1:${boundPort}`, `localhost:${boundPort}`, `${host}:${boundPort}`, `[::1]:${boundPort}`]);

  const server = createServer(async (req, res) => {
    try {
      // DNS-rebinding guard: a page from another origin resolving to 127.0.0.1 has a foreign Host.
      if (!req.headers.host || !allowedHosts().has(req.headers.host)) {
        sendJson(res, 421, { error: `unexpected Host header "${req.headers.host ?? ''}"` });
        return;
      }
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      const path = url.pathname;
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');

      if (path.startsWith('/api/')) {
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const given = bearer ?? (path === HTTP_EVENTS_PATH ? url.searchParams.get('token') : null);
        if (!tokenMatches(given, token)) {
          sendJson(res, 401, { error: 'missing or wrong token: open the address printed when the workstation started', kind: 'unauthorized' });
          return;
        }
        await handleApi(path, req, res);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { error: 'method not allowed' });
        return;
      }
      serveStatic(path, res);
    } catch (err) {
      if (!res.headersSent) sendError(res, err);
      else res.end();
    }
  });

  async function handleApi(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (path === HTTP_EVENTS_PATH && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`: connected; events ${EVENT_NAMES.join(', ')}\n\n`);
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    const readerHeader = req.headers[HTTP_READER_HEADER];
    const reader = decodeReaderHeader(Array.isArray(readerHeader) ? readerHeader[0] : readerHeader);
    if (path.startsWith(HTTP_UPLOAD_PREFIX) && req.method === 'PUT') {
      // PUT /api/upload/<batchId>/<relativePath>: the raw body is the last argument.
      const upload = /^([^/]+)\/(.+)$/.exec(path.slice(HTTP_UPLOAD_PREFIX.length));
      if (!upload) throw new ApiError('not-found', `no API route ${req.method} ${path}`);
      const body = await readBody(req, MAX_UPLOAD_BYTES);
      const args = [decodeURIComponent(upload[1]), decodeURIComponent(upload[2]), new Uint8Array(body.buffer, body.byteOffset, body.byteLength)];
      sendResult(res, await dispatch(service, 'uploadFile', args, reader, { rawBody: true }));
      return;
    }
    const call = path.startsWith(HTTP_CALL_PREFIX) ? /^[A-Za-z]+$/.exec(path.slice(HTTP_CALL_PREFIX.length)) : null;
    if (!call || req.method !== 'POST') throw new ApiError('not-found', `no API route ${req.method} ${path}`);
    const raw = await readBody(req, MAX_JSON_BYTES);
    let args: unknown[];
    try {
      const parsed = raw.length ? (JSON.parse(raw.toString('utf8')) as { args?: unknown }) : {};
      args = Array.isArray(parsed.args) ? parsed.args : [];
    } catch {
      throw new ApiError('invalid', 'request body must be JSON: {"args": [...]}');
    }
    sendResult(res, await dispatch(service, call[0], args, reader));
  }

  function serveStatic(path: string, res: ServerResponse): void {
    let rel: string;
    try {
      rel = normalize(decodeURIComponent(path)).replace(/^([/\\])+/, '');
    } catch {
      sendJson(res, 400, { error: 'bad path' });
      return;
    }
    let file = resolve(staticRoot, rel || 'index.html');
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      // Unknown paths without an extension are app routes: serve the app.
      if (extname(rel) === '' && existsSync(join(staticRoot, 'index.html'))) file = join(staticRoot, 'index.html');
      else {
        sendJson(res, 404, { error: `not found: ${path}` });
        return;
      }
    }
    const headers: Record<string, string> = { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' };
    if (extname(file) === '.html') {
      headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
      headers['x-frame-options'] = 'DENY';
    }
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  }

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      boundPort = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolvePromise({
        server,
        port: boundPort,
        url: `http://${shownHost}:${boundPort}/?token=${token}`,
        close: () =>
          new Promise<void>((r) => {
            service.events.off('event', onEvent);
            for (const c of sseClients) c.end();
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
