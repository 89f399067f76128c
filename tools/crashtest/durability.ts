/**
 * The cost of `synchronous = FULL` against NORMAL in WAL mode (`npm run crashtest -- --durability`).
 * FULL syncs the WAL at every commit; NORMAL only at checkpoints. Measured on the registry's
 * own writes: a measurement edit (one transaction with its audit row, the commonest write a
 * reader makes) and the import of a series (files flushed by the importer either way, then one
 * registry transaction). The two settings alternate so that the disk's mood affects both.
 * Also the cost of the integrity check at every start on a large registry.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../main/services/app';
import { addMeasurement, createLesion, updateMeasurementPoints } from '../../main/services/lesions/lesionStore';
import { openRegistry } from '../../main/services/registry/db';
import { writePatient } from '../phantom/index';

type Sync = 'NORMAL' | 'FULL';

function percentile(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export interface DurabilityFigures {
  dir: string;
  edits: Record<Sync, { medianMs: number; p95Ms: number; perSecond: number }>;
  imports: Record<Sync, { medianMs: number }>;
  importSlices: number;
  /** The check at every start on a registry the size of the registry benchmark's (10,000 patients × 5 exams × 10 lesions). */
  startCheck: { sizeMb: number; openMs: number; quickCheckMs: number; integrityCheckMs: number };
}

/** A registry of 10,000 patients, 50,000 exams and 500,000 measurements; the time to open (quick_check) and to integrity_check it. */
function measureStartCheck(dir: string): DurabilityFigures['startCheck'] {
  const file = join(dir, 'big.sqlite');
  const db = openRegistry(file);
  const now = new Date().toISOString();
  db.transaction(() => {
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
             INSERT INTO patients (id, patient_key, patient_id, name) SELECT i, 'id:P' || i, 'P' || i, 'Patient^' || i FROM n;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
             INSERT INTO studies (id, patient_id, study_uid, study_date) SELECT i, (i - 1) / 5 + 1, '2.25.' || i, '2024-01-15' FROM n;
             INSERT INTO series (id, study_id, series_uid, modality) SELECT id, id, study_uid || '.1', 'CT' FROM studies;`);
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
       INSERT INTO lesions (id, patient_id, label, site, recist_role, created_at) SELECT i, (i - 1) / 10 + 1, 'L' || ((i - 1) % 10 + 1), 'liver', 'non-target', ? FROM n`,
    ).run(now);
    db.prepare(
      `INSERT INTO measurements (lesion_id, series_id, kind, points_json, long_axis_mm, short_axis_mm, created_at, updated_at)
       SELECT l.id, s.id, 'bidirectional', '[[0,0,0],[1,0,0],[0,1,0],[0,2,0]]', 20, 12, ?, ? FROM lesions l JOIN studies s ON s.patient_id = l.patient_id JOIN series s2 ON s2.id = s.id`,
    ).run(now, now);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  let t = performance.now();
  const opened = openRegistry(file);
  const openMs = performance.now() - t;
  t = performance.now();
  opened.pragma('quick_check');
  const quickCheckMs = performance.now() - t;
  t = performance.now();
  opened.pragma('integrity_check');
  const integrityCheckMs = performance.now() - t;
  opened.close();
  return { sizeMb: statSync(file).size / 1e6, openMs, quickCheckMs, integrityCheckMs };
}

export async function measureDurability(opts: { edits?: number; imports?: number; dir?: string } = {}): Promise<DurabilityFigures> {
  const dir = mkdtempSync(join(opts.dir ?? tmpdir(), 'longitude-durability-'));
  try {
    const edits: Record<Sync, number[]> = { NORMAL: [], FULL: [] };
    const dbs = (['NORMAL', 'FULL'] as Sync[]).map((sync) => {
      const db = openRegistry(join(dir, `edits-${sync}.sqlite`));
      db.pragma(`synchronous = ${sync}`);
      db.exec(`INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'A');
               INSERT INTO studies (id, patient_id, study_uid, study_date) VALUES (1, 1, '1.1', '2024-01-10');
               INSERT INTO series (id, study_id, series_uid) VALUES (10, 1, '1.1.1');`);
      const l = createLesion(db, 1, { recistRole: 'target' });
      const m = addMeasurement(db, { lesionId: l.id, seriesId: 10, kind: 'length', pointsLps: [[0, 0, 0], [10, 0, 0]] });
      return { sync, db, id: m.id };
    });
    const n = opts.edits ?? 300;
    for (let i = 0; i < n; i++) {
      for (const { sync, db, id } of dbs) {
        const t = performance.now();
        updateMeasurementPoints(db, id, [[0, 0, 0], [10 + (i % 50), 0, 0]]);
        edits[sync].push(performance.now() - t);
      }
    }
    for (const { db } of dbs) db.close();

    const slices = 40;
    const patient = await writePatient(join(dir, 'phantom'), { seed: 'durability', size: 256, slices, timepoints: 1, patientId: 'DUR-1' });
    const imports: Record<Sync, number[]> = { NORMAL: [], FULL: [] };
    for (let i = 0; i < (opts.imports ?? 3); i++) {
      for (const sync of ['NORMAL', 'FULL'] as Sync[]) {
        const home = join(dir, `home-${sync}-${i}`);
        const app = createApp({ homeDir: home, mode: 'serve', workers: 1 });
        try {
          app.db.pragma(`synchronous = ${sync}`);
          await app.ready();
          const r = await app.importPaths([patient.seriesDirs[0]]);
          imports[sync].push(r.durationMs);
        } finally {
          await app.close();
        }
      }
    }
    const startCheck = measureStartCheck(dir);
    const summary = (v: number[]) => ({ medianMs: percentile(v, 50), p95Ms: percentile(v, 95), perSecond: 1000 / (v.reduce((a, b) => a + b, 0) / v.length) });
    return {
      dir: opts.dir ?? tmpdir(),
      edits: { NORMAL: summary(edits.NORMAL), FULL: summary(edits.FULL) },
      imports: { NORMAL: { medianMs: percentile(imports.NORMAL, 50) }, FULL: { medianMs: percentile(imports.FULL, 50) } },
      importSlices: slices,
      startCheck,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatDurability(f: DurabilityFigures): string {
  const e = f.edits;
  const i = f.imports;
  return [
    `durability (WAL), on the file system of ${f.dir}:`,
    `  measurement edit (one transaction + audit row): NORMAL median ${e.NORMAL.medianMs.toFixed(2)} ms (p95 ${e.NORMAL.p95Ms.toFixed(2)}, ${e.NORMAL.perSecond.toFixed(0)}/s), ` +
      `FULL median ${e.FULL.medianMs.toFixed(2)} ms (p95 ${e.FULL.p95Ms.toFixed(2)}, ${e.FULL.perSecond.toFixed(0)}/s): +${(e.FULL.medianMs - e.NORMAL.medianMs).toFixed(2)} ms per commit`,
    `  import of a ${f.importSlices}-slice series: NORMAL ${i.NORMAL.medianMs.toFixed(0)} ms, FULL ${i.FULL.medianMs.toFixed(0)} ms (${(((i.FULL.medianMs - i.NORMAL.medianMs) / i.NORMAL.medianMs) * 100).toFixed(1)} %)`,
    `start-up check on a registry of 10,000 patients, 50,000 exams, 500,000 measurements (${f.startCheck.sizeMb.toFixed(0)} MB): ` +
      `open with quick_check ${f.startCheck.openMs.toFixed(0)} ms (quick_check alone ${f.startCheck.quickCheckMs.toFixed(0)} ms); a full integrity_check ${f.startCheck.integrityCheckMs.toFixed(0)} ms`,
  ].join('\n');
}
