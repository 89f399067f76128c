/**
 * Local AI benchmark: one full phantom CT (512×512×160, the phantom's default exam) through
 * the whole pipeline of the shipped model, as the workstation runs it (inference process,
 * CPU provider here): wall time, the share outside onnxruntime's session.run, ms per
 * window, the provider used and peak memory of both processes.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../main/services/app';
import { writePatient } from '../phantom/index';

const MODEL = process.env.BENCH_MODEL ?? 'longitude-liver-lesions';

function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`;
}

async function phantomCt(): Promise<string> {
  const dir = join(tmpdir(), 'longitude-bench-ai-phantom-v1');
  const series = existsSync(dir) ? readdirSync(join(dir, 'BENCH-AI')).find((d) => d.startsWith('t0_')) : undefined;
  if (series && readdirSync(join(dir, 'BENCH-AI', series)).length === 160) return join(dir, 'BENCH-AI', series);
  rmSync(dir, { recursive: true, force: true });
  console.log(`writing a 512×512×160 phantom CT (once, cached in ${dir})…`);
  return (await writePatient(dir, { seed: 'bench-ai', timepoints: 1, patientId: 'BENCH-AI' })).seriesDirs[0];
}

export async function benchInference(): Promise<[string, string, string][]> {
  const src = await phantomCt();
  const home = mkdtempSync(join(tmpdir(), 'longitude-bench-ai-'));
  const service = createApp({ homeDir: home, mode: 'serve', appModelsDir: process.env.BENCH_MODELS_DIR });
  try {
    const report = await service.importPaths([src]);
    const seriesId = report.series[0].id;
    const info = await service.openVolume(seriesId);
    // The volume is decoded before the run starts: the figure is the model pipeline itself.
    await service.getVolumeChunk(seriesId, info.geometry.dims[2] - 1, 1);
    await service.volumeStats(seriesId);
    const models = await service.listModels();
    const model = models.find((m) => m.id === MODEL && m.valid);
    if (!model) return [[`AI pipeline (${MODEL})`, 'skipped', `model not found or invalid: ${models.map((m) => `${m.id} ${m.errors.join('; ')}`).join(' | ')}`]];
    const t = performance.now();
    const queued = await service.runModel({ seriesId, modelId: MODEL });
    const run = await service.ai.waitForRun(queued.id);
    const wall = performance.now() - t;
    if (run.status !== 'done') throw new Error(`the run ${run.status}: ${run.error}`);
    const stats = (service.db.prepare('SELECT stats_json FROM ai_runs WHERE id = ?').get(run.id) as { stats_json: string }).stats_json;
    const s = JSON.parse(stats) as {
      timings: { preprocessMs: number; inferMs: number; blendMs: number; postprocessMs: number; sessionCreateMs: number; sessionRunMs: number; wallMs: number };
      msPerWindow: number;
      peakRssMb: number;
      calls: number;
    };
    const outside = wall - s.timings.sessionRunMs;
    const mainPeakMb = process.resourceUsage().maxRSS / 1024;
    const dims = info.geometry.dims.join('×');
    return [
      [`AI pipeline, ${MODEL} on a ${dims} CT (${run.provider})`, ms(wall), `target ≤ 60 s; ${run.windows} windows in ${s.calls} batches, ${(await service.listProposals({ runId: run.id })).length} proposals`],
      ['  inside session.run', ms(s.timings.sessionRunMs), `${s.msPerWindow.toFixed(0)} ms per window (patch ${model.patchSize?.join('×')})`],
      ['  outside session.run', ms(outside), `${((outside / wall) * 100).toFixed(1)} % of the total (target ≤ 20 %)`],
      ['    preprocess (crop, resample, normalize)', ms(s.timings.preprocessMs), ''],
      ['    activation + blending', ms(s.timings.blendMs), ''],
      ['    back to the grid + proposals', ms(s.timings.postprocessMs), ''],
      ['    session create', ms(s.timings.sessionCreateMs), ''],
      ['    IPC, masks, registry', ms(wall - s.timings.wallMs), ''],
      ['  peak memory, inference process', `${s.peakRssMb.toFixed(0)} MB`, `target ≤ 3 GB (with the main process: ${(s.peakRssMb + mainPeakMb).toFixed(0)} MB)`],
    ];
  } finally {
    await service.close();
    rmSync(home, { recursive: true, force: true });
  }
}
