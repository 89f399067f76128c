/**
 * De-identification of a 300-slice 512×512 phantom CT (issue 14): read, Basic Profile, write and
 * the byte check of every output, against `cp -r` of the same files (the floor: reading and
 * writing the bytes once). The phantom's patient is renamed first (its name, PHANTOM^…, also
 * stands in its Manufacturer, "Longitude phantom", which the profile keeps: the check would
 * rightly refuse it); that copy is cached beside the phantom series.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { DeidService } from '../../main/services/deid/deidService';
import { openMemoryRegistry } from '../../main/services/registry/db';
import { writePatient } from '../phantom/index';

const { DicomMessage, DicomDict } = dcmjs.data as unknown as {
  DicomMessage: { readFile(buffer: ArrayBuffer): { meta: Record<string, unknown>; dict: Record<string, { vr: string; Value: unknown[] }> } };
  DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
};

function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`;
}
function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The phantom series of the PACS bench (same cache), renamed once into a sibling folder. */
async function benchSeries(size: number, slices: number): Promise<string> {
  const dir = join(tmpdir(), `longitude-bench-phantom-${size}x${slices}-v1`);
  let series = existsSync(dir) ? readdirSync(join(dir, 'BENCH-001')).find((d) => d.startsWith('t0_')) : undefined;
  if (!series || readdirSync(join(dir, 'BENCH-001', series)).length !== slices) {
    rmSync(dir, { recursive: true, force: true });
    console.log(`writing a ${size}×${size}×${slices} phantom series (once, cached in ${dir})…`);
    const written = await writePatient(dir, { seed: 'bench', size, slices, timepoints: 1, patientId: 'BENCH-001' });
    series = written.seriesDirs[0].split(/[\\/]/).pop()!;
  }
  const src = join(dir, 'BENCH-001', series);
  const renamed = join(tmpdir(), `longitude-bench-deid-${size}x${slices}-v1`);
  if (existsSync(renamed) && readdirSync(renamed).length === slices) return renamed;
  rmSync(renamed, { recursive: true, force: true });
  mkdirSync(renamed, { recursive: true });
  for (const f of readdirSync(src)) {
    const b = readFileSync(join(src, f));
    const { meta, dict } = DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    dict['00100010'] = { vr: 'PN', Value: [{ Alphabetic: 'Benchley^Marigold' }] };
    const out = new DicomDict(meta);
    out.dict = dict;
    writeFileSync(join(renamed, f), new Uint8Array(out.write()));
  }
  return renamed;
}

export async function benchDeid(runs: number, size: number, slices: number): Promise<[string, string, string][]> {
  const src = await benchSeries(size, slices);
  const bytes = readdirSync(src).reduce((s, f) => s + statSync(join(src, f)).size, 0);
  const work = mkdtempSync(join(tmpdir(), 'longitude-bench-deid-'));
  const db = openMemoryRegistry();
  const service = new DeidService({ db, homeDir: work, version: 'bench' });
  try {
    const cp: number[] = [];
    const deid: number[] = [];
    let files = 0;
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      const r = spawnSync('cp', ['-r', src, join(work, `cp-${i}`)]);
      if (r.status !== 0) throw new Error(`cp -r failed: ${r.stderr}`);
      cp.push(performance.now() - t);
      t = performance.now();
      const report = await service.deidentifyFiles({ paths: [src], outDir: join(work, `deid-${i}`) });
      deid.push(performance.now() - t);
      files = report.files.length;
      if (files !== slices) throw new Error(`de-identified ${files} of ${slices} slices`);
      rmSync(join(work, `cp-${i}`), { recursive: true, force: true });
      rmSync(join(work, `deid-${i}`), { recursive: true, force: true });
    }
    const c = median(cp);
    const d = median(deid);
    return [
      [`cp -r of ${slices} files of ${size}×${size} (${(bytes / 2 ** 20).toFixed(0)} MB)`, ms(c), 'reference'],
      [`de-identify them (Basic Profile, dates shifted, byte check)`, ms(d), `${(d / c).toFixed(1)}× cp -r; ${(files / (d / 1000)).toFixed(0)} files/s, ${(bytes / 2 ** 20 / (d / 1000)).toFixed(0)} MB/s`],
    ];
  } finally {
    db.close();
    rmSync(work, { recursive: true, force: true });
  }
}
