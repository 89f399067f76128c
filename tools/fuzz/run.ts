/**
 * npm run fuzz -- --count N --seed S [--chunk 500] [--open 10] [--workers W] [--out DIR] [--data DIR] [--max-rss-mb 1024]
 *
 * Mutates the real DICOM in ../shared/data, imports the mutants through the workstation in
 * child processes, prints files per second, peak memory, crashes and hangs, and exits 1 when
 * a target is missed (see tools/fuzz/fuzz.ts).
 */
import { formatResult, runFuzz } from './fuzz';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function intFlag(name: string, fallback?: number): number | undefined {
  const v = flag(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) {
    console.error(`--${name} needs a whole number, got "${v}"`);
    process.exit(2);
  }
  return n;
}

const result = await runFuzz({
  count: intFlag('count', 1000)!,
  seed: intFlag('seed', 1)!,
  chunk: intFlag('chunk'),
  open: intFlag('open'),
  workers: intFlag('workers'),
  maxRssMb: intFlag('max-rss-mb'),
  outDir: flag('out'),
  dataDir: flag('data'),
  log: (line) => console.log(line),
});
console.log(formatResult(result));
process.exitCode = result.failures.length === 0 ? 0 : 1;
