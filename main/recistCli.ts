/**
 * `longitude recist --input case.json [--confirm] [--confirm-min-days N] [--sd-min-days N] [--too-small-mm N]`
 *
 * Reads a RECIST case (form documented in core/recist/types.ts), prints the assessment as JSON on
 * stdout. An unreadable file, malformed JSON or an invalid case is reported on stderr, naming the
 * problem, with exit code 2; nothing is printed on stdout then, so a script cannot mistake it for a result.
 */
import { readFileSync } from 'node:fs';
import { assessRecist, validateRecistCase, type RecistOptions } from '../core/recist';
import { parseArgs } from './shell/options';

export const RECIST_USAGE = `usage: longitude recist --input <case.json> [options]
  prints the RECIST 1.1 assessment (sum, nadir, responses, best overall response, explanations) as JSON
options:
  --confirm               require confirmation of CR/PR (≥ 4 weeks) for the best overall response
  --confirm-min-days <n>  minimum interval for confirmation (default 28)
  --sd-min-days <n>       minimum time from baseline for SD to count as best response (default 42)
  --too-small-mm <n>      diameter of a target too small to measure (default 5)`;

const NUMBER_FLAGS: Record<string, keyof RecistOptions> = {
  'confirm-min-days': 'confirmationMinDays',
  'sd-min-days': 'sdMinDays',
  'too-small-mm': 'tooSmallMm',
};
const KNOWN_FLAGS = ['input', 'confirm', 'help', 'json', ...Object.keys(NUMBER_FLAGS)];

/** Runs the command on the arguments that follow `recist`; returns the exit code (0 ok, 2 invalid input). */
export async function runRecistCommand(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv, ['confirm', 'help', 'json']);
  if (flags.help) {
    console.log(RECIST_USAGE);
    return 0;
  }
  const unknown = Object.keys(flags).filter((f) => !KNOWN_FLAGS.includes(f));
  if (unknown.length > 0 || positional.length > 0) {
    console.error(`recist: unexpected argument(s) ${[...unknown.map((f) => `--${f}`), ...positional].join(' ')}\n${RECIST_USAGE}`);
    return 2;
  }
  const input = flags.input;
  if (typeof input !== 'string') {
    console.error(`recist: --input <case.json> is required\n${RECIST_USAGE}`);
    return 2;
  }

  const overrides: Partial<RecistOptions> = {};
  if (flags.confirm === true) overrides.requireConfirmation = true;
  for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
    const raw = flags[flag];
    if (raw === undefined) continue;
    const n = typeof raw === 'string' ? Number(raw) : NaN;
    if (!Number.isFinite(n) || n < 0) {
      console.error(`recist: --${flag} needs a number ≥ 0 (got ${raw === true ? 'nothing' : JSON.stringify(raw)})`);
      return 2;
    }
    (overrides as Record<string, number>)[key] = n;
  }

  let text: string;
  try {
    text = readFileSync(input, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    console.error(`recist: cannot read case file ${input}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message}`);
    return 2;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    console.error(`recist: ${input} is not valid JSON: ${(err as Error).message}`);
    return 2;
  }
  const validation = validateRecistCase(parsed, overrides);
  if (!validation.ok) {
    console.error(`recist: invalid case ${input} (${validation.errors.length} problem${validation.errors.length === 1 ? '' : 's'}):\n${validation.errors.map((e) => `  - ${e}`).join('\n')}`);
    return 2;
  }
  console.log(JSON.stringify(assessRecist(validation.value, validation.options), null, 2));
  return 0;
}
