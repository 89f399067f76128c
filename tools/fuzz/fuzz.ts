/**
 * The import fuzz harness (issue 11): mutates the real third-party DICOM in ../shared/data
 * (tools/fuzz/mutate.ts), imports the mutants through the real workstation in child
 * processes (tools/fuzz/importChild.ts), and checks what must hold for hostile input:
 * no process crash, no hang (no file over its time budget), bounded memory, every file in
 * the report, no file half-registered (every registered instance's library file exists and
 * hashes to its row; no library file without a row; no temporary left), and no raw
 * JavaScript error text in a report.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { mulberry32 } from '../../core/metrics/prng';
import type { ChildResult } from './importChild';
import { buildAssets, MUTATIONS, mutate, walkSeed, type Mutation, type ParsedSeed } from './mutate';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_DATA_DIR = join(ROOT, '..', 'shared', 'data');

export interface FuzzOptions {
  count: number;
  seed: number;
  /** Real DICOM to mutate (default ../shared/data). */
  dataDir?: string;
  /** Files per child import (each chunk gets a fresh library). */
  chunk?: number;
  /** Series to open (decode) per chunk after its import. */
  open?: number;
  workers?: number;
  /** Where mutants and libraries go (default: a new temporary folder, removed unless something failed). */
  outDir?: string;
  /** Peak resident memory allowed to an import process (MB). */
  maxRssMb?: number;
  log?: (line: string) => void;
}

export interface FuzzResult {
  files: number;
  seed: number;
  wallSeconds: number;
  /** Files per second of import (time inside the imports) and overall (with generation and process start-up). */
  importFilesPerSecond: number;
  overallFilesPerSecond: number;
  peakRssMb: number;
  crashes: { chunk: number; code: number | null; signal: string | null; detail: string }[];
  /** Files that ran out of their time budget, and chunks killed by the watchdog. */
  hangs: { file: string; reason: string }[];
  missingFromReport: string[];
  halfRegistered: string[];
  strayTemporaries: string[];
  rawErrors: { file: string; reason: string }[];
  outcomes: Record<string, number>;
  topReasons: [string, number][];
  opened: { ok: number; failedNamingInstance: number; failedOther: string[] };
  logLines: { unexpected: number; workerDeaths: number };
  mutations: Record<string, number>;
  outDir: string;
  failures: string[];
}

/** Text that only a JavaScript error would put in a reason. */
const RAW_ERROR = /\b(RangeError|TypeError|ReferenceError|SyntaxError|Invalid string length|Invalid array length|Cannot read propert|is not a function|is not defined|Maximum call stack|outside the bounds|Finding view is past|Request more than|Offset is outside)\b/;

function findSeeds(dataDir: string): { path: string; seed: ParsedSeed }[] {
  const out: { path: string; seed: ParsedSeed }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.size >= 132 && st.size < 64 * 2 ** 20) {
        const seed = walkSeed(readFileSync(p));
        if (seed) out.push({ path: p, seed });
      }
    }
  };
  walk(dataDir);
  return out;
}

function normalise(reason: string): string {
  return reason
    .replace(/\(([0-9A-F]{4}),([0-9A-F]{4})\)/g, '(gggg,eeee)')
    .replace(/\/\S+/g, '…')
    .replace(/\b\d[\d.]*\b/g, 'N')
    .replace(/"[^"]*"/g, '"…"')
    .slice(0, 160);
}

interface ChunkRun {
  result: ChildResult | null;
  code: number | null;
  signal: string | null;
  peakRssKb: number;
  killed: boolean;
  stderrTail: string;
  logUnexpected: number;
  logWorkerDeaths: number;
}

function runChild(args: { home: string; dir: string; open: number; workers?: number }, logFile: string, watchdogMs: number): Promise<ChunkRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tools', 'fuzz', 'importChild.ts'), JSON.stringify(args)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(logFile);
    let stdout = '';
    let stderrTail = '';
    let logUnexpected = 0;
    let logWorkerDeaths = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      log.write(text);
      stderrTail = (stderrTail + text).slice(-4000);
      logUnexpected += (text.match(/unexpected error/g) ?? []).length;
      logWorkerDeaths += (text.match(/worker pool: a worker died/g) ?? []).length;
    });
    let peakRssKb = 0;
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const m = /VmHWM:\s+(\d+)/.exec(status) ?? /VmRSS:\s+(\d+)/.exec(status);
        if (m) peakRssKb = Math.max(peakRssKb, Number(m[1]));
      } catch {
        // Gone, or not Linux: the child reports its own peak.
      }
    }, 200);
    let killed = false;
    const watchdog = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, watchdogMs);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(watchdog);
      log.end();
      let result: ChildResult | null = null;
      const line = stdout.trim().split('\n').pop();
      if (code === 0 && line) {
        try {
          result = JSON.parse(line) as ChildResult;
        } catch {
          result = null;
        }
      }
      if (result) peakRssKb = Math.max(peakRssKb, result.maxRssKb);
      resolve({ result, code, signal, peakRssKb, killed, stderrTail, logUnexpected, logWorkerDeaths });
    });
  });
}

/** Registry rows against library files: what would be half-registered, orphaned or left over. */
export function checkLibrary(home: string): { halfRegistered: string[]; strayTemporaries: string[] } {
  const halfRegistered: string[] = [];
  const strayTemporaries: string[] = [];
  const registered = new Set<string>();
  const dbPath = join(home, 'registry.sqlite');
  if (existsSync(dbPath)) {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      for (const row of db.prepare('SELECT path, sha256 FROM instances').all() as { path: string; sha256: string }[]) {
        const abs = join(home, row.path);
        registered.add(abs);
        if (!existsSync(abs)) halfRegistered.push(`${row.path}: registered, but the library file is missing`);
        else if (createHash('sha256').update(readFileSync(abs)).digest('hex') !== row.sha256) halfRegistered.push(`${row.path}: the library file does not hash to its row`);
      }
    } finally {
      db.close();
    }
  }
  const library = join(home, 'library');
  if (existsSync(library)) {
    for (const entry of readdirSync(library, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const abs = join(entry.parentPath, entry.name);
      if (entry.name.endsWith('.tmp')) strayTemporaries.push(relative(home, abs));
      else if (!registered.has(abs)) halfRegistered.push(`${relative(home, abs)}: in the library but not registered`);
    }
  }
  const staging = join(home, 'tmp');
  if (existsSync(staging)) for (const name of readdirSync(staging)) strayTemporaries.push(`tmp/${name}`);
  return { halfRegistered, strayTemporaries };
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzResult> {
  const log = opts.log ?? (() => undefined);
  const started = performance.now();
  const chunkSize = Math.max(1, opts.chunk ?? 500);
  const open = opts.open ?? 10;
  const maxRssMb = opts.maxRssMb ?? 1024;
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const seeds = findSeeds(dataDir);
  if (seeds.length === 0) throw new Error(`no DICOM files to mutate in ${dataDir}`);
  const rng = mulberry32(opts.seed);
  const assets = await buildAssets();
  const outDir = opts.outDir ?? mkdtempSync(join(tmpdir(), 'longitude-fuzz-'));
  mkdirSync(outDir, { recursive: true });
  log(`fuzz: ${opts.count} mutants of ${seeds.length} real files from ${dataDir}, seed ${opts.seed}, ${chunkSize} per import, in ${outDir}`);

  const result: FuzzResult = {
    files: 0,
    seed: opts.seed,
    wallSeconds: 0,
    importFilesPerSecond: 0,
    overallFilesPerSecond: 0,
    peakRssMb: 0,
    crashes: [],
    hangs: [],
    missingFromReport: [],
    halfRegistered: [],
    strayTemporaries: [],
    rawErrors: [],
    outcomes: { imported: 0, duplicate: 0, skipped: 0 },
    topReasons: [],
    opened: { ok: 0, failedNamingInstance: 0, failedOther: [] },
    logLines: { unexpected: 0, workerDeaths: 0 },
    mutations: Object.fromEntries(MUTATIONS.map((m) => [m, 0])),
    outDir,
    failures: [],
  };
  const reasons = new Map<string, number>();
  let importMs = 0;
  let keepOut = false;

  for (let first = 0, chunk = 0; first < opts.count; first += chunkSize, chunk++) {
    const n = Math.min(chunkSize, opts.count - first);
    const chunkDir = join(outDir, `chunk-${String(chunk).padStart(3, '0')}`);
    const inDir = join(chunkDir, 'in');
    const home = join(chunkDir, 'home');
    mkdirSync(inDir, { recursive: true });
    const manifest: Record<string, { seed: string; mutations: Mutation[] }> = {};
    for (let i = 0; i < n; i++) {
      const { path, seed } = seeds[Math.floor(rng() * seeds.length)];
      const mutant = mutate(rng, seed, assets);
      const name = `f${String(first + i).padStart(6, '0')}.dcm`;
      writeFileSync(join(inDir, name), mutant.bytes);
      manifest[name] = { seed: relative(dataDir, path), mutations: mutant.mutations };
      for (const m of mutant.mutations) result.mutations[m]++;
    }
    writeFileSync(join(chunkDir, 'manifest.json'), JSON.stringify(manifest, null, 1));

    const run = await runChild({ home, dir: inDir, open, workers: opts.workers }, join(chunkDir, 'stderr.log'), 120_000 + n * 3_000);
    result.files += n;
    result.peakRssMb = Math.max(result.peakRssMb, Math.round(run.peakRssKb / 1024));
    result.logLines.unexpected += run.logUnexpected;
    result.logLines.workerDeaths += run.logWorkerDeaths;
    let chunkFailed = false;
    if (!run.result) {
      chunkFailed = true;
      const detail = run.killed
        ? 'killed by the watchdog (the import did not finish)'
        : run.code === 0
          ? 'the process ended without finishing the import (no report)'
          : run.stderrTail.split('\n').filter((l) => !l.startsWith('Invalid length for fixed length tag')).slice(-8).join('\n');
      result.crashes.push({ chunk, code: run.code, signal: run.signal, detail });
      if (run.killed) result.hangs.push({ file: `${chunkDir} (whole import)`, reason: 'the import did not finish' });
    } else {
      const r = run.result;
      importMs += r.durationMs;
      const reported = new Map<string, number>();
      for (const f of r.files) {
        const name = basename(f.file);
        reported.set(name, (reported.get(name) ?? 0) + 1);
        result.outcomes[f.outcome] = (result.outcomes[f.outcome] ?? 0) + 1;
        if (f.reason) {
          const key = `${f.outcome}: ${normalise(f.reason)}`;
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
          if (/time budget|did not finish/.test(f.reason)) result.hangs.push({ file: f.file, reason: f.reason });
          if (RAW_ERROR.test(f.reason)) result.rawErrors.push({ file: f.file, reason: f.reason });
        }
      }
      for (const name of Object.keys(manifest)) {
        if (reported.get(name) !== 1) result.missingFromReport.push(`${join(inDir, name)} (reported ${reported.get(name) ?? 0} times)`);
      }
      for (const o of r.opened) {
        if (o.ok || /has no image volume/.test(o.message ?? '')) result.opened.ok++;
        else if (/\binstance\b/.test(o.message ?? '')) result.opened.failedNamingInstance++;
        else result.opened.failedOther.push(o.message ?? '');
        if (!o.ok && RAW_ERROR.test(o.message ?? '')) result.rawErrors.push({ file: `series ${o.seriesId}`, reason: o.message ?? '' });
      }
      const lib = checkLibrary(home);
      result.halfRegistered.push(...lib.halfRegistered.map((x) => `chunk ${chunk}: ${x}`));
      result.strayTemporaries.push(...lib.strayTemporaries.map((x) => `chunk ${chunk}: ${x}`));
      chunkFailed = lib.halfRegistered.length > 0 || lib.strayTemporaries.length > 0 || result.missingFromReport.length > 0;
    }
    if (chunkFailed) keepOut = true;
    else if (!opts.outDir) rmSync(chunkDir, { recursive: true, force: true });
    const elapsed = (performance.now() - started) / 1000;
    log(
      `  ${first + n}/${opts.count} files, ${(result.files / elapsed).toFixed(1)} files/s overall, peak RSS ${result.peakRssMb} MB, ` +
        `${result.crashes.length} crashes, ${result.hangs.length} hangs${chunkFailed ? ` (chunk ${chunk} kept in ${chunkDir})` : ''}`,
    );
  }

  result.wallSeconds = Math.round((performance.now() - started) / 100) / 10;
  result.importFilesPerSecond = importMs > 0 ? Math.round((result.files / (importMs / 1000)) * 10) / 10 : 0;
  result.overallFilesPerSecond = Math.round((result.files / result.wallSeconds) * 10) / 10;
  result.topReasons = [...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
  const f = result.failures;
  if (result.crashes.length) f.push(`${result.crashes.length} process crashes`);
  if (result.hangs.length) f.push(`${result.hangs.length} hangs`);
  if (result.peakRssMb > maxRssMb) f.push(`peak RSS ${result.peakRssMb} MB over ${maxRssMb} MB`);
  if (result.missingFromReport.length) f.push(`${result.missingFromReport.length} files not reported exactly once`);
  if (result.halfRegistered.length) f.push(`${result.halfRegistered.length} half-registered files`);
  if (result.strayTemporaries.length) f.push(`${result.strayTemporaries.length} stray temporaries`);
  if (result.rawErrors.length) f.push(`${result.rawErrors.length} reports with raw JavaScript error text`);
  if (result.opened.failedOther.length) f.push(`${result.opened.failedOther.length} series failed to open without naming the instance`);
  if (!keepOut && !opts.outDir) rmSync(outDir, { recursive: true, force: true });
  return result;
}

export function formatResult(r: FuzzResult): string {
  const lines = [
    `files            ${r.files} (seed ${r.seed}) in ${r.wallSeconds} s`,
    `files/s          ${r.importFilesPerSecond} importing, ${r.overallFilesPerSecond} overall (with mutation and process start-up)`,
    `peak memory      ${r.peakRssMb} MB resident (import process, worker threads included)`,
    `crashes          ${r.crashes.length}${r.crashes.map((c) => `\n  chunk ${c.chunk}: exit ${c.code ?? c.signal}: ${c.detail}`).join('')}`,
    `hangs            ${r.hangs.length}${r.hangs.slice(0, 10).map((h) => `\n  ${h.file}: ${h.reason}`).join('')}`,
    `outcomes         ${Object.entries(r.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `not in report    ${r.missingFromReport.length}${r.missingFromReport.slice(0, 5).map((x) => `\n  ${x}`).join('')}`,
    `half-registered  ${r.halfRegistered.length}${r.halfRegistered.slice(0, 5).map((x) => `\n  ${x}`).join('')}`,
    `stray temporaries ${r.strayTemporaries.length}${r.strayTemporaries.slice(0, 5).map((x) => `\n  ${x}`).join('')}`,
    `raw JS errors    ${r.rawErrors.length}${r.rawErrors.slice(0, 5).map((x) => `\n  ${x.file}: ${x.reason}`).join('')}`,
    `series opened    ${r.opened.ok} ok, ${r.opened.failedNamingInstance} refused naming the instance, ${r.opened.failedOther.length} other${r.opened.failedOther.slice(0, 3).map((x) => `\n  ${x}`).join('')}`,
    `log              ${r.logLines.unexpected} unexpected errors logged, ${r.logLines.workerDeaths} worker deaths`,
    `mutations        ${Object.entries(r.mutations).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    'top reasons',
    ...r.topReasons.map(([reason, n]) => `  ${String(n).padStart(6)}  ${reason}`),
  ];
  const verdict = r.failures.length === 0 ? 'PASS' : `FAIL (${r.failures.join('; ')})`;
  lines.push(
    `fuzz: ${verdict}: ${r.files} files, seed ${r.seed}, ${r.crashes.length} crashes, ${r.hangs.length} hangs, peak ${r.peakRssMb} MB, ${r.importFilesPerSecond} files/s`,
  );
  return lines.join('\n');
}
