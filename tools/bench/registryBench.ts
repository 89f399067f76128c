/**
 * Registry at scale: 10,000 patients × 5 exams × 10 lesions (bidirectional measurements
 * in every exam) in a real SQLite file; time to assemble a patient's lesion table.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '../../main/services/registry/db';
import { lesionTableData, type LesionTableData } from '../../main/services/lesions/lesionTable';

export type BenchRow = [string, string, string];

function percentile(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export async function benchRegistry(opts: {
  patients?: number;
  exams?: number;
  lesions?: number;
  /** Extra per-table work to time on the same data (RECIST recomputation). */
  perPatient?: { label: string; target: string; run(table: LesionTableData): unknown };
} = {}): Promise<BenchRow[]> {
  const patients = opts.patients ?? 10_000;
  const exams = opts.exams ?? 5;
  const lesionsPer = opts.lesions ?? 10;
  const dir = mkdtempSync(join(tmpdir(), 'longitude-bench-registry-'));
  const rows: BenchRow[] = [];
  try {
    const db = openRegistry(join(dir, 'registry.sqlite'));
    const t0 = performance.now();
    const now = new Date().toISOString();
    db.transaction(() => {
      const insPatient = db.prepare('INSERT INTO patients (id, patient_key, patient_id, name) VALUES (?, ?, ?, ?)');
      const insStudy = db.prepare('INSERT INTO studies (id, patient_id, study_uid, study_date) VALUES (?, ?, ?, ?)');
      const insSeries = db.prepare("INSERT INTO series (id, study_id, series_uid, modality) VALUES (?, ?, ?, 'CT')");
      const insLesion = db.prepare('INSERT INTO lesions (id, patient_id, label, site, recist_role, created_at) VALUES (?, ?, ?, ?, ?, ?)');
      // A valid RECIST case: 5 targets, at most 2 per organ; the rest non-target.
      const targetSites = ['liver', 'liver', 'lung', 'lung', 'peritoneum'];
      const insMeasurement = db.prepare(
        "INSERT INTO measurements (lesion_id, series_id, kind, points_json, long_axis_mm, short_axis_mm, created_at, updated_at) VALUES (?, ?, 'bidirectional', ?, ?, ?, ?, ?)",
      );
      let lesionId = 0;
      for (let p = 1; p <= patients; p++) {
        insPatient.run(p, `id:P${p}`, `P${p}`, `Patient^${p}`);
        const firstLesion = lesionId + 1;
        for (let l = 0; l < lesionsPer; l++) insLesion.run(++lesionId, p, `L${l + 1}`, targetSites[l] ?? 'liver', l < 5 ? 'target' : 'non-target', now);
        for (let e = 0; e < exams; e++) {
          const examId = (p - 1) * exams + e + 1;
          insStudy.run(examId, p, `2.25.${p}.${e}`, `202${e}-01-15`);
          insSeries.run(examId, examId, `2.25.${p}.${e}.1`);
          for (let l = 0; l < lesionsPer; l++) {
            const longMm = 15 + ((p * 7 + l * 3 + e * 5) % 30);
            insMeasurement.run(firstLesion + l, examId, '[[0,0,0],[1,0,0],[0,1,0],[0,2,0]]', longMm, longMm * 0.6, now, now);
          }
        }
      }
    })();
    const seedMs = performance.now() - t0;
    rows.push([`registry: seed ${patients} patients × ${exams} exams × ${lesionsPer} lesions`, `${(seedMs / 1000).toFixed(1)} s`, `${(statSync(join(dir, 'registry.sqlite')).size / 2 ** 20).toFixed(0)} MB file`]);

    const samples = Math.min(500, patients);
    const times: number[] = [];
    const extra: number[] = [];
    for (let i = 0; i < samples; i++) {
      const p = 1 + ((i * 7919) % patients);
      const t = performance.now();
      const table = lesionTableData(db, p);
      times.push(performance.now() - t);
      if (table.lesions.length !== lesionsPer || table.exams.length !== exams) throw new Error(`patient ${p}: unexpected table shape`);
      if (opts.perPatient) {
        const t2 = performance.now();
        opts.perPatient.run(table);
        extra.push(performance.now() - t2);
      }
    }
    rows.push(['open a lesion table (p95 of 500 patients)', `${percentile(times, 95).toFixed(2)} ms`, `median ${percentile(times, 50).toFixed(2)} ms; target ≤ 20 ms`]);
    if (opts.perPatient) rows.push([opts.perPatient.label, `${percentile(extra, 95).toFixed(3)} ms`, `median ${percentile(extra, 50).toFixed(3)} ms; ${opts.perPatient.target}`]);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
