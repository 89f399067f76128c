/**
 * Start-up recovery beside the library's own sweep (library/storeFile.ts
 * `sweepStaleTemporaries`): what a killed process leaves behind elsewhere in the library
 * folder — mask files never renamed into place (`masks/<series>/*.tmp`), a backup or a
 * restore cut short (`backups/*.tmp`, `registry.sqlite.*.restore.tmp`). Only temporaries older
 * than `minAgeMs` are removed: another process may be writing one right now.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sweepDir(dir: string, cutoff: number, match: (name: string) => boolean): number {
  if (!existsSync(dir)) return 0;
  let removed = 0;
  for (const name of readdirSync(dir)) {
    if (!match(name)) continue;
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isFile() && st.mtimeMs < cutoff) {
      rmSync(p, { force: true });
      removed++;
    }
  }
  return removed;
}

export function sweepRecoveryTemporaries(homeDir: string, minAgeMs = 60 * 60 * 1000): number {
  const cutoff = Date.now() - minAgeMs;
  const tmp = (name: string) => name.endsWith('.tmp');
  let removed = 0;
  const masks = join(homeDir, 'masks');
  if (existsSync(masks)) {
    for (const series of readdirSync(masks)) {
      const dir = join(masks, series);
      if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) removed += sweepDir(dir, cutoff, tmp);
    }
  }
  // A copy cut short may leave its SQLite journal beside it (`*.tmp-journal`).
  removed += sweepDir(join(homeDir, 'backups'), cutoff, (n) => /\.tmp(-journal|-wal|-shm)?$/.test(n));
  removed += sweepDir(homeDir, cutoff, (n) => n.startsWith('registry.sqlite.') && /\.restore\.tmp(-journal)?$/.test(n));
  return removed;
}
