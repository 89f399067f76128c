/**
 * Serve mode under load: a bounded number of concurrent clients on loopback, each behaving
 * like a browser on a tumor-board workstation — it listens to the change events, opens volumes
 * (openVolume, then every chunk), reads the lesion table and saves measurements (a new caliper,
 * or moving one it drew before). Figures: requests per second, p50 / p95 latency per request
 * kind, errors, and the server's resident memory sampled from /proc/<pid>/status over the run.
 *
 * Bounded on purpose: requests go only to 127.0.0.1, stop at the deadline or at `maxRequests`,
 * each one times out, and every client stops by itself.
 */
import { mulberry32 } from '../../core/metrics/prng';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lesion, Measurement, PatientSummary, SeriesSummary, StudySummary, Vec3, VolumeInfo } from '../../core/api/types';
import { indexToLps } from '../../core/dicom/geometry';
import { encodeReaderHeader } from '../../core/api/reader';
import { HTTP_READER_HEADER } from '../../core/api/wire';
import { writePatient } from '../phantom/index';
import { startServeMode } from '../testing/serveMode';

export interface LoadTarget {
  /** http://127.0.0.1:<port> — nothing else is accepted. */
  origin: string;
  token: string;
  /** The server process whose memory is sampled (/proc/<pid>/status); none: not sampled. */
  serverPid?: number;
}

export interface LoadFixture {
  patientRowId: number;
  series: { id: number; info: VolumeInfo }[];
  lesionIds: number[];
}

export interface LoadOptions {
  clients: number;
  durationMs: number;
  /** Hard cap on requests of the whole run (default: 500 per client per second of duration). */
  maxRequests?: number;
  /** A request slower than this is an error (default 30 s). */
  requestTimeoutMs?: number;
  /** Each client keeps a change-event stream open, as the UI does (default true). */
  events?: boolean;
  /** Seed of the clients' choices (default 1). */
  seed?: number;
  /** Server memory sampling interval (default 100 ms). */
  sampleMs?: number;
}

export interface KindFigures {
  kind: string;
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface LoadReport {
  clients: number;
  durationMs: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  kinds: KindFigures[];
  /** The first few errors, for the report. */
  errorSamples: string[];
  /** Change events received by all clients together. */
  eventsReceived: number;
  /** Server resident memory (VmRSS samples), bytes; null when not sampled. */
  serverRss: { startBytes: number; peakBytes: number; firstHalfPeakBytes: number; secondHalfPeakBytes: number; endBytes: number; samples: number } | null;
}

/** Request kinds, in report order; "open volume (all chunks)" is openVolume plus every chunk, as the viewer sees it. */
export const LOAD_KINDS = ['openVolume', 'getVolumeChunk', 'open volume (all chunks)', 'getLesionTable', 'addMeasurement', 'updateMeasurement'] as const;

class Client {
  constructor(
    private readonly id: number,
    private readonly target: LoadTarget,
    private readonly signal: AbortSignal,
    private readonly timeoutMs: number,
  ) {}

  async call(method: string, args: unknown[], binary = false): Promise<unknown> {
    const res = await fetch(`${this.target.origin}/api/call/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.target.token}`, 'content-type': 'application/json', [HTTP_READER_HEADER]: encodeReaderHeader({ name: `load client ${this.id}` }) },
      body: JSON.stringify({ args }),
      signal: AbortSignal.any([this.signal, AbortSignal.timeout(this.timeoutMs)]),
    });
    if (!res.ok) {
      const text = await res.text();
      throw new Error(`${method}: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    if (binary) return res.arrayBuffer();
    return ((await res.json()) as { result: unknown }).result;
  }
}

function assertLoopback(origin: string): void {
  const u = new URL(origin);
  if (u.protocol !== 'http:' || u.hostname !== '127.0.0.1') throw new Error(`the load generator only talks to http://127.0.0.1, not ${origin}`);
}

/** VmRSS of a process, bytes (0 once it has ended). */
function rssOf(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** A bidirectional caliper on an axial slice near the middle of the series (LPS mm). */
function caliper(info: VolumeInfo, random: () => number): Vec3[] {
  const [nx, ny, nz] = info.geometry.dims;
  const k = Math.floor(nz / 2 + (random() - 0.5) * nz * 0.5);
  const ci = nx / 2 + (random() - 0.5) * nx * 0.2;
  const cj = ny / 2 + (random() - 0.5) * ny * 0.2;
  const a = 3 + random() * nx * 0.1;
  const b = a * (0.4 + random() * 0.5);
  return [
    indexToLps(info.geometry, [ci - a, cj, k]),
    indexToLps(info.geometry, [ci + a, cj, k]),
    indexToLps(info.geometry, [ci, cj - b, k]),
    indexToLps(info.geometry, [ci, cj + b, k]),
  ];
}

/**
 * A phantom patient (two exams) written once into the temporary folder, imported into the
 * workstation, with three lesions to measure. Returns what the clients need.
 */
export async function prepareLoadFixture(target: LoadTarget, opts: { size?: number; slices?: number; sliceMm?: number; timeoutMs?: number } = {}): Promise<LoadFixture> {
  assertLoopback(target.origin);
  const size = opts.size ?? 256;
  const slices = opts.slices ?? 96;
  const sliceMm = opts.sliceMm ?? 2.5;
  const dir = join(tmpdir(), `longitude-load-phantom-${size}x${slices}x${sliceMm}-v1`);
  const patientId = 'LOAD-001';
  let seriesDirs = existsSync(join(dir, patientId)) ? readdirSync(join(dir, patientId)).filter((d) => d.startsWith('t')).map((d) => join(dir, patientId, d)) : [];
  if (seriesDirs.length !== 2 || seriesDirs.some((d) => readdirSync(d).length !== slices)) {
    seriesDirs = (await writePatient(dir, { seed: 'load', size, slices, sliceMm, timepoints: 2, patientId })).seriesDirs;
  }
  const client = new Client(0, target, new AbortController().signal, opts.timeoutMs ?? 300_000);
  const report = (await client.call('importPaths', [seriesDirs])) as { skipped: number; files: { reason?: string }[] };
  if (report.skipped) throw new Error(`the load phantom did not import: ${report.files.find((f) => f.reason)?.reason}`);
  const patient = ((await client.call('listPatients', [])) as PatientSummary[]).find((p) => p.patientId === patientId);
  if (!patient) throw new Error('the load phantom patient is not in the library');
  const series: LoadFixture['series'] = [];
  for (const study of (await client.call('listStudies', [patient.id])) as StudySummary[]) {
    for (const s of (await client.call('listSeries', [study.id])) as SeriesSummary[]) {
      series.push({ id: s.id, info: (await client.call('openVolume', [s.id])) as VolumeInfo });
    }
  }
  // Decoded once before the clients start (the figures are the steady state of a warm workstation).
  for (const s of series) {
    for (let z = 0; z < s.info.geometry.dims[2]; z += s.info.chunkSlices) await client.call('getVolumeChunk', [s.id, z, Math.min(s.info.chunkSlices, s.info.geometry.dims[2] - z)], true);
  }
  const lesionIds: number[] = [];
  for (let i = 0; i < 3; i++) lesionIds.push(((await client.call('createLesion', [patient.id, { site: 'liver', notes: `load ${i + 1}` }])) as Lesion).id);
  return { patientRowId: patient.id, series, lesionIds };
}

/** Run the clients until the deadline (or the request cap); never throws for a failed request, it counts it. */
export async function runLoad(target: LoadTarget, fixture: LoadFixture, opts: LoadOptions): Promise<LoadReport> {
  assertLoopback(target.origin);
  if (!Number.isInteger(opts.clients) || opts.clients < 1 || opts.clients > 200) throw new Error(`clients must be 1 to 200, got ${opts.clients}`);
  if (!(opts.durationMs > 0 && opts.durationMs <= 3_600_000)) throw new Error(`duration must be up to an hour, got ${opts.durationMs} ms`);
  if (!fixture.series.length || !fixture.lesionIds.length) throw new Error('the load fixture has no series or no lesion to measure');
  const maxRequests = opts.maxRequests ?? Math.ceil(opts.clients * (opts.durationMs / 1000) * 500);
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const stop = new AbortController();
  const latencies = new Map<string, number[]>(LOAD_KINDS.map((k) => [k, []]));
  const errorsByKind = new Map<string, number>();
  const errorSamples: string[] = [];
  let requests = 0;
  let eventsReceived = 0;

  // Server memory, sampled over the run.
  const pid = target.serverPid;
  const rssSamples: { t: number; bytes: number }[] = [];
  const sample = () => pid !== undefined && rssSamples.push({ t: performance.now(), bytes: rssOf(pid) });
  sample();
  const sampler = pid !== undefined ? setInterval(sample, opts.sampleMs ?? 100) : undefined;

  // Change-event streams, one per client, as each browser keeps one.
  const streams: Promise<void>[] = [];
  if (opts.events ?? true) {
    for (let c = 0; c < opts.clients; c++) {
      streams.push(
        (async () => {
          const res = await fetch(`${target.origin}/api/events?token=${encodeURIComponent(target.token)}`, { signal: stop.signal });
          const decoder = new TextDecoder();
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            eventsReceived += (decoder.decode(chunk, { stream: true }).match(/^event: /gm) ?? []).length;
          }
        })().catch((err: unknown) => {
          if (!stop.signal.aborted) fail('events', err);
        }),
      );
    }
  }

  function fail(kind: string, err: unknown): void {
    errorsByKind.set(kind, (errorsByKind.get(kind) ?? 0) + 1);
    if (errorSamples.length < 5) errorSamples.push(`${kind}: ${err instanceof Error ? err.message : String(err)}`);
  }

  const started = performance.now();
  const deadline = started + opts.durationMs;
  const more = () => performance.now() < deadline && requests < maxRequests;

  /** One timed request; false when it failed (the caller's sequence stops there). */
  async function timed<T>(client: Client, kind: string, method: string, args: unknown[], binary = false): Promise<T | undefined> {
    requests++;
    const t = performance.now();
    try {
      const v = (await client.call(method, args, binary)) as T;
      latencies.get(kind)!.push(performance.now() - t);
      return v;
    } catch (err) {
      fail(kind, err);
      return undefined;
    }
  }

  async function clientLoop(c: number): Promise<void> {
    const random = mulberry32((opts.seed ?? 1) * 1000 + c);
    const client = new Client(c + 1, target, stop.signal, timeoutMs);
    const mine: Measurement[] = [];
    while (more()) {
      const r = random();
      const s = fixture.series[Math.floor(random() * fixture.series.length)];
      if (r < 0.25) {
        // Open a volume as the viewer does: the info, then every chunk from the middle outwards.
        const t = performance.now();
        const info = await timed<VolumeInfo>(client, 'openVolume', 'openVolume', [s.id]);
        if (!info) continue;
        const nz = info.geometry.dims[2];
        const starts: number[] = [];
        for (let z = 0; z < nz; z += info.chunkSlices) starts.push(z);
        const mid = nz / 2;
        starts.sort((a, b) => Math.abs(a + info.chunkSlices / 2 - mid) - Math.abs(b + info.chunkSlices / 2 - mid));
        let whole = true;
        for (const z of starts) {
          if (!more()) {
            whole = false;
            break;
          }
          const n = Math.min(info.chunkSlices, nz - z);
          const buf = await timed<ArrayBuffer>(client, 'getVolumeChunk', 'getVolumeChunk', [s.id, z, n], true);
          if (!buf) {
            whole = false;
            break;
          }
          if (buf.byteLength !== n * info.geometry.dims[0] * info.geometry.dims[1] * 2) {
            fail('getVolumeChunk', new Error(`chunk ${z}+${n} of series ${s.id} has ${buf.byteLength} bytes`));
            whole = false;
            break;
          }
        }
        if (whole) latencies.get('open volume (all chunks)')!.push(performance.now() - t);
      } else if (r < 0.65) {
        await timed(client, 'getLesionTable', 'getLesionTable', [fixture.patientRowId]);
      } else if (mine.length < 3 || random() < 0.3) {
        const lesionId = fixture.lesionIds[Math.floor(random() * fixture.lesionIds.length)];
        const m = await timed<Measurement>(client, 'addMeasurement', 'addMeasurement', [{ lesionId, seriesId: s.id, kind: 'bidirectional', pointsLps: caliper(s.info, random) }]);
        if (m) mine.push(m);
      } else {
        // Move one of this client's calipers.
        const m = mine[Math.floor(random() * mine.length)];
        const info = fixture.series.find((x) => x.id === m.seriesId)!.info;
        await timed(client, 'updateMeasurement', 'updateMeasurement', [m.id, caliper(info, random)]);
      }
    }
  }

  let durationMs = 0;
  try {
    await Promise.all(Array.from({ length: opts.clients }, (_, c) => clientLoop(c)));
  } finally {
    durationMs = performance.now() - started;
    stop.abort();
    await Promise.all(streams);
    if (sampler) clearInterval(sampler);
    sample();
  }
  const kinds: KindFigures[] = LOAD_KINDS.map((kind) => {
    const v = [...latencies.get(kind)!].sort((a, b) => a - b);
    return { kind, count: v.length, errors: errorsByKind.get(kind) ?? 0, p50Ms: percentile(v, 0.5), p95Ms: percentile(v, 0.95), maxMs: v.length ? v[v.length - 1] : 0 };
  });
  const errors = [...errorsByKind.values()].reduce((a, b) => a + b, 0);
  let serverRss: LoadReport['serverRss'] = null;
  if (pid !== undefined && rssSamples.length) {
    const mid = started + durationMs / 2;
    const peak = (xs: { bytes: number }[]) => xs.reduce((m, x) => Math.max(m, x.bytes), 0);
    serverRss = {
      startBytes: rssSamples[0].bytes,
      peakBytes: peak(rssSamples),
      firstHalfPeakBytes: peak(rssSamples.filter((x) => x.t <= mid)),
      secondHalfPeakBytes: peak(rssSamples.filter((x) => x.t > mid)),
      endBytes: rssSamples[rssSamples.length - 1].bytes,
      samples: rssSamples.length,
    };
  }
  return { clients: opts.clients, durationMs, requests, errors, requestsPerSecond: requests / (durationMs / 1000), kinds, errorSamples, eventsReceived, serverRss };
}

/** The report as bench rows: [what, figure, remark]. */
export function loadRows(r: LoadReport): [string, string, string][] {
  const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  const rows: [string, string, string][] = [
    [`serve mode: ${r.clients} clients × ${(r.durationMs / 1000).toFixed(0)} s on loopback`, `${r.requestsPerSecond.toFixed(0)} req/s`, `${r.requests} requests, ${r.errors} errors${r.errorSamples.length ? ` (${r.errorSamples.join('; ')})` : ''}, ${r.eventsReceived} change events received`],
  ];
  for (const k of r.kinds) {
    if (!k.count && !k.errors) continue;
    rows.push([`  ${k.kind} p50 / p95`, `${ms(k.p50Ms)} / ${ms(k.p95Ms)}`, `${k.count} done, ${k.errors} errors, max ${ms(k.maxMs)}`]);
  }
  if (r.serverRss) {
    const s = r.serverRss;
    rows.push(['  peak memory, server process under load', mb(s.peakBytes), `VmRSS: ${mb(s.startBytes)} before, peak ${mb(s.firstHalfPeakBytes)} in the first half, ${mb(s.secondHalfPeakBytes)} in the second, ${mb(s.endBytes)} at the end (${s.samples} samples)`]);
  }
  return rows;
}

/**
 * `npm run bench` (BENCH_ONLY=load): the real serve mode as a child process on a fresh library,
 * BENCH_LOAD_CLIENTS clients (default 20) for BENCH_LOAD_SECONDS (default 30) on a phantom of
 * BENCH_LOAD_SIZE² × BENCH_LOAD_SLICES (default 256² × 96, two exams).
 */
export async function benchLoad(env: NodeJS.ProcessEnv = process.env): Promise<[string, string, string][]> {
  const clients = Number(env.BENCH_LOAD_CLIENTS ?? 20);
  const seconds = Number(env.BENCH_LOAD_SECONDS ?? 30);
  const serve = await startServeMode();
  try {
    const target: LoadTarget = { origin: serve.origin, token: serve.token, serverPid: serve.process.pid };
    const fixture = await prepareLoadFixture(target, { size: Number(env.BENCH_LOAD_SIZE ?? 256), slices: Number(env.BENCH_LOAD_SLICES ?? 96) });
    console.log(`load: ${clients} clients for ${seconds} s against serve mode (pid ${serve.process.pid})…`);
    const report = await runLoad(target, fixture, { clients, durationMs: seconds * 1000 });
    const rows = loadRows(report);
    rows.push(['  peak memory, server since start (VmHWM)', `${(serve.peakRssBytes() / 2 ** 20).toFixed(0)} MB`, 'import and decoding included']);
    return rows;
  } finally {
    await serve.stop();
  }
}
