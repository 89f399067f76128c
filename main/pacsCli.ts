/**
 * The PACS from the command line (issue 13): nodes, echo, find, retrieve, send, listen.
 *   pacs add <name> (--dicomweb <url> | --host <h> --port <p> --aet <AE>) [--auth basic|bearer --user <u>] [--retrieve wado-rs|c-get|c-move] [--auto-priors] [--no-priors]
 *   pacs list | remove <name> | echo <name> | transfers
 *   pacs find <name> [--patient-id X] [--name "DOE*"] [--birth-date YYYYMMDD] [--date 20240101-20241231] [--modality CT] [--accession A] [--study <uid>]
 *   pacs series <name> --study <StudyInstanceUID>
 *   pacs retrieve <name> --study <StudyInstanceUID> [--series <uid>]... [--method wado-rs|c-get|c-move]
 *   pacs send <name> --exam <studyId> [--what sr,seg,report]
 *   pacs priors --patient <patientId>
 *   pacs listen [--aet LONGITUDE] [--port 11112] [--allow AE1,AE2]     (runs until Ctrl+C)
 * A password or token is read from the environment variable LONGITUDE_PACS_SECRET, or from the
 * first line of standard input with --secret-stdin; never from the command line (it would show in
 * the process list and the shell history).
 */
import type { NewPacsNode, PacsAuth, RetrieveMethod } from '../core/api/domains/pacs';
import type { App } from './services/app';
import { repeatedFlag } from './workflowCli';

export const PACS_COMMANDS = ['pacs'] as const;

export const PACS_USAGE = `  pacs add <name> (--dicomweb <url> | --host <h> --port <p> --aet <AE>) [--auth basic --user <u> | --auth bearer] [--retrieve wado-rs|c-get|c-move] [--auto-priors] [--no-priors]
                                                      a PACS node (secret from LONGITUDE_PACS_SECRET or --secret-stdin)
  pacs list | remove <name> | echo <name> | transfers nodes; C-ECHO / QIDO; what travelled and who asked
  pacs find <name> [--patient-id X] [--name "DOE*"] [--birth-date D] [--date 20240101-20241231] [--modality CT] [--accession A]
  pacs series <name> --study <uid>                    the series of a study on the PACS
  pacs retrieve <name> --study <uid> [--series <uid>]... [--method wado-rs|c-get|c-move]   into the library, with the import report
  pacs send <name> --exam <studyId> [--what sr,seg,report]   the exam's results, filed under its patient and study
  pacs priors --patient <patientId>                   the patient's other CT studies on the PACS, not yet in the library
  pacs listen [--aet LONGITUDE] [--port 11112] [--allow AE1,AE2]   receive what is pushed (C-STORE) until Ctrl+C`;

class UsageError extends Error {}

type Flags = Record<string, string | boolean>;

function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

async function readSecret(flags: Flags): Promise<string | null> {
  if (flags['secret-stdin'] === true) {
    let data = '';
    for await (const chunk of process.stdin) data += String(chunk);
    return data.split(/\r?\n/)[0] ?? '';
  }
  return process.env.LONGITUDE_PACS_SECRET ?? null;
}

function bytesText(b: number): string {
  return b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MB` : `${(b / 1024).toFixed(0)} KB`;
}

export async function runPacsCommand(app: App, rest: string[], flags: Flags, argv: readonly string[], json: boolean): Promise<number> {
  const print = (value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());
  const [sub, name] = rest;
  try {
    switch (sub) {
      case 'add': {
        if (!name) throw new UsageError('pacs add needs a name');
        const auth = (str(flags, 'auth') ?? 'none') as PacsAuth;
        if (!['none', 'basic', 'bearer'].includes(auth)) throw new UsageError('--auth must be basic or bearer');
        const secret = auth === 'none' ? null : await readSecret(flags);
        if (auth !== 'none' && !secret) throw new UsageError(`--auth ${auth} needs the ${auth === 'basic' ? 'password' : 'token'} in LONGITUDE_PACS_SECRET or on standard input with --secret-stdin`);
        const existing = (await app.listPacsNodes()).find((n) => n.name === name);
        const input: NewPacsNode & { id?: number } = {
          ...(existing ? { id: existing.id } : {}),
          name,
          dicomwebUrl: str(flags, 'dicomweb') ?? null,
          host: str(flags, 'host') ?? null,
          port: str(flags, 'port') !== undefined ? Number(str(flags, 'port')) : null,
          aeTitle: str(flags, 'aet') ?? null,
          auth,
          username: str(flags, 'user') ?? null,
          secret,
          ...(str(flags, 'retrieve') ? { retrieveMethod: str(flags, 'retrieve') as RetrieveMethod } : {}),
          queryPriors: flags['no-priors'] !== true,
          autoRetrievePriors: flags['auto-priors'] === true,
        };
        const node = await app.savePacsNode(input);
        print(node, () => `${existing ? 'updated' : 'added'} ${node.name}: ${[node.dicomwebUrl, node.aeTitle ? `${node.aeTitle}@${node.host}:${node.port}` : null].filter(Boolean).join(' and ')}, retrieve by ${node.retrieveMethod}${node.auth !== 'none' ? `, ${node.auth} auth (secret stored outside the registry)` : ''}`);
        return 0;
      }
      case 'list': {
        const nodes = await app.listPacsNodes();
        const receiver = await app.receiverStatus();
        print({ nodes, receiver }, () =>
          [
            ...nodes.map((n) => `${n.name.padEnd(12)} ${[n.dicomwebUrl, n.aeTitle ? `${n.aeTitle}@${n.host}:${n.port}` : null].filter(Boolean).join('  ')}  retrieve ${n.retrieveMethod}${n.auth !== 'none' ? `  ${n.auth}` : ''}${n.queryPriors ? '  priors' : ''}${n.autoRetrievePriors ? ' (auto)' : ''}`),
            nodes.length ? '' : '(no PACS node: "pacs add")',
            `receiver: ${receiver.running ? 'listening' : 'off'} as ${receiver.aeTitle} on port ${receiver.port}${receiver.allowedCallingAets.length ? `, accepting ${receiver.allowedCallingAets.join(', ')}` : ''}`,
          ].filter((l) => l !== '').join('\n'),
        );
        return 0;
      }
      case 'remove': {
        if (!name) throw new UsageError('pacs remove needs a name');
        await app.removePacsNode({ name });
        print({ removed: name }, () => `removed ${name}`);
        return 0;
      }
      case 'echo': {
        if (!name) throw new UsageError('pacs echo needs a name');
        const r = await app.echoPacs({ name });
        const line = (what: string, x: { ok: boolean; ms: number; error?: string } | null) => (x ? `${what}: ${x.ok ? `ok (${x.ms} ms)` : `failed — ${x.error}`}` : null);
        print(r, () => [line('DIMSE C-ECHO', r.dimse), line('DICOMweb', r.dicomweb)].filter(Boolean).join('\n'));
        return [r.dimse, r.dicomweb].some((x) => x && !x.ok) ? 1 : 0;
      }
      case 'find': {
        if (!name) throw new UsageError('pacs find needs a node name');
        const query = {
          patientId: str(flags, 'patient-id'),
          patientName: str(flags, 'name'),
          birthDate: str(flags, 'birth-date'),
          studyDate: str(flags, 'date'),
          modality: str(flags, 'modality'),
          accessionNumber: str(flags, 'accession'),
          studyInstanceUid: str(flags, 'study'),
        };
        const studies = await app.findPacsStudies({ name, query });
        print(studies, () =>
          studies.length
            ? studies.map((s) => `${s.studyDate ?? '????-??-??'}  ${s.patientId.padEnd(12)} ${s.patientName.padEnd(24)} ${s.modalities.join('/').padEnd(6)} ${String(s.seriesCount ?? '?').padStart(3)} series ${String(s.instanceCount ?? '?').padStart(5)} images  ${s.description}${s.inLibrary ? '  [in library]' : ''}\n    ${s.studyInstanceUid}`).join('\n')
            : '(nothing found)',
        );
        return 0;
      }
      case 'series': {
        if (!name || !str(flags, 'study')) throw new UsageError('pacs series needs a node name and --study <uid>');
        const series = await app.findPacsSeries({ name, studyInstanceUid: str(flags, 'study')! });
        print(series, () => series.map((s) => `${String(s.seriesNumber ?? '').padStart(4)} ${s.modality.padEnd(4)} ${String(s.instanceCount ?? '?').padStart(5)} images  ${s.description}${s.inLibrary ? '  [in library]' : ''}\n    ${s.seriesInstanceUid}`).join('\n') || '(no series)');
        return 0;
      }
      case 'retrieve': {
        if (!name || !str(flags, 'study')) throw new UsageError('pacs retrieve needs a node name and --study <uid>');
        const method = str(flags, 'method') as RetrieveMethod | undefined;
        if (method && !['wado-rs', 'c-get', 'c-move'].includes(method)) throw new UsageError('--method must be wado-rs, c-get or c-move');
        if (method === 'c-move') await app.setReceiver({ running: true });
        const controller = { jobId: `cli-${process.pid}-${Date.now()}` };
        const onSigint = () => void app.cancelPacsJob({ jobId: controller.jobId });
        process.once('SIGINT', onSigint);
        try {
          const r = await app.retrievePacs({ name, studyInstanceUid: str(flags, 'study')!, seriesInstanceUids: repeatedFlag(argv, 'series'), ...(method ? { method } : {}), jobId: controller.jobId });
          print(r, () =>
            [
              `retrieved ${r.received}${r.expected !== null ? ` of ${r.expected}` : ''} instance(s), ${bytesText(r.bytes)} in ${r.seconds.toFixed(1)} s by ${r.method}; imported ${r.report.imported}, duplicates ${r.report.duplicates}, skipped ${r.report.skipped}`,
              ...r.report.series.map((s) => `  series ${s.id} "${s.description}" ${s.sliceCount} slices${s.warnings.length ? ` — ${s.warnings.join('; ')}` : ''}`),
              ...r.report.files.filter((f) => f.outcome === 'skipped').map((f) => `  skipped ${f.file}: ${f.reason}`),
              ...r.missing.map((m) => `  missing: ${m}`),
            ].join('\n'),
          );
          return r.missing.length || r.report.skipped ? 1 : 0;
        } finally {
          process.off('SIGINT', onSigint);
        }
      }
      case 'send': {
        if (!name || !str(flags, 'exam')) throw new UsageError('pacs send needs a node name and --exam <studyId>');
        const what = (str(flags, 'what') ?? 'sr,seg,report').split(',').map((w) => w.trim()) as ('sr' | 'seg' | 'report')[];
        const r = await app.sendToPacs({ name, studyRowId: Number(str(flags, 'exam')), what });
        print(r, () => [...r.sent.map((s) => `sent ${s.what}: ${s.sopInstanceUid}`), ...r.failed.map((f) => `not sent ${f.what}: ${f.reason}`)].join('\n'));
        return r.failed.length ? (r.sent.length ? 1 : 2) : 0;
      }
      case 'priors': {
        const patient = str(flags, 'patient');
        if (!patient) throw new UsageError('pacs priors needs --patient <patientId>');
        const patients = await app.listPatients();
        const p = patients.find((x) => x.patientId === patient) ?? patients.find((x) => String(x.id) === patient);
        if (!p) throw new UsageError(`no patient ${patient} in the library`);
        const r = await app.findPriors({ patientRowId: p.id });
        print(r, () =>
          [
            ...r.studies.map((s) => `${s.node.padEnd(10)} ${s.studyDate ?? '????-??-??'}  ${s.modalities.join('/')}  ${s.description}  ${s.studyInstanceUid}`),
            r.studies.length ? '' : '(no prior missing from the library)',
            ...r.errors.map((e) => `${e.node}: ${e.error}`),
            ...r.retrieving.map((j) => `retrieving: ${j}`),
          ].filter((l) => l !== '').join('\n'),
        );
        return r.errors.length ? 1 : 0;
      }
      case 'transfers': {
        const rows = app.pacs.transfers(50);
        print(rows, () => rows.map((t) => `${t.startedAt}  ${t.direction.padEnd(8)} ${t.node.padEnd(10)} ${t.method.padEnd(7)} ${t.status.padEnd(9)} ${String(t.instances).padStart(5)} inst  ${t.what}${t.readerName ? `  by ${t.readerName}` : ''}${t.error ? `\n    ${t.error}` : ''}`).join('\n') || '(nothing yet)');
        return 0;
      }
      case 'listen': {
        const allow = str(flags, 'allow');
        const status = await app.setReceiver({
          running: true,
          ...(str(flags, 'aet') ? { aeTitle: str(flags, 'aet') } : {}),
          ...(str(flags, 'port') ? { port: Number(str(flags, 'port')) } : {}),
          ...(allow !== undefined ? { allowedCallingAets: allow.split(',').map((a) => a.trim()).filter(Boolean) } : {}),
        });
        print(status, () => `listening as ${status.aeTitle} on port ${status.port}${status.allowedCallingAets.length ? `, accepting ${status.allowedCallingAets.join(', ')}` : ', accepting any calling AE'}; Ctrl+C stops`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        // The receiver's setting stays as it was before this foreground run.
        await app.setReceiver({ running: false });
        return 0;
      }
      default:
        throw new UsageError(`pacs needs one of add, list, remove, echo, find, series, retrieve, send, priors, transfers, listen`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${PACS_USAGE}`);
      return 2;
    }
    throw err;
  }
}
