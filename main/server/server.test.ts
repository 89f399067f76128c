import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../services/app';
import { startServer, type RunningServer } from './server';

const DATA = join(__dirname, '..', '..', '..', 'shared', 'data');
const TOKEN = 'test-token-0123456789';

let service: App;
let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lng-srv-'));
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Longitude</title>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the static folder');
  service = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1 });
  server = await startServer({ service, token: TOKEN, staticDir });
});
afterAll(async () => {
  await server.close();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Raw HTTP so the test controls the Host header and the path bytes exactly. */
function http(method: string, path: string, opts: { token?: string; body?: unknown; host?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: {
          host: opts.host ?? `127.0.0.1:${server.port}`,
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('serve mode HTTP API', () => {
  it('binds 127.0.0.1 and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
    expect((server.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('refuses API calls without the right token', async () => {
    expect((await http('POST', '/api/call/listPatients', { body: { args: [] } })).status).toBe(401);
    expect((await http('POST', '/api/call/listPatients', { token: 'wrong', body: { args: [] } })).status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const r = await http('POST', '/api/call/listPatients', { token: TOKEN, host: 'evil.example:80', body: { args: [] } });
    expect(r.status).toBe(421);
  });

  it('imports real data and lists it through the API; unknown methods are errors', async () => {
    const imp = await http('POST', '/api/call/importPaths', { token: TOKEN, body: { args: [[join(DATA, 'dcmqi', 'ct-3slice')]] } });
    expect(imp.status).toBe(200);
    expect(JSON.parse(imp.body.toString()).result).toMatchObject({ imported: 3, skipped: 0 });
    const patients = JSON.parse((await http('POST', '/api/call/listPatients', { token: TOKEN, body: { args: [] } })).body.toString()).result;
    expect(patients).toEqual([expect.objectContaining({ patientId: '99000', studyCount: 1 })]);
    const unknown = await http('POST', '/api/call/dropAllTables', { token: TOKEN, body: { args: [] } });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString()).error).toMatch(/unknown API method "dropAllTables"/);
    const bad = await http('POST', '/api/call/getSeries', { token: TOKEN, body: { args: [999] } });
    expect(bad.status).toBe(404);
    expect(JSON.parse(bad.body.toString()).error).toBe('series 999 is not in the library');
  });

  it('serves the UI with a strict CSP, and nothing outside its folder', async () => {
    const index = await http('GET', '/');
    expect(index.status).toBe(200);
    expect(String(index.headers['content-security-policy'])).toMatch(/default-src 'self'; script-src 'self'/);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%2f%2e%2e%2fetc/passwd']) {
      const r = await http('GET', p);
      expect(r.body.toString()).not.toContain('outside the static folder');
      expect(r.body.toString()).not.toContain('root:');
    }
  });

  it('keeps uploads inside their batch folder', async () => {
    const r = await http('PUT', `/api/upload/batch1/${encodeURIComponent('../../escape.dcm')}`, { token: TOKEN, body: 'x' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body.toString()).error).toMatch(/points outside its batch/);
  });
});
