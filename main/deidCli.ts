/**
 * De-identification from the command line (issue 14):
 *   deid <paths...> --out <dir> [--options retain-dates,clean-descriptors,…] [--no-dates] [--json]
 *   deid --exam <studyId> | --patient <patientId> [--out <dir>] [--with-results] [--options …] [--no-dates] [--json]
 * Files and folders (recursively), or a library exam or patient (with `--with-results`, the exam's
 * SEG and SR are exported now and de-identified with it). Each patient gets the library's stable
 * pseudonym and date offset; every output is searched for the patients' identifying values before
 * anything is written, and an export that still holds one is refused whole. The list of patients
 * and their pseudonyms is printed for the user here and is never written with the export.
 * Exit codes: 0 done; 1 done, with files left out (burned-in text) or skipped (not DICOM);
 * 2 nothing done: refused (identifying data found), nothing to write, or bad use.
 */
import { ApiError } from '../core/api/errors';
import { DEID_OPTION_INFO, type DeidReport } from '../core/api/domains/deid';
import type { DeidOptions } from '../core/deid/types';
import type { App } from './services/app';
import { DeidRefusedError, DeidService } from './services/deid/deidService';
import { appVersion } from './shell/options';

export const DEID_COMMANDS = ['deid'] as const;

export const DEID_USAGE = `  deid <paths...> --out <dir> [--options <list>] [--no-dates]   de-identified copies (PS3.15 Basic Profile): each patient under its pseudonym,
                                                      <dir>/<pseudonym>/<study>/<series>/<SOP>.dcm; refused whole if identifying data would remain
  deid --exam <studyId> | --patient <patientId> [--out <dir>] [--with-results]   a library exam or patient (default <home>/exports/deid-…), with its SEG and SR
       options: ${DEID_OPTION_INFO.map((o) => o.cli).join(', ')} (dates are shifted unless --no-dates)`;

class UsageError extends Error {}

type Flags = Record<string, string | boolean>;

function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** The options named on the command line, on top of the defaults (dates shifted, nothing else kept). */
export function parseDeidOptions(flags: Flags): Partial<DeidOptions> {
  const out: Partial<DeidOptions> = {};
  const list = flags.options;
  if (list === true) throw new UsageError('--options needs a list, e.g. --options clean-descriptors,retain-patient-characteristics');
  for (const name of (typeof list === 'string' ? list : '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const info = DEID_OPTION_INFO.find((o) => o.cli === name);
    if (!info) throw new UsageError(`unknown option "${name}" (known: ${DEID_OPTION_INFO.map((o) => o.cli).join(', ')})`);
    out[info.key] = true;
  }
  if (flags['no-dates'] !== undefined) {
    if (out.retainLongitudinalModifiedDates) throw new UsageError('--no-dates and --options retain-dates contradict each other');
    out.retainLongitudinalModifiedDates = false;
  }
  return out;
}

function reportText(r: DeidReport): string {
  const on = DEID_OPTION_INFO.filter((o) => r.options[o.key]).map((o) => o.cli);
  return [
    `de-identified ${r.files.length} file(s) of ${r.patients.filter((p) => p.files > 0).length} patient(s) into ${r.outDir} (${r.durationMs} ms); left out ${r.excluded.length}, skipped ${r.skipped.length}`,
    ...r.patients.map((p) => `  ${p.patientId || '(no ID)'} ${p.patientName ? `(${p.patientName}) ` : ''}→ ${p.pseudonymId}, dates ${r.options.retainLongitudinalModifiedDates ? `shifted by ${p.dateOffsetDays} days` : 'removed'}, ${p.files} file(s)`),
    ...r.excluded.map((e) => `  left out ${e.source}: ${e.reason}`),
    ...r.skipped.map((s) => `  skipped ${s.source}: ${s.reason}`),
    `  options: ${on.length ? on.join(', ') : 'none (Basic Profile only)'}`,
    `  searched the ${r.check.files} output file(s) (every byte but the pixel data) for ${r.check.values} identifying value(s) and original UID(s): none found`,
    r.patients.length ? '  (the list of patients above is for you: it is not written with the export)' : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

export async function runDeidCommand(app: App, rest: string[], flags: Flags, json: boolean): Promise<number> {
  const service = (app as App & { deid?: DeidService }).deid ?? new DeidService({ db: app.db, homeDir: app.homeDir, version: appVersion(), exporter: app });
  const paths = [...rest];
  // A boolean flag read by a parser that does not know it takes the next word as its value: give it back.
  for (const name of ['no-dates', 'with-results']) {
    const v = flags[name];
    if (typeof v === 'string') {
      paths.unshift(v);
      flags = { ...flags, [name]: true };
    }
  }
  const progress = !json && process.stderr.isTTY ? (done: number, total: number) => process.stderr.write(done === total ? '\r' + ' '.repeat(40) + '\r' : `\r  ${done}/${total} files`) : undefined;
  try {
    const options = parseDeidOptions(flags);
    const exam = str(flags, 'exam');
    const patient = str(flags, 'patient');
    const out = str(flags, 'out');
    if (flags.out === true) throw new UsageError('--out needs a folder');
    let report: DeidReport;
    if (exam !== undefined || patient !== undefined || flags.exam === true || flags.patient === true) {
      if (paths.length) throw new UsageError('deid --exam/--patient takes no paths');
      if ((exam !== undefined || flags.exam === true) === (patient !== undefined || flags.patient === true)) throw new UsageError('deid needs one of --exam <studyId> or --patient <patientId>');
      const common = { ...(out ? { outDir: out } : {}), options, withResults: flags['with-results'] === true, onProgress: progress };
      if (exam !== undefined) {
        const studyRowId = Number(exam);
        if (!Number.isInteger(studyRowId)) throw new UsageError('--exam needs a study id (see "list")');
        report = await service.deidentifyExam({ studyRowId, ...common });
      } else {
        if (!patient) throw new UsageError('--patient needs a patient ID');
        const patients = await app.listPatients();
        const p = patients.find((x) => x.patientId === patient) ?? patients.find((x) => String(x.id) === patient);
        if (!p) throw new UsageError(`no patient ${patient} in the library`);
        report = await service.deidentifyExam({ patientRowId: p.id, ...common });
      }
    } else {
      if (paths.length === 0) throw new UsageError('deid needs at least one path (or --exam / --patient)');
      if (!out) throw new UsageError('deid <paths…> needs --out <dir>');
      if (flags['with-results'] === true) throw new UsageError('--with-results is for --exam / --patient');
      report = await service.deidentifyFiles({ paths, outDir: out, options, onProgress: progress });
    }
    console.log(json ? JSON.stringify(report, null, 2) : reportText(report));
    if (report.files.length === 0) {
      if (!json) console.error('nothing was written: no file could be de-identified');
      return 2;
    }
    return report.excluded.length || report.skipped.length ? 1 : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${DEID_USAGE}`);
      return 2;
    }
    if (err instanceof DeidRefusedError) {
      // The kind of value and where, never the value itself: this output may be logged.
      if (json) console.log(JSON.stringify({ refused: true, outDir: err.outDir, findings: err.findings.map(({ value: _value, ...f }) => f) }, null, 2));
      console.error(err.message);
      return 2;
    }
    if (err instanceof ApiError && (err.kind === 'invalid' || err.kind === 'not-found')) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
