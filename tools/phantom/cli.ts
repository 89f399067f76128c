/**
 * npm run phantom -- --out <dir> [options]
 *
 * Writes synthetic CT series (one folder per exam) and a truth.json per
 * patient. Exit codes: 0 done, 2 bad options, 1 anything else.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PhantomOptionError, type PixelEncoding, resolveOptions } from '../../main/services/demo/phantom/phantom';
import { type WriteOptions, type WrittenPatient, cohortPatientOptions, writePatient } from '../../main/services/demo/phantom/writeSeries';

export const USAGE = `Usage: npm run phantom -- --out <dir> [options]

Synthetic contrast CT of the liver with lesions, several exams of one patient,
plus ground truth (truth.json) per patient.

  --out <dir>              output folder (required); patients go in <dir>/<patient-id>/
  --seed <text>            random seed (default 1); same options + seed = same bytes
  --size <n>               rows = columns (default 512)
  --slices <n>             slices per exam (default 160)
  --slice-mm <mm>          slice interval (default 2.0)
  --pixel-mm <mm>          pixel spacing (default 380 mm field of view / size)
  --thickness-mm <mm>      SliceThickness written (default 1.25 × slice interval)
  --timepoints <n>         exams per patient (default 3)
  --patient-id <id>        PatientID (default LGP-<seed>; a prefix with --patients)
  --patients <n>           patients to write (default 1); patient i gets seed <seed>.<i>
  --noise-hu <sd>          Gaussian noise SD in HU (default 12)
  --max-shift-mm <mm>      largest patient shift between exams (default 15)
  --max-rotation-deg <deg> largest patient rotation between exams (default 5)
  --extra-lesions <n>      random lesions beyond the fixed cast (default 1)
  --encoding <e>           signed (PixelRepresentation 1, intercept 0) or
                           unsigned (PixelRepresentation 0, intercept -1024); default signed
  --bits-stored <12|16>    BitsStored (default 16)
  --labels                 also write raw uint8 label maps (labels/<series>.u8)
  --workers <n>            worker threads per patient (default 1)
  --json                   print the summary as JSON
  -h, --help               this text
`;

/** Flag of each option, for error messages that name what the user typed. */
const FLAG_OF: Record<string, string> = {
  seed: '--seed',
  patientId: '--patient-id',
  size: '--size',
  slices: '--slices',
  sliceMm: '--slice-mm',
  pixelMm: '--pixel-mm',
  sliceThicknessMm: '--thickness-mm',
  timepoints: '--timepoints',
  noiseSdHu: '--noise-hu',
  maxShiftMm: '--max-shift-mm',
  maxRotationDeg: '--max-rotation-deg',
  extraLesions: '--extra-lesions',
  pixelEncoding: '--encoding',
  bitsStored: '--bits-stored',
  workers: '--workers',
};

/** A command-line mistake: printed with a hint, exit code 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

export interface CliCommand {
  help: boolean;
  outDir: string;
  patients: number;
  json: boolean;
  options: WriteOptions;
}

function parseNumber(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const pattern = integer ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  if (!pattern.test(text.trim())) throw new CliUsageError(`${flag} needs ${integer ? 'an integer' : 'a number'}, got "${text}"`);
  return Number(text);
}

/** Parse argv (without node and the script); throws CliUsageError on mistakes. */
export function parseCli(argv: string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string' },
        seed: { type: 'string' },
        size: { type: 'string' },
        slices: { type: 'string' },
        'slice-mm': { type: 'string' },
        'pixel-mm': { type: 'string' },
        'thickness-mm': { type: 'string' },
        timepoints: { type: 'string' },
        'patient-id': { type: 'string' },
        patients: { type: 'string' },
        'noise-hu': { type: 'string' },
        'max-shift-mm': { type: 'string' },
        'max-rotation-deg': { type: 'string' },
        'extra-lesions': { type: 'string' },
        encoding: { type: 'string' },
        'bits-stored': { type: 'string' },
        labels: { type: 'boolean' },
        workers: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--sise'" or "Option '--size <value>' argument missing".
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return { help: true, outDir: '', patients: 0, json: false, options: {} };
  if (!v.out) throw new CliUsageError('--out <dir> is required');
  const encoding = v.encoding;
  if (encoding !== undefined && encoding !== 'signed' && encoding !== 'unsigned') {
    throw new CliUsageError(`--encoding must be "signed" or "unsigned", got "${encoding}"`);
  }
  const bitsStored = parseNumber('--bits-stored', v['bits-stored'], true);
  if (bitsStored !== undefined && bitsStored !== 12 && bitsStored !== 16) {
    throw new CliUsageError(`--bits-stored must be 12 or 16, got ${bitsStored}`);
  }
  const patients = parseNumber('--patients', v.patients, true) ?? 1;
  if (patients < 1 || patients > 10_000) throw new CliUsageError(`--patients must be from 1 to 10000, got ${patients}`);
  const options: WriteOptions = {
    seed: v.seed,
    patientId: v['patient-id'],
    size: parseNumber('--size', v.size, true),
    slices: parseNumber('--slices', v.slices, true),
    sliceMm: parseNumber('--slice-mm', v['slice-mm'], false),
    pixelMm: parseNumber('--pixel-mm', v['pixel-mm'], false),
    sliceThicknessMm: parseNumber('--thickness-mm', v['thickness-mm'], false),
    timepoints: parseNumber('--timepoints', v.timepoints, true),
    noiseSdHu: parseNumber('--noise-hu', v['noise-hu'], false),
    maxShiftMm: parseNumber('--max-shift-mm', v['max-shift-mm'], false),
    maxRotationDeg: parseNumber('--max-rotation-deg', v['max-rotation-deg'], false),
    extraLesions: parseNumber('--extra-lesions', v['extra-lesions'], true),
    pixelEncoding: encoding as PixelEncoding | undefined,
    bitsStored: bitsStored as 12 | 16 | undefined,
    writeLabels: v.labels ?? false,
    workers: parseNumber('--workers', v.workers, true),
  };
  // Drop unset keys so defaults apply.
  for (const key of Object.keys(options) as (keyof WriteOptions)[]) if (options[key] === undefined) delete options[key];
  // Validate every patient's options now, before anything is written.
  try {
    for (let i = 0; i < patients; i++) resolveOptions(patients > 1 ? cohortPatientOptions(options, i) : options);
    if (options.workers !== undefined && (options.workers < 1 || options.workers > 64)) {
      throw new PhantomOptionError('workers', `must be an integer from 1 to 64, got ${options.workers}`);
    }
  } catch (error) {
    if (error instanceof PhantomOptionError) throw new CliUsageError(`${FLAG_OF[error.option] ?? error.option} ${error.problem}`);
    throw error;
  }
  return { help: false, outDir: resolve(v.out), patients, json: v.json ?? false, options };
}

export interface CliSummary {
  outDir: string;
  seconds: number;
  patients: {
    patientId: string;
    patientDir: string;
    truthPath: string;
    seriesDirs: string[];
    fileCount: number;
    lesionIds: string[];
    seconds: number;
  }[];
}

/** Run the command; returns the exit code. Output goes to the given streams. */
export async function main(
  argv: string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCli(argv);
  } catch (error) {
    if (error instanceof CliUsageError) {
      err(`phantom: ${error.message}\nRun with --help for the options.\n`);
      return 2;
    }
    throw error;
  }
  if (command.help) {
    out(USAGE);
    return 0;
  }
  const started = performance.now();
  const summary: CliSummary = { outDir: command.outDir, seconds: 0, patients: [] };
  try {
    for (let i = 0; i < command.patients; i++) {
      const options = command.patients > 1 ? cohortPatientOptions(command.options, i) : command.options;
      const t0 = performance.now();
      const written: WrittenPatient = await writePatient(command.outDir, options);
      const seconds = (performance.now() - t0) / 1000;
      summary.patients.push({
        patientId: written.truth.patient.patientId,
        patientDir: written.patientDir,
        truthPath: written.truthPath,
        seriesDirs: written.seriesDirs,
        fileCount: written.fileCount,
        lesionIds: written.truth.lesions.map((l) => l.id),
        seconds: Math.round(seconds * 100) / 100,
      });
      if (!command.json) {
        out(
          `${written.truth.patient.patientId}: ${written.truth.timepoints.length} exams, ${written.fileCount} files, ` +
            `${written.truth.lesions.length} lesions, ${seconds.toFixed(1)} s → ${written.patientDir}\n`,
        );
      }
    }
  } catch (error) {
    err(`phantom: writing to ${command.outDir} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  if (command.json) out(`${JSON.stringify(summary, null, 2)}\n`);
  else out(`done in ${summary.seconds.toFixed(1)} s; ground truth in truth.json of each patient folder\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`phantom: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
