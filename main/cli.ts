/**
 * Command line: `npm run -s cli -- <command> [--home DIR] [--json]` or `longitude <command>`.
 *   import <path...>   folders (recursive), DICOMDIR files or .zip archives
 *   list               patients → studies → series in the library
 *   series <id>        geometry, transfer syntaxes, warnings and HU statistics of one series;
 *                      for an SR its measurement groups, for a SEG its segments and volumes
 *   recist --input F   RECIST 1.1 assessment of a case file (see main/recistCli.ts)
 *   models             local AI models found, each checked
 *   validate --model M --cohort D   metrics of a model on a cohort (see main/validateCli.ts)
 *   ai, followup, table, record, signoff   the follow-up workflow headless (see main/workflowCli.ts)
 *   pacs                      query, retrieve, send, receive (see main/pacsCli.ts)
 *   deid, cohort              de-identified copies; research cohorts and their exports (main/deidCli.ts, main/cohortCli.ts)
 *   backup, restore, verify   backups and recovery (see main/maintenanceCli.ts)
 */
import { ApiError } from '../core/api/errors';
import type { ImportReport, PatientSummary, SeriesSummary, StudySummary } from '../core/api/types';
import { MAINTENANCE_COMMANDS, MAINTENANCE_USAGE, runMaintenanceCommand } from './maintenanceCli';
import { runRecistCommand } from './recistCli';
import { seriesContentText } from './seriesContentText';
import { createApp, type App } from './services/app';
import { RegistryError } from './services/registry/errors';
import { appVersion, parseArgs, resolveHome } from './shell/options';
import { runModelsCommand, runValidateCommand, VALIDATE_USAGE } from './validateCli';
import { runWorkflowCommand, WORKFLOW_COMMANDS, WORKFLOW_USAGE } from './workflowCli';
import { PACS_COMMANDS, PACS_USAGE, runPacsCommand } from './pacsCli';
import { DEID_COMMANDS, DEID_USAGE, runDeidCommand } from './deidCli';
import { COHORT_COMMANDS, COHORT_USAGE, runCohortCommand } from './cohortCli';

const USAGE = `usage: longitude <command> [options]
  import <path...> [--json]   import folders, DICOMDIR files or .zip archives
  list [--json]               list patients, studies and series
  series <id> [--json]        describe one series (geometry, warnings, HU statistics; an SR's groups, a SEG's segments)
  recist --input <case.json>  RECIST 1.1 assessment of a case as JSON (recist --help)
  models [--json]             local AI models and their checks (hash, ONNX inputs/outputs)
  validate --model <id> --cohort <dir>   Dice, IoU, lesion detection, ROC/AUC with 95% CIs (validate --help)
${WORKFLOW_USAGE}
${PACS_USAGE}
${DEID_USAGE}
${COHORT_USAGE}
${MAINTENANCE_USAGE}
options: --home <dir> (or LONGITUDE_HOME) chooses the library folder;
         --reader "<name>" [--reader-id <id>] records who made the changes (or LONGITUDE_READER; default: the OS user)`;

/** Exit codes (README): 0 done; 1 done with problems (some files skipped); 2 nothing done. */
function importExitCode(report: Pick<ImportReport, 'imported' | 'duplicates' | 'skipped'>): 0 | 1 | 2 {
  if (report.skipped === 0) return report.imported + report.duplicates > 0 ? 0 : 2;
  return report.imported + report.duplicates > 0 ? 1 : 2;
}

async function main(argv: string[]): Promise<number> {
  // recist needs no library: it assesses a case file.
  if (argv[0] === 'recist') return runRecistCommand(argv.slice(1));
  const { positional, flags } = parseArgs(argv, ['json', 'help', 'all', 'reopen', 'with-organ', 'identifiers', 'auto-priors', 'no-priors', 'secret-stdin', 'no-dates', 'with-results']);
  const [command, ...rest] = positional;
  if (command === 'validate' && flags.help) {
    console.log(VALIDATE_USAGE);
    return 0;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (!command) {
    console.error(USAGE);
    return 2;
  }
  const json = flags.json === true;
  const homeDir = resolveHome(typeof flags.home === 'string' ? flags.home : undefined);
  const print = (value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());

  const workflow = (WORKFLOW_COMMANDS as readonly string[]).includes(command);
  const pacs = (PACS_COMMANDS as readonly string[]).includes(command);
  const deid = (DEID_COMMANDS as readonly string[]).includes(command);
  const cohort = (COHORT_COMMANDS as readonly string[]).includes(command);
  // Backups and recovery do not start the workstation (a restore must run without one).
  if ((MAINTENANCE_COMMANDS as readonly string[]).includes(command)) return runMaintenanceCommand(command, rest, flags, json, homeDir);
  if (!['import', 'list', 'series', 'models', 'validate'].includes(command) && !workflow && !pacs && !deid && !cohort) {
    console.error(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  let service: App;
  try {
    service = createApp({
      homeDir,
      mode: 'serve',
      version: appVersion(),
      workers: typeof flags.workers === 'string' ? Number(flags.workers) : undefined,
      appModelsDir: typeof flags.models === 'string' ? flags.models : undefined,
      defaultReader: typeof flags.reader === 'string' ? { name: flags.reader, id: typeof flags['reader-id'] === 'string' ? flags['reader-id'] : null } : undefined,
    });
  } catch (err) {
    // A damaged registry, one written by a newer Longitude, a restore under way: said plainly, nothing done.
    if (!(err instanceof RegistryError)) throw err;
    console.error(`error: ${err.message}`);
    return 2;
  }
  try {
    if (workflow) return await runWorkflowCommand(service, command, rest, flags, argv, json);
    if (pacs) return await runPacsCommand(service, rest, flags as Record<string, string | boolean>, argv, json);
    if (deid) return await runDeidCommand(service, rest, flags as Record<string, string | boolean>, json);
    if (cohort) return await runCohortCommand(service, rest, flags as Record<string, string | boolean>, json);
    if (command === 'models') return await runModelsCommand(service, json);
    if (command === 'validate') return await runValidateCommand(service, flags as Record<string, string | boolean>, json);
    if (command === 'import') {
      if (rest.length === 0) {
        console.error('import needs at least one path');
        return 2;
      }
      const report = await service.importPaths(rest);
      print(report, () =>
        [
          `imported ${report.imported}, duplicates ${report.duplicates}, skipped ${report.skipped} (${report.durationMs} ms)`,
          ...report.files.filter((f) => f.outcome === 'skipped').map((f) => `  skipped ${f.file}: ${f.reason}`),
          ...report.series.map((s) => `  series ${s.id} "${s.description}" ${s.sliceCount} slices${s.warnings.length ? ` — ${s.warnings.join('; ')}` : ''}`),
        ].join('\n'),
      );
      return importExitCode(report);
    }
    if (command === 'list') {
      const patients = await service.listPatients();
      const tree: (PatientSummary & { studies: (StudySummary & { series: SeriesSummary[] })[] })[] = [];
      for (const p of patients) {
        const studies: (StudySummary & { series: SeriesSummary[] })[] = [];
        for (const st of await service.listStudies(p.id)) studies.push({ ...st, series: await service.listSeries(st.id) });
        tree.push({ ...p, studies });
      }
      print({ patients: tree }, () =>
        tree
          .map((p) =>
            [`${p.name || '(no name)'} [${p.patientId || 'no ID'}]`, ...p.studies.flatMap((st) => [`  ${st.date ?? '????-??-??'} ${st.description}`, ...st.series.map((s) => `    #${s.id} ${s.modality} ${s.description} (${s.sliceCount} slices)`)])].join('\n'),
          )
          .join('\n') || '(library is empty)',
      );
      return 0;
    }
    const id = Number(rest[0]);
    if (!Number.isInteger(id)) {
      console.error('series needs a numeric series id (see "list")');
      return 2;
    }
    // A report or a segmentation: what it holds (the same as the API's describeSeriesContent).
    const content = await service.describeSeriesContent({ seriesId: id });
    if (content.kind === 'sr' || content.kind === 'seg') {
      print(content, () => seriesContentText(content));
      return content.sr?.problems.length ? 1 : 0;
    }
    const detail = await service.getSeries(id);
    const { stats } = await service.volumeStats(id);
    const out = { ...detail, huStats: stats };
    print(out, () =>
      [
        `series ${id}: ${detail.modality} "${detail.description}"`,
        `  dims ${detail.geometry.dims.join('×')}, spacing ${detail.geometry.spacingMm.map((v) => v.toFixed(4)).join(' × ')} mm`,
        `  origin ${detail.geometry.originMm.map((v) => v.toFixed(2)).join(', ')} (LPS mm)`,
        `  transfer syntaxes: ${detail.transferSyntaxes.map((t) => t.name).join(', ')}`,
        `  HU min ${stats.minHu}, max ${stats.maxHu}, mean ${stats.meanHu.toFixed(2)}, SD ${stats.sdHu.toFixed(2)}`,
        ...detail.warnings.map((w) => `  warning: ${w}`),
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    // Invalid use is 2; a call that failed on the data (not found, unreadable, …) is 1.
    return err instanceof ApiError && err.kind === 'invalid' ? 2 : 1;
  } finally {
    await service.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
