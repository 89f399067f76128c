/**
 * One fuzz import, in its own process so that a crash is counted rather than suffered:
 * the real workstation (createApp, as the CLI and serve mode build it) imports a folder,
 * then opens up to `open` of the series it touched (decoding their pixels in the pool).
 * Prints one JSON line: the report's files, the opened series, and this process's peak RSS.
 */
import { createApp } from '../../main/services/app';

interface ChildArgs {
  home: string;
  dir: string;
  open: number;
  workers?: number;
}

export interface ChildResult {
  files: { file: string; outcome: string; reason?: string }[];
  imported: number;
  durationMs: number;
  opened: { seriesId: number; ok: boolean; ms: number; message?: string }[];
  maxRssKb: number;
}

let phase = 'start';
process.on('exit', () => {
  // The event loop ran dry while something was still awaited: a missing reference (a bug), named for the log.
  if (phase !== 'done') console.error(`fuzz child: the process ended during "${phase}" with nothing left to run`);
});

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as ChildArgs;
  const app = createApp({ homeDir: args.home, mode: 'serve', workers: args.workers });
  phase = 'ready';
  await app.ready();
  phase = 'import';
  const report = await app.importPaths([args.dir]);
  const opened: ChildResult['opened'] = [];
  // Small series only: a fuzz run measures robustness, not decoding speed.
  for (const s of report.series.filter((x) => x.sliceCount <= 64).slice(0, args.open)) {
    const started = performance.now();
    phase = `open series ${s.id}`;
    try {
      const info = await app.openVolume(s.id);
      const nz = info.geometry.dims[2];
      await app.getVolumeChunk(s.id, 0, nz);
      opened.push({ seriesId: s.id, ok: true, ms: Math.round(performance.now() - started) });
    } catch (err) {
      opened.push({ seriesId: s.id, ok: false, ms: Math.round(performance.now() - started), message: (err as Error).message });
    }
  }
  phase = 'close';
  await app.close();
  phase = 'done';
  const result: ChildResult = {
    files: report.files.map((f) => ({ file: f.file, outcome: f.outcome, reason: f.reason })),
    imported: report.imported,
    durationMs: report.durationMs,
    opened,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  console.error('fuzz child failed:', err);
  process.exit(70);
});
