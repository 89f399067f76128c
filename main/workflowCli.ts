/**
 * The follow-up workflow, headless: everything a reader does for a follow-up, from the CLI.
 *
 *   ai run --series <seriesId> [--model <id>]            run a model and wait for it
 *   ai accept --run <runId> [--proposal <id>...] [--with-organ]   default: every lesion proposal
 *   ai reject --proposal <id>...                          false positives
 *   ai monitor [--model <id>]                             sensitivity, false positives per exam, Dice over time
 *   followup match --baseline <seriesId> --followup <seriesId>   registers first if needed
 *   followup queue --patient <patientId> [--all]          review items (decided ones too with --all)
 *   followup confirm|reject|equivocal|reopen <itemId>     decide an item (link-<n> or finding-<n>)
 *   table --patient <patientId>                           per exam: sums and responses with reasons
 *   lesion list --patient <patientId> | set --lesion <id> [--role R] [--site S] [--type T] [--node yes|no]
 *   lesion status --lesion <id> --exam <studyId> --status <status>|none
 *   record --lesion <id> --exam <studyId> --measurement <id>|default   the measurement of record
 *   signoff --exam <studyId> [--reader "<name>"]          sign; --reopen --reason "…" reopens
 *   export seg|sr --exam <studyId> [--out <dir>]          DICOM SEG / SR TID 1500 of the exam
 *   export report --patient <patientId> [--out <dir>]     the tumor-board report (PDF + HTML)
 *
 * `<patientId>` is the DICOM PatientID or the library's row id (as `list --json` prints them).
 * Exit codes: 0 done; 1 done with problems (a failed run, an assessment that is not valid
 * RECIST); 2 invalid use or nothing done (bad arguments, an unknown id, a refused change such as
 * an edit of a signed exam).
 */
import { resolve } from 'node:path';
import { ApiError } from '../core/api/errors';
import type { AcceptProposalResult, AiProposal, AiRun, FollowUpReviewItem, LesionTable } from '../core/api/types';
import type { RecistTimepointResult } from '../core/recist/types';
import type { App } from './services/app';

export const WORKFLOW_COMMANDS = ['ai', 'followup', 'table', 'lesion', 'record', 'signoff', 'export', 'sr', 'seg', 'demo'] as const;

export const WORKFLOW_USAGE = `follow-up workflow:
  ai run --series <seriesId> [--model <id>]           run a model on a series and wait (default: the first valid lesion model)
  ai accept --run <runId> [--proposal <id>...] [--with-organ]   accept proposals (default: every lesion proposal of the run)
  ai reject --proposal <id>...                        reject proposals (logged as false positives)
  ai monitor [--model <id>]                           per run: sensitivity, false positives, Dice
  followup match --baseline <seriesId> --followup <seriesId>   match a follow-up against every lesion known before it
  followup queue --patient <patientId> [--all]        the review queue (with --all, decided items too)
  followup confirm|reject|equivocal|reopen <itemId>   decide a review item (link-<n> or finding-<n>)
  table --patient <patientId>                         per exam: sums, target / non-target / new / overall response with reasons
  lesion list --patient <patientId>                   the patient's lesions with their ids
  lesion set --lesion <id> [--role target|non-target|new] [--site <site>] [--type <type>] [--node yes|no] [--notes <text>]
  lesion status --lesion <id> --exam <studyId> --status <status>|none   a status on one exam (disappeared, too-small, …)
  record --lesion <id> --exam <studyId> --measurement <id>|default   choose the measurement of record
  signoff --exam <studyId> [--reader "<name>"]        sign the exam's assessment (locks the exam)
  signoff --exam <studyId> --reopen --reason "<why>"  reopen a signed exam
  export seg --exam <studyId> [--out <dir>]           one DICOM SEG of the exam's lesion and liver masks (default <home>/exports)
  export sr --exam <studyId> [--out <dir>]            the exam's TID 1500 measurement report (with its SEG)
  export report --patient <patientId> [--out <dir>]   the tumor-board report: PDF + self-contained HTML (exit 1 with warnings)
  export csv (--patient <patientId> | --all) --out <file> [--identifiers]   a row per lesion per exam (RFC 4180)
  demo                                                a three-exam demo patient, measured and matched, to see the whole job
  sr import --series <seriesId>                       a TID 1500 report in the library becomes lesions and measurements (identity by Tracking UID)
  seg place --series <segSeriesId>                    a SEG's segments onto their lesions (by Tracking UID) and the liver, on its CT
<patientId>: the DICOM PatientID or the library's row id (see "list --json").`;

/** A mistake in the command line: exit 2. */
class UsageError extends Error {}

type Flags = Record<string, string | true>;

/** Every value of a repeatable flag (`--proposal 3 --proposal 4`, or `--proposal 3,4`). */
export function repeatedFlag(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === `--${name}`) {
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out.push(...argv[++i].split(','));
    } else if (a.startsWith(`--${name}=`)) out.push(...a.slice(name.length + 3).split(','));
  }
  return out.filter(Boolean);
}

function intFlag(flags: Flags, name: string): number {
  const v = flags[name];
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new UsageError(`--${name} needs a numeric id${typeof v === 'string' ? `, got "${v}"` : ''}`);
  return Number(v);
}

/** A patient by DICOM PatientID, else by library row id. */
async function resolvePatient(app: App, value: string | true | undefined): Promise<number> {
  if (typeof value !== 'string' || !value) throw new UsageError('--patient needs a patient (DICOM PatientID or library row id)');
  const patients = await app.listPatients();
  const byDicom = patients.filter((p) => p.patientId === value);
  if (byDicom.length === 1) return byDicom[0].id;
  if (byDicom.length > 1) throw new UsageError(`PatientID "${value}" names ${byDicom.length} patients (rows ${byDicom.map((p) => p.id).join(', ')}); give the row id`);
  const row = /^\d+$/.test(value) ? patients.find((p) => p.id === Number(value)) : undefined;
  if (!row) throw new UsageError(`no patient "${value}" in the library (neither a PatientID nor a row id; see "list")`);
  return row.id;
}

async function studyOfSeries(app: App, seriesId: number): Promise<number> {
  return (await app.getSeries(seriesId)).studyRowId;
}

const mm = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${Math.round(v * 10) / 10} mm`);

function runLine(r: AiRun): string {
  return `run ${r.id} on series ${r.seriesId}: ${r.modelId} ${r.modelVersion}, ${r.status}${r.provider ? ` on ${r.provider}` : ''}${r.durationMs ? `, ${(r.durationMs / 1000).toFixed(1)} s` : ''}${r.error ? ` — ${r.error}` : ''}`;
}

function itemLine(i: FollowUpReviewItem): string {
  return `  ${i.itemId.padEnd(11)} ${i.kind.padEnd(11)} ${i.status.padEnd(9)} ${i.description}${i.confidence !== null ? ` (confidence ${i.confidence.toFixed(2)})` : ''}${i.decisions.length ? ` [${i.decisions.join(' | ')}]` : ''}`;
}

/** The table as the CLI prints it: per exam the RECIST result, its reasons and who signed it. */
export function tableReport(t: LesionTable) {
  const { table, assessment } = t;
  const resultOf = new Map<number, RecistTimepointResult>();
  assessment.recistStudyRowIds.forEach((id, i) => {
    const tp = assessment.recist?.timepoints[i];
    if (tp) resultOf.set(id, tp);
  });
  const roleOf = new Map(assessment.lesionRoles.map((r) => [r.lesionId, r]));
  return {
    patientRowId: table.patientRowId,
    baselineStudyRowId: assessment.baselineStudyRowId,
    recistErrors: assessment.recistErrors,
    bestOverallResponse: assessment.recist?.bestOverallResponse ?? null,
    exams: table.exams.map((e) => {
      const tp = resultOf.get(e.studyRowId);
      const signoff = table.signoffs.find((s) => s.studyRowId === e.studyRowId && s.reopenedAt === null) ?? null;
      const volume = assessment.volumetry.exams.find((v) => v.studyRowId === e.studyRowId);
      return {
        studyRowId: e.studyRowId,
        date: e.date,
        description: e.description,
        inRecist: tp !== undefined,
        baseline: tp?.baseline ?? false,
        sumMm: tp?.sumMm ?? null,
        nadirMm: tp?.nadirMm ?? null,
        changeFromBaselinePct: tp?.changeFromBaselinePct ?? null,
        changeFromNadirPct: tp?.changeFromNadirPct ?? null,
        targetResponse: tp?.targetResponse ?? null,
        nonTargetResponse: tp?.nonTargetResponse ?? null,
        newLesionIds: tp?.newLesionIds ?? [],
        equivocalNewLesionIds: tp?.equivocalNewLesionIds ?? [],
        overallResponse: tp?.overallResponse ?? null,
        explanation: tp?.explanation ?? [],
        totalLesionVolumeMl: volume?.totalLesionVolumeMl ?? null,
        signedBy: signoff ? { reader: signoff.reader, signedAt: signoff.signedAt } : null,
      };
    }),
    lesions: table.lesions.map((l) => ({
      lesionId: l.id,
      label: l.label,
      recordedRole: l.recistRole,
      role: roleOf.get(l.id)?.role ?? l.recistRole,
      firstSeenStudyRowId: roleOf.get(l.id)?.firstSeenStudyRowId ?? null,
      note: roleOf.get(l.id)?.note ?? null,
      lesionType: l.lesionType,
      cells: table.exams.map((e) => {
        const c = table.cells[l.id][e.studyRowId];
        return {
          studyRowId: e.studyRowId,
          status: c.status,
          longAxisMm: c.longAxisMm,
          shortAxisMm: c.shortAxisMm,
          measurementId: c.measurementId,
          measurementCount: c.measurementCount,
          recordChosenBy: c.recordChosenBy,
          volumeMl: assessment.volumetry.lesions[l.label]?.[e.studyRowId]?.volumeMl ?? c.volumeMl,
        };
      }),
    })),
  };
}

function tableText(r: ReturnType<typeof tableReport>): string {
  const lines: string[] = [];
  for (const e of r.exams) {
    if (!e.inRecist) {
      lines.push(`${e.date ?? '????-??-??'} (study ${e.studyRowId}) ${e.description}: not assessed`);
      continue;
    }
    lines.push(
      `${e.date} (study ${e.studyRowId})${e.baseline ? ' BASELINE' : ''}: sum ${mm(e.sumMm)}` +
        (e.baseline ? '' : ` — target ${e.targetResponse}, non-target ${e.nonTargetResponse}, new ${e.newLesionIds.length ? e.newLesionIds.join(', ') : 'none'}${e.equivocalNewLesionIds.length ? ` (equivocal ${e.equivocalNewLesionIds.join(', ')})` : ''}, overall ${e.overallResponse}`) +
        (e.signedBy ? `  [signed by ${e.signedBy.reader.name} ${e.signedBy.signedAt}]` : ''),
    );
    for (const x of e.explanation) lines.push(`    ${x}`);
  }
  lines.push('lesions:');
  for (const l of r.lesions) {
    const cells = l.cells.map((c) => (c.status === 'measured' ? `${mm(c.longAxisMm)}${c.measurementCount > 1 ? `*${c.measurementCount}` : ''}` : (c.status ?? '·'))).join(' | ');
    lines.push(`  ${l.label.padEnd(4)} ${l.role.padEnd(10)} ${cells}${l.note ? `  (${l.note})` : ''}`);
  }
  if (r.recistErrors.length) lines.push('RECIST not computed:', ...r.recistErrors.map((e) => `  ${e}`));
  if (r.bestOverallResponse) lines.push(`best overall response: ${r.bestOverallResponse}`);
  lines.push('(*n: n measurements on that exam; the table shows the one of record)');
  return lines.join('\n');
}

/** Runs one workflow command; returns the exit code. */
export async function runWorkflowCommand(app: App, command: string, rest: string[], flags: Flags, argv: readonly string[], json: boolean): Promise<number> {
  const print = (value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());
  try {
    const sub = rest[0];
    if (command === 'ai') {
      if (sub === 'run') {
        const seriesId = intFlag(flags, 'series');
        let modelId = typeof flags.model === 'string' ? flags.model : undefined;
        if (!modelId) {
          const model = (await app.listModels()).find((m) => m.valid && m.labels.some((l) => l.role === 'lesion'));
          if (!model) throw new UsageError('no valid model with lesion labels is installed (see "longitude models"); name one with --model');
          modelId = model.id;
        }
        const queued = await app.runModel({ seriesId, modelId });
        const run = await app.ai.waitForRun(queued.id);
        const proposals = await app.listProposals({ runId: run.id });
        print({ run, proposals }, () =>
          [runLine(run), ...proposals.map((p) => `  proposal ${p.id}: ${p.labelName} ${p.kind}, ${p.volumeMl.toFixed(2)} mL, long axis ${mm(p.longAxisMm)}, p = ${p.meanProbability.toFixed(2)}`)].join('\n'),
        );
        return run.status === 'done' ? 0 : 1;
      }
      if (sub === 'accept') {
        const runId = intFlag(flags, 'run');
        const proposals = await app.listProposals({ runId });
        const asked = repeatedFlag(argv, 'proposal');
        for (const id of asked) if (!/^\d+$/.test(id) || !proposals.some((p) => p.id === Number(id))) throw new UsageError(`proposal ${id} is not a proposal of run ${runId}`);
        const chosen = asked.length
          ? proposals.filter((p) => asked.includes(String(p.id)))
          : proposals.filter((p) => p.status === 'proposed' && (p.kind === 'lesion' || flags['with-organ'] === true));
        const accepted: AcceptProposalResult[] = [];
        const problems: string[] = [];
        for (const p of chosen) {
          try {
            accepted.push(await app.acceptProposal(p.id));
          } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            problems.push(`proposal ${p.id}: ${e.message}`);
          }
        }
        print({ accepted, problems }, () =>
          [
            `accepted ${accepted.length} of ${chosen.length} proposal(s) of run ${runId}`,
            ...accepted.map((a) => `  proposal ${a.proposal.id} → ${a.lesion ? `lesion ${a.lesion.label} (id ${a.lesion.id}, ${a.lesion.recistRole})` : 'organ mask'}${a.measurement ? `, ${mm(a.measurement.longAxisMm)} × ${mm(a.measurement.shortAxisMm)}` : ''}`),
            ...problems.map((p) => `  not accepted: ${p}`),
          ].join('\n'),
        );
        if (chosen.length === 0) return 2;
        return problems.length ? (accepted.length ? 1 : 2) : 0;
      }
      if (sub === 'reject') {
        const ids = repeatedFlag(argv, 'proposal');
        if (!ids.length) throw new UsageError('ai reject needs --proposal <id>...');
        const rejected: AiProposal[] = [];
        for (const id of ids) rejected.push(await app.rejectProposal(Number(id)));
        print({ rejected }, () => rejected.map((p) => `proposal ${p.id} rejected`).join('\n'));
        return 0;
      }
      if (sub === 'monitor') {
        const monitoring = await app.getMonitoring(typeof flags.model === 'string' ? { modelId: flags.model } : {});
        print(monitoring, () => JSON.stringify(monitoring, null, 2));
        return 0;
      }
      throw new UsageError(`ai needs run, accept, reject or monitor`);
    }

    if (command === 'followup') {
      if (sub === 'match') {
        const bs = await studyOfSeries(app, intFlag(flags, 'baseline'));
        const fs = await studyOfSeries(app, intFlag(flags, 'followup'));
        const result = await app.matchFollowUp({ baselineStudyRowId: bs, followUpStudyRowId: fs });
        const patientRowId = result.links[0]?.patientRowId ?? result.findings[0]?.patientRowId;
        const queue = patientRowId !== undefined ? (await app.getReviewQueue({ patientRowId })).filter((i) => i.followUpStudyRowId === fs) : [];
        print({ ...result, queue }, () =>
          [
            `matched study ${fs} against the lesions known before it (baseline study ${bs})${result.registrationId ? `, registration ${result.registrationId}` : ''}`,
            ...result.warnings.map((w) => `  warning: ${w}`),
            ...result.links.map((l) => `  link-${l.id} ${l.kind} ${l.fromLabel} → ${l.toLabel}: ${l.status}${l.auto ? ' (auto)' : ''}${l.confidence !== null ? `, confidence ${l.confidence.toFixed(2)}` : ''}`),
            ...result.findings.map((f) => `  finding-${f.id} ${f.kind} ${f.label}: ${f.status}`),
            queue.length ? `${queue.length} item(s) wait for review ("followup queue")` : 'nothing waits for review',
          ].join('\n'),
        );
        return 0;
      }
      if (sub === 'queue') {
        const patientRowId = await resolvePatient(app, flags.patient);
        const items = await app.getReviewQueue({ patientRowId, includeDecided: flags.all === true });
        print({ patientRowId, items }, () => (items.length ? ['review queue:', ...items.map(itemLine)].join('\n') : 'the review queue is empty'));
        return 0;
      }
      if (sub === 'confirm' || sub === 'reject' || sub === 'equivocal' || sub === 'reopen') {
        const itemId = rest[1];
        if (!itemId) throw new UsageError(`followup ${sub} needs an item id (link-<n> or finding-<n>; see "followup queue")`);
        const item = await app.decideReviewItem({ itemId, decision: sub });
        print(item, () => itemLine(item));
        return 0;
      }
      throw new UsageError('followup needs match, queue, confirm, reject, equivocal or reopen');
    }

    if (command === 'table') {
      const patientRowId = await resolvePatient(app, flags.patient);
      const report = tableReport(await app.getLesionTable(patientRowId));
      print(report, () => tableText(report));
      return report.recistErrors.length ? 1 : 0;
    }

    if (command === 'lesion') {
      if (sub === 'list') {
        const patientRowId = await resolvePatient(app, flags.patient);
        const list = await app.listLesions(patientRowId);
        print({ patientRowId, lesions: list }, () => list.map((l) => `${l.label.padEnd(4)} id ${l.id}: ${l.site}, ${l.lesionType}, ${l.recistRole}${l.lymphNode ? ', node' : ''}`).join('\n') || '(no lesions)');
        return 0;
      }
      if (sub === 'set') {
        const lesionId = intFlag(flags, 'lesion');
        const patch: Record<string, unknown> = {};
        const text = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
        if (text('role') !== undefined) patch.recistRole = text('role');
        if (text('site') !== undefined) patch.site = text('site');
        if (text('type') !== undefined) patch.lesionType = text('type');
        if (text('notes') !== undefined) patch.notes = text('notes');
        if (text('node') !== undefined) {
          if (!['yes', 'no'].includes(text('node')!)) throw new UsageError('--node takes yes or no');
          patch.lymphNode = text('node') === 'yes';
        }
        if (!Object.keys(patch).length) throw new UsageError('lesion set needs at least one of --role, --site, --type, --node, --notes');
        const lesion = await app.updateLesion(lesionId, patch);
        print(lesion, () => `${lesion.label}: ${lesion.site}, ${lesion.lesionType}, ${lesion.recistRole}`);
        return 0;
      }
      if (sub === 'status') {
        const lesionId = intFlag(flags, 'lesion');
        const studyRowId = intFlag(flags, 'exam');
        const status = flags.status;
        if (typeof status !== 'string') throw new UsageError('--status needs a status (too-small, disappeared, not-evaluated, present, absent, unequivocal-progression, equivocal) or none');
        await app.setLesionAssessment(lesionId, studyRowId, status === 'none' ? null : (status as Parameters<App['setLesionAssessment']>[2]));
        print({ lesionId, studyRowId, status: status === 'none' ? null : status }, () => `lesion ${lesionId} on study ${studyRowId}: ${status}`);
        return 0;
      }
      throw new UsageError('lesion needs list, set or status');
    }

    if (command === 'record') {
      const lesionId = intFlag(flags, 'lesion');
      const studyRowId = intFlag(flags, 'exam');
      const m = flags.measurement;
      if (m !== 'default' && (typeof m !== 'string' || !/^\d+$/.test(m))) throw new UsageError('--measurement needs a measurement id, or "default" (the earliest)');
      await app.setMeasurementOfRecord({ lesionId, studyRowId, measurementId: m === 'default' ? null : Number(m) });
      print({ lesionId, studyRowId, measurementId: m === 'default' ? null : Number(m) }, () => `lesion ${lesionId} on study ${studyRowId}: measurement of record ${m}`);
      return 0;
    }

    if (command === 'export') {
      if (sub !== 'seg' && sub !== 'sr' && sub !== 'csv' && sub !== 'report') throw new UsageError('export needs seg, sr, report or csv');
      const exporter = app;
      if (sub === 'report') {
        if (flags.patient === undefined) throw new UsageError('export report needs --patient <patientId>');
        const r = await exporter.exportReport({ patientRowId: await resolvePatient(app, flags.patient), ...(typeof flags.out === 'string' ? { outDir: flags.out } : {}) });
        print(r, () =>
          [
            `wrote ${r.pdf} (${r.pages} page(s)) and ${r.html}: ${r.exams} exam(s), ${r.targets} target(s), ${r.keyImages} key image(s)`,
            ...r.warnings.map((w) => `  warning: ${w}`),
          ].join('\n'),
        );
        return r.warnings.length ? 1 : 0;
      }
      if (sub === 'csv') {
        if (typeof flags.out !== 'string') throw new UsageError('export csv needs --out <file>');
        if ((flags.all === true) === (flags.patient !== undefined)) throw new UsageError('export csv needs --patient <patientId> or --all');
        const r = await exporter.exportCsv({ out: resolve(flags.out), identifiers: flags.identifiers === true, ...(flags.all === true ? { all: true } : { patientRowId: await resolvePatient(app, flags.patient) }) });
        print(r, () => `wrote ${r.file}: ${r.rows} row(s) for ${r.patients} patient(s)`);
        return 0;
      }
      const studyRowId = intFlag(flags, 'exam');
      if (sub === 'sr') {
        const r = await exporter.exportSr({ studyRowId, ...(typeof flags.out === 'string' ? { outDir: flags.out } : {}) });
        print(r, () =>
          [
            `wrote ${r.file}: ${r.groups.length} lesion(s)${r.seg ? `, with ${r.seg.file}` : ''}; overall ${r.overallResponse ?? '—'}`,
            ...r.groups.map((g) => `  ${g.label} long ${g.longAxisMm ?? '—'} mm, short ${g.shortAxisMm ?? '—'} mm, volume ${g.volumeMl ?? '—'} mL, tracking UID ${g.trackingUid}`),
          ].join('\n'),
        );
        return 0;
      }
      const result = await exporter.exportSeg({ studyRowId, ...(typeof flags.out === 'string' ? { outDir: flags.out } : {}) });
      print(result, () =>
        [`wrote ${result.file}: ${result.segments.length} segment(s), ${result.frames} frame(s)`, ...result.segments.map((x) => `  ${x.segmentNumber} ${x.label} ${x.algorithmType}, ${x.voxels} voxels, tracking UID ${x.trackingUid}`)].join('\n'),
      );
      return 0;
    }

    if (command === 'demo') {
      const r = await app.createDemoPatient();
      print(r, () => `demo patient ${r.patientId} (row ${r.patientRowId}): ${r.studyRowIds.length} exams, ${r.lesions} lesion findings measured and matched; ${r.reviewItems} item(s) wait in the review queue ("followup queue --patient ${r.patientId}")`);
      return 0;
    }

    if (command === 'sr') {
      if (sub !== 'import') throw new UsageError('sr needs import --series <seriesId>');
      const r = await app.importSrMeasurements({ seriesId: intFlag(flags, 'series') });
      print(r, () =>
        [
          `read ${r.file}: ${r.measurements} measurement(s), ${r.masks} mask(s) placed; lesions matched ${r.lesionsMatched.join(', ') || 'none'}, created ${r.lesionsCreated.join(', ') || 'none'}`,
          ...r.skipped.map((x) => `  not placed: ${x}`),
        ].join('\n'),
      );
      return r.skipped.length ? 1 : 0;
    }

    if (command === 'seg') {
      if (sub !== 'place') throw new UsageError('seg needs place --series <segSeriesId>');
      const r = await app.importSegMasks({ seriesId: intFlag(flags, 'series') });
      print(r, () =>
        [
          `placed ${r.masks} mask(s) on series ${r.targetSeriesId ?? '(its CT is not in the library)'}; lesions matched ${r.lesionsMatched.join(', ') || 'none'}, created ${r.lesionsCreated.join(', ') || 'none'}`,
          ...r.skipped.map((x) => `  not placed: ${x}`),
        ].join('\n'),
      );
      return r.skipped.length ? 1 : 0;
    }

    if (command === 'signoff') {
      const studyRowId = intFlag(flags, 'exam');
      const signoff =
        flags.reopen === true
          ? await app.reopenExam({ studyRowId, reason: typeof flags.reason === 'string' ? flags.reason : '' })
          : await app.signOffExam({ studyRowId });
      print(signoff, () =>
        signoff.reopenedAt
          ? `study ${studyRowId} reopened by ${signoff.reopenedBy!.name} at ${signoff.reopenedAt}: ${signoff.reopenReason}`
          : `study ${studyRowId} signed by ${signoff.reader.name} at ${signoff.signedAt}: overall ${signoff.summary.overallResponse ?? '(baseline)'}, sum ${mm(signoff.summary.sumMm)}`,
      );
      return 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${WORKFLOW_USAGE}`);
      return 2;
    }
    if (err instanceof ApiError) {
      console.error(`error: ${err.message}`);
      // A refused change, an unknown id or bad input: nothing was done.
      return err.kind === 'invalid' || err.kind === 'not-found' || err.kind === 'conflict' ? 2 : 1;
    }
    throw err;
  }
}
