/**
 * The load generator itself: a few clients for a few seconds against the serve-mode HTTP server
 * (in this process, so that it needs no built UI), every request kind exercised, no error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../main/server/server';
import { createApp, type App } from '../../main/services/app';
import { LOAD_KINDS, loadRows, prepareLoadFixture, runLoad, type LoadTarget } from './loadBench';

const TOKEN = 'load-test-token-0123456789';
let dir: string;
let service: App;
let server: RunningServer;
let target: LoadTarget;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lng-load-'));
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Longitude</title>');
  service = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1 });
  server = await startServer({ service, token: TOKEN, staticDir });
  target = { origin: `http://127.0.0.1:${server.port}`, token: TOKEN, serverPid: process.pid };
});
afterAll(async () => {
  await server?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serve mode load generator', () => {
  it('4 clients for 4 s: every request kind answered, 0 errors, memory sampled, stops by itself', async () => {
    const fixture = await prepareLoadFixture(target, { size: 96, slices: 40 });
    expect(fixture.series).toHaveLength(2);
    const t = performance.now();
    const report = await runLoad(target, fixture, { clients: 4, durationMs: 4000, seed: 7 });
    expect(performance.now() - t).toBeLessThan(4000 + 30_000);
    expect(report.errorSamples).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.requests).toBeGreaterThan(20);
    for (const kind of LOAD_KINDS) expect(report.kinds.find((k) => k.kind === kind)!.count, kind).toBeGreaterThan(0);
    for (const k of report.kinds) expect(k.p95Ms).toBeGreaterThanOrEqual(k.p50Ms);
    expect(report.eventsReceived).toBeGreaterThan(0);
    expect(report.serverRss!.peakBytes).toBeGreaterThan(0);
    expect(loadRows(report)[0][1]).toMatch(/^\d+ req\/s$/);
  });

  it('refuses anything but 127.0.0.1 and caps the number of requests', async () => {
    const fixture = { patientRowId: 1, series: [], lesionIds: [] };
    await expect(runLoad({ ...target, origin: 'http://example.org' }, fixture, { clients: 1, durationMs: 1000 })).rejects.toThrow(/only talks to http:\/\/127\.0\.0\.1/);
    await expect(runLoad(target, fixture, { clients: 1000, durationMs: 1000 })).rejects.toThrow(/clients must be 1 to 200/);
    const real = await prepareLoadFixture(target, { size: 96, slices: 40 });
    const capped = await runLoad(target, real, { clients: 2, durationMs: 20_000, maxRequests: 10, events: false });
    expect(capped.requests).toBeLessThanOrEqual(10);
    expect(capped.durationMs).toBeLessThan(20_000);
  });
});
