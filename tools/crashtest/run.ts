/**
 * `npm run crashtest -- [--runs N] [--seed S] [--ops import,mask,…] [--keep] [--work DIR] [--json]`
 * kills the workstation at random moments and checks what it finds at the next start
 * (harness.ts). `npm run crashtest -- --durability` measures synchronous FULL against NORMAL.
 * Exit codes: 0 every run passed; 1 some run failed; 2 invalid use.
 */
import { resolve } from 'node:path';
import { parseArgs } from '../../main/shell/options';
import { formatDurability, measureDurability } from './durability';
import { formatReport, runCrashTest } from './harness';
import { OPERATIONS, type Operation } from './protocol';

const USAGE = `usage: npm run crashtest -- [--runs N] [--seed S] [--ops ${OPERATIONS.join(',')}] [--keep] [--work DIR] [--json]
       npm run crashtest -- --durability [--json]
  --runs N      runs, one operation each in turn (default 70)
  --seed S      seed of the kill times (default 1)
  --ops LIST    only these operations
  --keep        keep the work folder (and every run's library) for inspection
  --work DIR    work in DIR (default: a temporary folder)
  --synchronous NORMAL|FULL   the killed process's registry setting (default: the product's, FULL)
  --durability  measure synchronous FULL against NORMAL instead`;

async function main(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, ['json', 'help', 'keep', 'durability']);
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (positional.length) {
    console.error(`unexpected argument "${positional[0]}"\n${USAGE}`);
    return 2;
  }
  const json = flags.json === true;
  if (flags.durability) {
    const f = await measureDurability();
    console.log(json ? JSON.stringify(f, null, 2) : formatDurability(f));
    return 0;
  }
  const runs = flags.runs === undefined ? 70 : Number(flags.runs);
  const seed = flags.seed === undefined ? 1 : Number(flags.seed);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
    console.error(`--runs and --seed need integers\n${USAGE}`);
    return 2;
  }
  const synchronous = flags.synchronous;
  if (synchronous !== undefined && synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    console.error(`--synchronous is NORMAL or FULL\n${USAGE}`);
    return 2;
  }
  let ops: Operation[] | undefined;
  if (typeof flags.ops === 'string') {
    ops = flags.ops.split(',') as Operation[];
    const bad = ops.filter((o) => !OPERATIONS.includes(o));
    if (bad.length) {
      console.error(`unknown operation(s) ${bad.join(', ')}; choose from ${OPERATIONS.join(', ')}`);
      return 2;
    }
  }
  const report = await runCrashTest({
    runs,
    seed,
    ops,
    keep: flags.keep === true,
    synchronous,
    work: typeof flags.work === 'string' ? resolve(flags.work) : undefined,
    log: (line) => console.error(line),
  });
  console.log(json ? JSON.stringify({ ...report, runs: report.runs.filter((r) => r.losses.length + r.integrity.length + r.failures.length > 0), totalRuns: report.runs.length }, null, 2) : formatReport(report));
  return report.failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
