/**
 * Crash safety: kill -9 the workstation at random moments while it imports, saves a mask,
 * edits a measurement, accepts an AI proposal, decides a follow-up finding, signs an exam or
 * migrates its registry — then start it again (createApp) and check that
 *   - the registry's PRAGMA integrity_check is ok,
 *   - every write acknowledged to the caller is there (the child's acknowledgement log), and the
 *     one call in flight either happened entirely or not at all,
 *   - no registry row points at a missing or altered library file (verifyLibrary),
 *   - the temporaries the kill left are swept at the start (they are aged past the sweep's
 *     one-hour guard first, as if the next start came later),
 *   - a migration killed part-way left the old version intact or the new one complete, and any
 *     automatic backup under its final name is a sound copy of the old version.
 * Kill times come from a seeded PRNG (mulberry32), so a failing run can be replayed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { mulberry32 } from '../../core/metrics/prng';
import { createApp, type App } from '../../main/services/app';
import { inspectRegistryFile, listBackups } from '../../main/services/registry/backup';
import { checkIntegrity } from '../../main/services/registry/db';
import { loadDriver } from '../../main/services/registry/driver';
import { liveHolders } from '../../main/services/registry/runLock';
import { verifyLibrary } from '../../main/services/registry/verify';
import { OPERATIONS, READER, readAckLog, type Operation, type Seed } from './protocol';
import { buildSeed, migrationCounts, type SeedOptions } from './seed';

const ROOT = join(import.meta.dirname, '..', '..');
const DRIVER = join(import.meta.dirname, 'driver.ts');

/** How long after "ready" a kill may come, per operation (ms): about the time the child needs for its work. */
export const DEFAULT_WINDOWS_MS: Record<Exclude<Operation, 'migrate'>, number> = {
  import: 3000,
  mask: 1500,
  measure: 800,
  'ai-accept': 1500,
  followup: 800,
  signoff: 1000,
};

export interface CrashTestOptions {
  runs: number;
  /** Seed of the kill times (default 1). */
  seed?: number;
  ops?: Operation[];
  /** Work folder (default: a new temporary folder, removed at the end unless keep). */
  work?: string;
  keep?: boolean;
  /** Share of kills that land during start-up (createApp: sweep, check, open) rather than during the work. Default 0.1. */
  startupShare?: number;
  windowsMs?: Partial<Record<Operation, number>>;
  /** The child's registry setting (default: the product's, FULL); NORMAL shows that a kill -9 loses nothing either way. */
  synchronous?: 'NORMAL' | 'FULL';
  seedOptions?: SeedOptions;
  log?: (line: string) => void;
}

export interface RunResult {
  run: number;
  op: Operation;
  /** ms after spawn (start-up kills) or after "ready"; null: the child finished its work first. */
  killedAtMs: number | null;
  phase: 'start-up' | 'work';
  /** Keys (things written) whose acknowledged state was checked. */
  acked: number;
  /** Acknowledged calls. */
  ackCalls: number;
  inFlight: boolean;
  temporaries: number;
  /** migrate: the schema version found after the kill. */
  versionAfterKill?: number;
  losses: string[];
  integrity: string[];
  failures: string[];
  ms: number;
}

export interface OpFigures {
  runs: number;
  kills: number;
  startupKills: number;
  finished: number;
  ackCalls: number;
  ackedChecked: number;
  inFlight: number;
  temporariesSwept: number;
  losses: number;
  integrityFailures: number;
  failed: number;
}

export interface CrashTestReport {
  runs: RunResult[];
  perOp: Partial<Record<Operation, OpFigures>>;
  migration: { keptOld: number; migrated: number };
  passed: number;
  failed: number;
  losses: number;
  integrityFailures: number;
  seedMs: number;
  durationMs: number;
}

/** Every temporary under a folder (`*.tmp`, and the journal SQLite may leave beside one). */
function temporaries(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tmp(-journal|-wal|-shm)?$/.test(e.name)) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Set the modification time of everything under a folder. */
function age(dir: string, when: Date): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) age(p, when);
    utimesSync(p, when, when);
  }
}

interface ChildOutcome {
  killedAtMs: number | null;
  phase: 'start-up' | 'work';
  code: number | null;
  stderr: string;
  /** From "ready" to the child's exit (null: it never said ready). */
  workMs: number | null;
}

function runChild(args: string[], plan: { startup: boolean; delay: number; synchronous?: string }): Promise<ChildOutcome> {
  return new Promise((resolveRun) => {
    const env = { ...process.env, ...(plan.synchronous ? { CRASHTEST_SYNCHRONOUS: plan.synchronous } : {}) };
    const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let killedAtMs: number | null = null;
    let timer: NodeJS.Timeout | undefined;
    const t0 = performance.now();
    let tReady: number | null = null;
    const arm = (from: number) => {
      timer = setTimeout(() => {
        killedAtMs = Math.round(performance.now() - from);
        child.kill('SIGKILL');
      }, plan.delay);
    };
    if (plan.startup) arm(t0);
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (tReady === null && out.split('\n').includes('ready')) {
        tReady = performance.now();
        if (!plan.startup) arm(tReady);
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ killedAtMs, phase: plan.startup ? 'start-up' : 'work', code, stderr, workMs: tReady === null ? null : performance.now() - tReady });
    });
  });
}

const shaCache = new Map<string, string[]>();
function dirHashes(dir: string): string[] {
  let v = shaCache.get(dir);
  if (!v) {
    v = readdirSync(dir)
      .filter((n) => n.endsWith('.dcm'))
      .map((n) => createHash('sha256').update(readFileSync(join(dir, n))).digest('hex'));
    shaCache.set(dir, v);
  }
  return v;
}

/** What the registry (and the library) says now about a key of the acknowledgement log. */
function observe(app: App, home: string, key: string): string {
  const db = app.db;
  const [kind, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
  switch (kind) {
    case 'import': {
      const hashes = dirHashes(rest);
      const stmt = db.prepare('SELECT path FROM instances WHERE sha256 = ?');
      const missing = hashes.filter((h) => {
        const r = stmt.get(h) as { path: string } | undefined;
        return !r || !existsSync(join(home, r.path));
      });
      return missing.length ? `missing ${missing.length} of ${hashes.length} instances` : 'present';
    }
    case 'seg': {
      const r = db.prepare('SELECT voxel_count AS n, path, deleted_at AS d FROM segmentations WHERE id = ?').get(Number(rest)) as { n: number; path: string; d: string | null } | undefined;
      if (!r || r.d) return r ? 'deleted' : 'absent';
      let inFile = 0;
      try {
        for (const v of gunzipSync(readFileSync(join(home, r.path)))) if (v) inFile++;
      } catch (err) {
        return `mask file ${r.path} unreadable (${(err as Error).message})`;
      }
      return inFile === r.n ? `voxels=${r.n}` : `row says ${r.n} voxels, its file ${inFile}`;
    }
    case 'measurement': {
      const r = db.prepare('SELECT points_json AS p, deleted_at AS d FROM measurements WHERE id = ?').get(Number(rest)) as { p: string; d: string | null } | undefined;
      return !r ? 'absent' : r.d ? 'deleted' : JSON.stringify(JSON.parse(r.p));
    }
    case 'proposal': {
      const r = db.prepare('SELECT status, lesion_id AS l, segmentation_id AS s FROM ai_proposals WHERE id = ?').get(Number(rest)) as
        | { status: string; l: number | null; s: number | null }
        | undefined;
      if (!r) return 'absent';
      if (r.status !== 'accepted') return r.status;
      const seg = db.prepare('SELECT path FROM segmentations WHERE id = ? AND deleted_at IS NULL').get(r.s) as { path: string } | undefined;
      if (!seg) return `accepted without its segmentation ${r.s}`;
      if (r.l !== null && !db.prepare('SELECT 1 FROM lesions WHERE id = ?').get(r.l)) return `accepted into a missing lesion ${r.l}`;
      return `accepted lesion=${r.l} segmentation=${r.s}`;
    }
    case 'finding': {
      const r = db.prepare('SELECT status FROM followup_findings WHERE id = ?').get(Number(rest)) as { status: string } | undefined;
      return r?.status ?? 'absent';
    }
    case 'signoff': {
      const r = db.prepare('SELECT reopened_at AS r FROM exam_signoffs WHERE id = ?').get(Number(rest)) as { r: string | null } | undefined;
      return !r ? 'absent' : r.r ? 'reopened' : 'signed';
    }
    case 'registry':
      return `v${db.pragma('user_version', { simple: true }) as number}`;
    default:
      return `unknown key ${key}`;
  }
}

/** Before the restart: the migration was all or nothing, and any automatic backup is sound. */
function checkMigrationAfterKill(seed: Seed, home: string, acked: boolean, r: RunResult): void {
  const { fromVersion, toVersion, counts } = seed.migration;
  const file = join(home, 'registry.sqlite');
  const Database = loadDriver();
  const db = new Database(file, { fileMustExist: true });
  let version: number;
  try {
    version = db.pragma('user_version', { simple: true }) as number;
    const check = checkIntegrity(db, 'full');
    if (check.join() !== 'ok') r.integrity.push(`after the kill, before the restart: ${check.join('; ')}`);
    const newTable = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'exam_signoffs'").get() as { n: number };
    if (version === fromVersion && newTable.n !== 0) r.failures.push(`schema ${fromVersion} but a table of a later migration exists: a migration was half applied`);
    if (version === toVersion && newTable.n !== 1) r.failures.push(`schema ${toVersion} without the tables of its migrations`);
  } finally {
    db.close();
  }
  r.versionAfterKill = version;
  if (version !== fromVersion && version !== toVersion) r.failures.push(`schema version ${version} after the kill: neither ${fromVersion} nor ${toVersion}`);
  if (acked && version !== toVersion) r.losses.push(`the migration to ${toVersion} was acknowledged but the registry is at ${version}`);
  const now = migrationCounts(file);
  for (const [t, n] of Object.entries(counts)) if (now[t] !== n) r.losses.push(`${t}: ${n} rows before the migration, ${now[t]} after the kill`);
  for (const b of listBackups(home)) {
    const c = inspectRegistryFile(b.file, 'full');
    if (!c.ok || c.schemaVersion !== fromVersion) r.failures.push(`backup ${basename(b.file)} is not a sound copy of schema ${fromVersion}: ${c.problems.join('; ') || `schema ${c.schemaVersion}`}`);
  }
}

async function checkRun(seed: Seed, home: string, ackFile: string, r: RunResult): Promise<void> {
  const acks = readAckLog(ackFile);
  r.acked = acks.lastAcked.size;
  r.ackCalls = acks.acks.length;
  r.inFlight = acks.inFlight !== null;
  // The next start comes two hours later: everything the kill left (files and staging folders)
  // is older than the sweep's one-hour guard, which is there for another process's work in progress.
  const left = temporaries(home);
  r.temporaries = left.length;
  age(home, new Date(Date.now() - 2 * 60 * 60 * 1000));
  if (r.op === 'migrate') checkMigrationAfterKill(seed, home, acks.lastAcked.has('registry:version'), r);

  let app: App;
  try {
    app = createApp({ homeDir: home, mode: 'serve', workers: 1, defaultReader: READER });
  } catch (err) {
    r.failures.push(`the restart failed: ${(err as Error).message}`);
    return;
  }
  try {
    const integrity = checkIntegrity(app.db, 'full');
    if (integrity.join() !== 'ok') r.integrity.push(integrity.join('; '));
    const notSwept = temporaries(home);
    if (notSwept.length) r.failures.push(`temporaries not swept at the start: ${notSwept.map((p) => p.slice(home.length + 1)).join(', ')}`);
    const others = liveHolders(home).filter((h) => h.pid !== process.pid);
    if (others.length) r.failures.push(`stale run locks left: ${others.map((h) => h.file).join(', ')}`);
    const verify = await verifyLibrary(app.db, home, { registryCheck: integrity });
    for (const p of verify.problems) r.failures.push(`${p.table} row ${p.rowId} points at a ${p.problem} file ${p.path} (${p.detail})`);
    for (const [key, value] of acks.lastAcked) {
      const found = observe(app, home, key);
      const allowed = [value, ...(acks.inFlight?.key === key ? [acks.inFlight.value] : [])];
      if (!allowed.includes(found)) r.losses.push(`${key}: acknowledged "${value}"${allowed.length > 1 ? ` (or in flight "${allowed[1]}")` : ''}, found "${found}"`);
    }
    if (r.op === 'migrate') {
      const v = observe(app, home, 'registry:version');
      if (v !== `v${seed.migration.toVersion}`) r.failures.push(`after the restart the registry is at ${v}, not migrated`);
    }
  } finally {
    await closeApp(app, r);
  }
}

/**
 * Close the restarted app. A close that never settles is a failure of the run, not a silent
 * end of the crash test: a timer keeps this process alive meanwhile (Node would otherwise exit
 * with code 13 when nothing but an unsettled promise is left).
 */
async function closeApp(app: App, r: RunResult): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((ok) => (timer = setTimeout(() => ok('hung'), 30_000)));
  try {
    if ((await Promise.race([app.close().then(() => 'closed' as const), hung])) === 'hung') r.failures.push('closing the restarted app did not finish within 30 s');
  } finally {
    clearTimeout(timer);
  }
}

export function formatReport(rep: CrashTestReport): string {
  const lines = ['operation    runs  kills (from spawn)  finished  acknowledged calls  in flight  temporaries swept  losses  integrity failures  failed'];
  for (const op of OPERATIONS) {
    const f = rep.perOp[op];
    if (!f) continue;
    lines.push(
      `${op.padEnd(11)} ${String(f.runs).padStart(5)}  ${String(f.kills).padStart(5)} (${String(f.startupKills).padStart(3)})       ${String(f.finished).padStart(8)}  ${String(f.ackCalls).padStart(18)}  ${String(f.inFlight).padStart(9)}  ${String(f.temporariesSwept).padStart(17)}  ${String(f.losses).padStart(6)}  ${String(f.integrityFailures).padStart(18)}  ${String(f.failed).padStart(6)}`,
    );
  }
  if (rep.perOp.migrate) lines.push(`migration kills: ${rep.migration.keptOld} left the old version intact, ${rep.migration.migrated} found it fully migrated`);
  for (const r of rep.runs.filter((x) => x.losses.length || x.integrity.length || x.failures.length).slice(0, 20)) {
    lines.push(`FAILED run ${r.run} (${r.op}, killed ${r.killedAtMs ?? '-'} ms into ${r.phase}): ${[...r.losses, ...r.integrity, ...r.failures].join(' | ')}`);
  }
  lines.push(
    `${rep.runs.length} runs in ${(rep.durationMs / 1000).toFixed(1)} s (seed library ${(rep.seedMs / 1000).toFixed(1)} s): ${rep.losses} acknowledged writes lost, ${rep.integrityFailures} integrity failures`,
  );
  lines.push(`${rep.passed} passed, ${rep.failed} failed`);
  return lines.join('\n');
}

export async function runCrashTest(opts: CrashTestOptions): Promise<CrashTestReport> {
  const log = opts.log ?? (() => undefined);
  const rng = mulberry32(opts.seed ?? 1);
  const ops = opts.ops ?? [...OPERATIONS];
  const work = opts.work ?? mkdtempSync(join(tmpdir(), 'longitude-crashtest-'));
  mkdirSync(work, { recursive: true });
  const t0 = performance.now();
  try {
    const seed = await buildSeed(work, { log, ...opts.seedOptions });
    const seedMs = performance.now() - t0;
    const seedFile = join(work, 'seed.json');
    writeFileSync(seedFile, JSON.stringify(seed));
    // How long after "ready" a kill may come: about as long as the child's work takes, so that
    // kills land while it writes. Each run refines it: a child that finished gives its duration; a
    // killed one its pace (an endless loop is given time for about 30 calls).
    const windows: Record<Operation, number> = {
      ...DEFAULT_WINDOWS_MS,
      'ai-accept': Math.max(500, seed.proposalIds.length * 150),
      migrate: Math.round(seed.migration.openMs * 1.3) + 100,
      ...opts.windowsMs,
    };
    const fixed = new Set(Object.keys(opts.windowsMs ?? {}));
    const finite = new Set<Operation>(['import', 'ai-accept', 'migrate']);
    const runs: RunResult[] = [];
    const runsDir = join(work, 'runs');
    mkdirSync(runsDir, { recursive: true });
    for (let i = 0; i < opts.runs; i++) {
      const op = ops[i % ops.length];
      const startup = rng() < (opts.startupShare ?? 0.1);
      const delay = Math.round(rng() * (startup ? 2500 : windows[op]));
      const home = join(runsDir, `run-${i}`);
      const ackFile = join(runsDir, `run-${i}.acks`);
      cpSync(op === 'migrate' ? seed.migration.home : seed.home, home, { recursive: true });
      const tRun = performance.now();
      const child = await runChild([op, home, ackFile, seedFile, String(Math.floor(rng() * 2 ** 31))], { startup, delay, synchronous: opts.synchronous });
      const r: RunResult = { run: i, op, killedAtMs: child.killedAtMs, phase: child.phase, acked: 0, ackCalls: 0, inFlight: false, temporaries: 0, losses: [], integrity: [], failures: [], ms: 0 };
      if (child.killedAtMs === null && child.code !== 0) r.failures.push(`the child failed (exit ${child.code}): ${child.stderr.trim().split('\n').slice(-6).join(' / ')}`);
      await checkRun(seed, home, ackFile, r);
      r.ms = Math.round(performance.now() - tRun);
      if (!fixed.has(op) && child.workMs !== null) {
        if (child.killedAtMs === null && child.code === 0) windows[op] = Math.max(100, Math.round(child.workMs));
        else if (r.phase === 'work' && r.ackCalls > 0 && !finite.has(op)) windows[op] = Math.min(5000, Math.max(150, Math.round((child.workMs / r.ackCalls) * 30)));
      }
      runs.push(r);
      const bad = r.losses.length + r.integrity.length + r.failures.length > 0;
      if (!bad && !opts.keep) {
        rmSync(home, { recursive: true, force: true });
        rmSync(ackFile, { force: true });
      }
      if (bad || (i + 1) % 25 === 0 || i + 1 === opts.runs) {
        const failed = runs.filter((x) => x.losses.length + x.integrity.length + x.failures.length > 0).length;
        log(`${i + 1}/${opts.runs} runs, ${failed} failed${bad ? ` — run ${i} (${op}): ${[...r.losses, ...r.integrity, ...r.failures].join(' | ')}` : ''}`);
      }
    }
    const perOp: Partial<Record<Operation, OpFigures>> = {};
    for (const r of runs) {
      const f = (perOp[r.op] ??= { runs: 0, kills: 0, startupKills: 0, finished: 0, ackCalls: 0, ackedChecked: 0, inFlight: 0, temporariesSwept: 0, losses: 0, integrityFailures: 0, failed: 0 });
      f.runs++;
      if (r.killedAtMs === null) f.finished++;
      else {
        f.kills++;
        if (r.phase === 'start-up') f.startupKills++;
      }
      f.ackCalls += r.ackCalls;
      f.ackedChecked += r.acked;
      f.inFlight += r.inFlight ? 1 : 0;
      f.temporariesSwept += r.temporaries;
      f.losses += r.losses.length;
      f.integrityFailures += r.integrity.length;
      f.failed += r.losses.length + r.integrity.length + r.failures.length > 0 ? 1 : 0;
    }
    const failed = runs.filter((x) => x.losses.length + x.integrity.length + x.failures.length > 0).length;
    const mig = runs.filter((r) => r.op === 'migrate' && r.versionAfterKill !== undefined);
    return {
      runs,
      perOp,
      migration: { keptOld: mig.filter((r) => r.versionAfterKill === seed.migration.fromVersion).length, migrated: mig.filter((r) => r.versionAfterKill === seed.migration.toVersion).length },
      passed: runs.length - failed,
      failed,
      losses: runs.reduce((s, r) => s + r.losses.length, 0),
      integrityFailures: runs.reduce((s, r) => s + r.integrity.length, 0),
      seedMs,
      durationMs: performance.now() - t0,
    };
  } finally {
    if (!opts.work && !opts.keep) rmSync(work, { recursive: true, force: true });
  }
}
