/**
 * The seed library the crash test copies for every run, built once through the app's own API:
 * a two-exam phantom patient imported, the shipped model run on it (its lesion proposals left
 * to accept), a target lesion measured on both exams, a lesion only on each exam so that
 * matching proposes a new and a disappeared finding, and a pool of small series to import.
 * Beside it, a library whose registry is at an older schema version, with enough rows that
 * its migration takes a moment.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Vec3 } from '../../core/api/types';
import { createApp } from '../../main/services/app';
import { migrate, openRegistry, type Db } from '../../main/services/registry/db';
import { loadDriver } from '../../main/services/registry/driver';
import { MIGRATIONS } from '../../main/services/registry/migrations/index';
import { writePatient } from '../phantom/index';
import { READER, type Seed } from './protocol';
import { writeTinySeries } from './tinySeries';

export const MODEL_ID = 'longitude-liver-lesions';

export interface SeedOptions {
  /** Small series to import (each import run imports them in turn). Default 30. */
  importPool?: number;
  /** Runs of the shipped model (each adds its lesion proposals). Default 2. */
  aiRuns?: number;
  /** The older schema version of the migration library. Default 60 (0070 and 0080 then rebuild tables). */
  migrateFrom?: number;
  /** Bulk lesions in the migration library (each with two statuses and an AI agreement row). Default 20,000. */
  migrationRows?: number;
  log?: (line: string) => void;
}

export async function buildSeed(work: string, opts: SeedOptions = {}): Promise<Seed> {
  const log = opts.log ?? (() => undefined);
  const t0 = performance.now();
  const phantom = await writePatient(join(work, 'phantom'), { seed: 'crash', size: 96, slices: 40, sliceMm: 3, timepoints: 2, patientId: 'CRASH-001' });
  const importDirs: string[] = [];
  for (let i = 0; i < (opts.importPool ?? 30); i++) importDirs.push(writeTinySeries(join(work, 'imports', `s${i}`), i));
  log(`phantoms written (${Math.round(performance.now() - t0)} ms)`);

  const home = join(work, 'seed-home');
  const app = createApp({ homeDir: home, mode: 'serve', workers: 1, defaultReader: READER });
  let seed: Omit<Seed, 'migration'>;
  try {
    await app.ready();
    for (const d of phantom.seriesDirs) {
      const r = await app.importPaths([d]);
      if (r.skipped || !r.imported) throw new Error(`seed import of ${d} failed: ${JSON.stringify(r.files.filter((f) => f.outcome === 'skipped'))}`);
    }
    const [patient] = await app.listPatients();
    const studies = (await app.listStudies(patient.id)).sort((a, b) => String(a.date).localeCompare(String(b.date)));
    const seriesIds = [(await app.listSeries(studies[0].id))[0].id, (await app.listSeries(studies[1].id))[0].id] as [number, number];

    const proposalIds: number[] = [];
    for (let r = 0; r < (opts.aiRuns ?? 2); r++) {
      const queued = await app.runModel({ seriesId: seriesIds[r % 2], modelId: MODEL_ID });
      const run = await app.ai.waitForRun(queued.id);
      if (run.status !== 'done') throw new Error(`seed model run ${run.id} ended ${run.status}: ${run.error ?? ''}`);
      const proposals = await app.listProposals({ runId: run.id });
      proposalIds.push(...proposals.filter((p) => p.kind === 'lesion' && p.status === 'proposed').map((p) => p.id));
    }
    log(`model ran ${opts.aiRuns ?? 2}× (${proposalIds.length} lesion proposals; ${Math.round(performance.now() - t0)} ms)`);

    const length = (from: Vec3, mm: number): Vec3[] => [from, [from[0] + mm, from[1], from[2]]];
    const target = await app.createLesion(patient.id, { recistRole: 'target', site: 'liver' });
    const m = await app.addMeasurement({ lesionId: target.id, seriesId: seriesIds[0], kind: 'length', pointsLps: length([0, 0, 0], 30) });
    await app.addMeasurement({ lesionId: target.id, seriesId: seriesIds[1], kind: 'length', pointsLps: length([0, 0, 0], 25) });
    const gone = await app.createLesion(patient.id, { recistRole: 'non-target', site: 'liver' });
    await app.addMeasurement({ lesionId: gone.id, seriesId: seriesIds[0], kind: 'length', pointsLps: length([80, 80, 0], 15) });
    const fresh = await app.createLesion(patient.id, { site: 'liver' });
    await app.addMeasurement({ lesionId: fresh.id, seriesId: seriesIds[1], kind: 'length', pointsLps: length([-80, -80, 0], 15) });
    const corners: Vec3[] = [
      [0, 0, 0],
      [60, 0, 0],
      [0, 60, 0],
      [0, 0, 60],
    ];
    await app.setLandmarkRegistration({ fixedSeriesId: seriesIds[0], movingSeriesId: seriesIds[1], pairs: corners.map((p) => ({ fixedMm: p, movingMm: p })), kind: 'rigid' });
    const match = await app.matchFollowUp({ baselineStudyRowId: studies[0].id, followUpStudyRowId: studies[1].id });
    const findingIds = match.findings.filter((f) => f.status === 'proposed').map((f) => f.id);
    if (findingIds.length === 0) throw new Error(`matching proposed no finding: ${JSON.stringify(match)}`);
    seed = {
      home,
      importDirs,
      patientRowId: patient.id,
      studyIds: [studies[0].id, studies[1].id],
      seriesIds,
      lesionId: target.id,
      measurementId: m.id,
      proposalIds,
      findingIds,
      signStudyId: studies[0].id,
    };
  } finally {
    await app.close();
  }
  const migration = buildMigrationHome(work, home, opts);
  log(`seed built (${Math.round(performance.now() - t0)} ms; migration ${migration.fromVersion} → ${migration.toVersion} opens in ${migration.openMs} ms)`);
  return { ...seed, migration };
}

function columns(db: Db, schema: string, table: string): string[] {
  return (db.prepare(`PRAGMA ${schema}.table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

/**
 * A library whose registry is at schema `migrateFrom`: the seed's patients, studies, series and
 * instances (their files copied), plus bulk lesions with statuses and AI agreement rows that
 * the later migrations rebuild (0070 lesion_assessments, 0080 ai_agreement).
 */
function buildMigrationHome(work: string, seedHome: string, opts: SeedOptions): Seed['migration'] {
  const from = opts.migrateFrom ?? 60;
  const rows = opts.migrationRows ?? 20_000;
  const home = join(work, 'migration-home');
  mkdirSync(home, { recursive: true });
  cpSync(join(seedHome, 'library'), join(home, 'library'), { recursive: true });
  mkdirSync(join(home, 'masks', 'bulk'), { recursive: true });
  writeFileSync(join(home, 'masks', 'bulk', 'proposal.u8.gz'), gzipSync(new Uint8Array(64)));
  const Database = loadDriver();
  const db = new Database(join(home, 'registry.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.filter((m) => m.version <= from));
    db.prepare('ATTACH DATABASE ? AS s').run(join(seedHome, 'registry.sqlite'));
    const now = new Date().toISOString();
    db.transaction(() => {
      for (const t of ['patients', 'studies', 'series', 'instances']) {
        const theirs = new Set(columns(db, 's', t));
        const cols = columns(db, 'main', t)
          .filter((c) => theirs.has(c))
          .join(', ');
        db.exec(`INSERT INTO main.${t} (${cols}) SELECT ${cols} FROM s.${t}`);
      }
      const [st0, st1] = (db.prepare('SELECT id FROM main.studies ORDER BY id').all() as { id: number }[]).map((r) => r.id);
      const series = (db.prepare('SELECT id FROM main.series ORDER BY id LIMIT 1').get() as { id: number }).id;
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO lesions (id, patient_id, label, site, recist_role, created_at) SELECT i, 1, 'B' || i, 'liver', 'non-target', ? FROM n`,
      ).run(rows, now);
      db.prepare('INSERT INTO lesion_assessments (lesion_id, study_id, status) SELECT id, ?, ? FROM lesions').run(st0, 'present');
      db.prepare('INSERT INTO lesion_assessments (lesion_id, study_id, status) SELECT id, ?, ? FROM lesions').run(st1, 'absent');
      db.prepare(
        "INSERT INTO ai_runs (id, series_id, model_id, model_version, model_sha256, parameters_json, status, started_at) VALUES (1, ?, 'bulk', '1', 'x', '{}', 'done', ?)",
      ).run(series, now);
      db.prepare(
        `INSERT INTO ai_proposals (id, run_id, series_id, kind, label_value, label_name, class_probabilities_json, mean_probability, voxel_count, volume_ml, centroid_json, mask_path, status, lesion_id)
         SELECT id, 1, ?, 'lesion', 2, 'metastasis', '[]', 0.9, 1, 0.001, '[0,0,0]', 'masks/bulk/proposal.u8.gz', 'accepted', id FROM lesions`,
      ).run(series);
      db.prepare("INSERT INTO ai_agreement (proposal_id, model_id, model_version, event, dice, at) SELECT id, 'bulk', '1', 'accepted', 1, ? FROM ai_proposals").run(now);
    })();
    db.exec('DETACH DATABASE s');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const counts = migrationCounts(join(home, 'registry.sqlite'));
  // Once, on a copy: how long the start-up path (check, backup, migration) takes.
  const probe = join(work, 'migration-probe');
  cpSync(home, probe, { recursive: true });
  const t = performance.now();
  openRegistry(join(probe, 'registry.sqlite')).close();
  const openMs = Math.round(performance.now() - t);
  return { home, fromVersion: from, toVersion: MIGRATIONS[MIGRATIONS.length - 1].version, counts, openMs };
}

export const MIGRATION_TABLES = ['patients', 'studies', 'series', 'instances', 'lesions', 'lesion_assessments', 'ai_proposals', 'ai_agreement'];

export function migrationCounts(file: string): Record<string, number> {
  const Database = loadDriver();
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return Object.fromEntries(MIGRATION_TABLES.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}
