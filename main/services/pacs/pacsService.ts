/**
 * The pacs domain: nodes, query, retrieve into the library through the same importer as any
 * folder (with its report), send an exam's results back, priors of an open patient, and the
 * C-STORE receiver. Transports: DICOMweb (dicomweb.ts) and DIMSE (dimse.ts, receiver.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportApi } from '../../../core/api/domains/export';
import type {
  NewPacsNode,
  PacsApi,
  PacsNode,
  PacsPriors,
  PacsProgressEvent,
  PacsQuery,
  PacsRetrieveResult,
  PacsSendResult,
  PacsSeries,
  PacsStudy,
  ReceiverStatus,
  RetrieveMethod,
} from '../../../core/api/domains/pacs';
import { invalid, notFound, requireInt } from '../../../core/api/errors';
import type { ImportReport } from '../../../core/api/types';
import { listPatients, primaryImageSeries } from '../library/catalog';
import type { Db } from '../registry/db';
import { currentReader, withReader } from '../session/readerContext';
import { DicomwebTransport } from './dicomweb';
import { DimseTransport } from './dimse';
import * as store from './pacsStore';
import { StoreReceiver } from './receiver';
import type { SecretStore } from './secretStore';
import { PacsError, type PacsTransport } from './transport';

export interface PacsDeps {
  db: Db;
  homeDir: string;
  secrets: SecretStore;
  /** The library's importer: what arrives goes through it, with its report. */
  importPaths(paths: string[]): Promise<ImportReport>;
  /** Results to send: SR (+ SEG) and the report as Encapsulated PDF. */
  exports: Pick<ExportApi, 'exportSr'> & { exportReportDicom(input: { patientRowId: number; studyRowId: number; outDir?: string }): Promise<{ file: string; sopInstanceUid: string }> };
  emit(e: PacsProgressEvent): void;
  /** Start the receiver when the settings say so (off in tests unless asked). */
  startReceiverFromSettings?: boolean;
}

const DEFAULT_RECEIVER = { aeTitle: 'LONGITUDE', port: 11112, allowedCallingAets: [] as string[], running: false };
type ReceiverSettings = typeof DEFAULT_RECEIVER;

export class PacsService implements PacsApi {
  private readonly jobs = new Map<string, AbortController>();
  private receiver: StoreReceiver | null = null;
  private receiverError: string | null = null;
  private received = 0;

  constructor(private readonly deps: PacsDeps) {}

  private get db(): Db {
    return this.deps.db;
  }

  /** Start the receiver if it was left on (called once at start-up by the composition root). */
  async init(): Promise<void> {
    const s = this.receiverSettings();
    if (s.running) await this.setReceiver({ running: true }).catch((e) => (this.receiverError = e instanceof Error ? e.message : String(e)));
  }

  async close(): Promise<void> {
    for (const c of this.jobs.values()) c.abort();
    await this.receiver?.stop();
    this.receiver = null;
  }

  // ---- nodes ----

  async listPacsNodes(): Promise<PacsNode[]> {
    return store.listNodes(this.db);
  }

  async savePacsNode(input: NewPacsNode & { id?: number }): Promise<PacsNode> {
    if (!input || typeof input !== 'object') throw invalid('savePacsNode needs a node');
    return store.saveNode(this.db, this.deps.secrets, input);
  }

  async removePacsNode(input: { name: string }): Promise<void> {
    store.removeNode(this.db, this.deps.secrets, String(input?.name ?? ''));
  }

  private receiverSettings(): ReceiverSettings {
    return { ...DEFAULT_RECEIVER, ...store.getSetting<Partial<ReceiverSettings>>(this.db, 'receiver', {}) };
  }

  /** The transport for a node: DICOMweb for QIDO/WADO/STOW when it has a URL (or `prefer`), DIMSE otherwise. */
  private transport(node: PacsNode, prefer?: 'dicomweb' | 'dimse', method?: RetrieveMethod): PacsTransport {
    const useWeb = prefer === 'dicomweb' || (prefer !== 'dimse' && node.dicomwebUrl !== null && (method === undefined || method === 'wado-rs'));
    if (useWeb) {
      if (!node.dicomwebUrl) throw invalid(`node ${node.name} has no DICOMweb URL`);
      const secret = node.auth === 'none' ? null : store.nodeSecret(this.db, this.deps.secrets, node.name);
      if (node.auth !== 'none' && !secret) throw invalid(`node ${node.name}: its ${node.auth === 'basic' ? 'password' : 'token'} is missing; save the node again with it`);
      const auth = node.auth === 'basic' ? { kind: 'basic' as const, username: node.username ?? '', password: secret! } : node.auth === 'bearer' ? { kind: 'bearer' as const, token: secret! } : { kind: 'none' as const };
      return new DicomwebTransport({ nodeName: node.name, baseUrl: node.dicomwebUrl, auth });
    }
    if (!node.aeTitle || !node.host || !node.port) throw invalid(`node ${node.name} has no DIMSE peer (AE title, host, port)`);
    const r = this.receiverSettings();
    const m = method === 'c-move' ? 'c-move' : 'c-get';
    return new DimseTransport({
      nodeName: node.name,
      callingAet: r.aeTitle,
      calledAet: node.aeTitle,
      host: node.host,
      port: node.port,
      retrieveMethod: m,
      ...(m === 'c-move' ? { moveDestinationAet: r.aeTitle, receiver: this.receiver ?? undefined } : {}),
    });
  }

  async echoPacs(input: { name: string }) {
    const node = store.getNode(this.db, String(input?.name ?? ''));
    const timed = async (t: PacsTransport) => {
      const t0 = performance.now();
      try {
        await t.echo(AbortSignal.timeout(15_000));
        return { ok: true, ms: Math.round(performance.now() - t0) };
      } catch (e) {
        return { ok: false, ms: Math.round(performance.now() - t0), error: e instanceof Error ? e.message : String(e) };
      }
    };
    return {
      node: node.name,
      dimse: node.aeTitle ? await timed(this.transport(node, 'dimse')) : null,
      dicomweb: node.dicomwebUrl ? await timed(this.transport(node, 'dicomweb')) : null,
    };
  }

  async findPacsStudies(input: { name: string; query: PacsQuery }): Promise<PacsStudy[]> {
    const node = store.getNode(this.db, String(input?.name ?? ''));
    const q = checkQuery(input?.query ?? {});
    const found = await this.transport(node).findStudies(q, AbortSignal.timeout(60_000));
    const have = store.studiesInLibrary(this.db, found.map((s) => s.studyInstanceUid));
    return found.map((s) => ({ ...s, inLibrary: have.has(s.studyInstanceUid) }));
  }

  async findPacsSeries(input: { name: string; studyInstanceUid: string }): Promise<PacsSeries[]> {
    const node = store.getNode(this.db, String(input?.name ?? ''));
    if (!input?.studyInstanceUid) throw invalid('findPacsSeries needs { name, studyInstanceUid }');
    const found = await this.transport(node).findSeries(input.studyInstanceUid, AbortSignal.timeout(60_000));
    const have = store.seriesInLibrary(this.db, found.map((s) => s.seriesInstanceUid));
    return found.map((s) => ({ ...s, inLibrary: have.has(s.seriesInstanceUid) }));
  }

  // ---- retrieve ----

  async retrievePacs(input: { name: string; studyInstanceUid: string; seriesInstanceUids?: string[]; method?: RetrieveMethod; jobId?: string }): Promise<PacsRetrieveResult> {
    const node = store.getNode(this.db, String(input?.name ?? ''));
    if (!input?.studyInstanceUid) throw invalid('retrievePacs needs { name, studyInstanceUid }');
    const method = input.method ?? node.retrieveMethod;
    if (method === 'wado-rs' && !node.dicomwebUrl) throw invalid(`node ${node.name} has no DICOMweb URL for WADO-RS; use c-get or c-move`);
    if (method !== 'wado-rs' && !node.aeTitle) throw invalid(`node ${node.name} has no DIMSE peer for ${method.toUpperCase()}; use wado-rs`);
    if (method === 'c-move' && !this.receiver) throw invalid(`C-MOVE sends the images to this workstation's receiver, which is not running: start it ("pacs listen") and register its AE title ${this.receiverSettings().aeTitle} and port ${this.receiverSettings().port} at ${node.name}`);
    const jobId = input.jobId ?? randomUUID();
    if (this.jobs.has(jobId)) throw invalid(`job ${jobId} is already running`);
    const controller = new AbortController();
    this.jobs.set(jobId, controller);
    const transferId = store.startTransfer(this.db, { direction: 'retrieve', node: node.name, method, studyUid: input.studyInstanceUid, what: input.seriesInstanceUids?.length ? `${input.seriesInstanceUids.length} series` : 'study' });
    const staging = join(this.deps.homeDir, 'incoming');
    mkdirSync(staging, { recursive: true });
    const dest = mkdtempSync(join(staging, 'retrieve-'));
    const t0 = performance.now();
    const emit = (phase: PacsProgressEvent['phase'], done: number, total: number | null, bytes: number, message?: string) =>
      this.deps.emit({ jobId, node: node.name, phase, done, total, bytes, ...(message ? { message } : {}) });
    let received = 0;
    let bytes = 0;
    try {
      emit('retrieve', 0, null, 0);
      // A cancel answers at once, whatever the transport is waiting on; the transport stops in the background.
      const cancelled = new Promise<never>((_, reject) => {
        const fail = () => reject(new PacsError('cancelled', `retrieval from ${node.name} was cancelled`));
        if (controller.signal.aborted) fail();
        else controller.signal.addEventListener('abort', fail, { once: true });
      });
      cancelled.catch(() => undefined);
      const transfer = this.transport(node, method === 'wado-rs' ? 'dicomweb' : 'dimse', method).retrieve({
        studyInstanceUid: input.studyInstanceUid,
        ...(input.seriesInstanceUids?.length ? { seriesInstanceUids: input.seriesInstanceUids } : {}),
        destDir: dest,
        signal: controller.signal,
        onProgress: (p) => {
          received = p.done;
          bytes = p.bytes;
          if (!controller.signal.aborted) emit('retrieve', p.done, p.total, p.bytes);
        },
      });
      transfer.catch(() => undefined);
      const outcome = await Promise.race([transfer, cancelled]);
      if (controller.signal.aborted) throw new PacsError('cancelled', `retrieval from ${node.name} was cancelled`);
      received = outcome.files.length;
      bytes = outcome.bytes;
      if (received === 0 && !outcome.expected)
        throw notFound(`${node.name} has no study ${input.studyInstanceUid}${input.seriesInstanceUids?.length ? ` with series ${input.seriesInstanceUids.join(', ')}` : ''}${outcome.missing.length ? ` (${outcome.missing.join('; ')})` : ''}`);
      emit('import', 0, outcome.files.length, bytes);
      // Everything that arrived goes through the importer, file by file, with its report.
      const report = outcome.files.length ? await this.deps.importPaths([dest]) : emptyReport();
      const missing = [...outcome.missing];
      if (outcome.expected !== null && outcome.files.length < outcome.expected && missing.length === 0)
        missing.push(`${outcome.expected - outcome.files.length} of ${outcome.expected} instance(s) announced by ${node.name} did not arrive`);
      const status = missing.length || report.files.some((f) => f.outcome === 'skipped') ? 'partial' : 'done';
      store.finishTransfer(this.db, transferId, { status, instances: received, bytes, error: missing.length ? missing.slice(0, 5).join('; ') : null });
      emit('done', received, outcome.expected, bytes);
      return {
        node: node.name,
        method,
        studyInstanceUid: input.studyInstanceUid,
        seriesInstanceUids: [...new Set(report.series.map((s) => s.seriesInstanceUid))],
        expected: outcome.expected,
        received,
        bytes,
        seconds: (performance.now() - t0) / 1000,
        report,
        missing,
        cancelled: false,
      };
    } catch (e) {
      const cancelled = controller.signal.aborted || (e instanceof PacsError && e.code === 'cancelled');
      store.finishTransfer(this.db, transferId, { status: cancelled ? 'cancelled' : 'failed', instances: received, bytes, error: e instanceof Error ? e.message : String(e) });
      emit(cancelled ? 'cancelled' : 'failed', received, null, bytes, e instanceof Error ? e.message : String(e));
      if (cancelled) throw new PacsError('cancelled', `retrieval of study ${input.studyInstanceUid} from ${node.name} was cancelled; nothing of it was imported`);
      throw e;
    } finally {
      this.jobs.delete(jobId);
      rmSync(dest, { recursive: true, force: true });
    }
  }

  async cancelPacsJob(input: { jobId: string }): Promise<{ cancelled: boolean }> {
    const c = this.jobs.get(String(input?.jobId ?? ''));
    if (!c) return { cancelled: false };
    c.abort();
    return { cancelled: true };
  }

  // ---- send ----

  async sendToPacs(input: { name: string; studyRowId: number; what?: ('sr' | 'seg' | 'report')[]; jobId?: string }): Promise<PacsSendResult> {
    const node = store.getNode(this.db, String(input?.name ?? ''));
    const studyRowId = requireInt(input?.studyRowId, 'study id');
    const what = input.what?.length ? input.what : (['sr', 'seg', 'report'] as const);
    for (const w of what) if (w !== 'sr' && w !== 'seg' && w !== 'report') throw invalid(`cannot send "${w}": choose among sr, seg, report`);
    const patientRowId = (this.db.prepare('SELECT patient_id AS p FROM studies WHERE id = ?').get(studyRowId) as { p: number } | undefined)?.p;
    if (patientRowId === undefined) throw notFound(`study ${studyRowId} is not in the library`);
    if (primaryImageSeries(this.db, studyRowId) === null) throw invalid(`study ${studyRowId} has no image series: its results cannot be filed with it`);
    const jobId = input.jobId ?? randomUUID();
    mkdirSync(join(this.deps.homeDir, 'incoming'), { recursive: true });
    const out = mkdtempSync(join(this.deps.homeDir, 'incoming', 'send-'));
    const files: { what: 'sr' | 'seg' | 'report'; file: string }[] = [];
    const failed: PacsSendResult['failed'] = [];
    const transferId = store.startTransfer(this.db, { direction: 'send', node: node.name, method: node.dicomwebUrl ? 'stow-rs' : 'c-store', studyUid: null, what: what.join(',') });
    try {
      if (what.includes('sr') || what.includes('seg')) {
        try {
          const sr = await this.deps.exports.exportSr({ studyRowId, outDir: out });
          if (what.includes('sr')) files.push({ what: 'sr', file: sr.file });
          if (what.includes('seg')) {
            if (sr.seg) files.push({ what: 'seg', file: sr.seg.file });
            else failed.push({ what: 'seg', reason: `study ${studyRowId} has no lesion or liver mask to send` });
          }
        } catch (e) {
          for (const w of ['sr', 'seg'] as const) if (what.includes(w)) failed.push({ what: w, reason: e instanceof Error ? e.message : String(e) });
        }
      }
      if (what.includes('report')) {
        try {
          files.push({ what: 'report', file: (await this.deps.exports.exportReportDicom({ patientRowId, studyRowId, outDir: out })).file });
        } catch (e) {
          failed.push({ what: 'report', reason: e instanceof Error ? e.message : String(e) });
        }
      }
      this.deps.emit({ jobId, node: node.name, phase: 'send', done: 0, total: files.length, bytes: 0 });
      const result = files.length ? await this.transport(node).store(files.map((f) => f.file), AbortSignal.timeout(300_000)) : { stored: [], failed: [] };
      const sent = result.stored.map((s) => ({ what: files.find((f) => f.file === s.file)!.what, file: s.file, sopInstanceUid: s.sopInstanceUid }));
      for (const f of result.failed) failed.push({ what: files.find((x) => x.file === f.file)?.what ?? 'sr', reason: `${node.name} refused it: ${f.reason}` });
      store.finishTransfer(this.db, transferId, { status: failed.length ? (sent.length ? 'partial' : 'failed') : 'done', instances: sent.length, bytes: 0, error: failed.map((f) => `${f.what}: ${f.reason}`).join('; ') || null });
      this.deps.emit({ jobId, node: node.name, phase: 'done', done: sent.length, total: files.length, bytes: 0 });
      return { node: node.name, studyRowId, sent, failed };
    } catch (e) {
      store.finishTransfer(this.db, transferId, { status: 'failed', instances: 0, bytes: 0, error: e instanceof Error ? e.message : String(e) });
      this.deps.emit({ jobId, node: node.name, phase: 'failed', done: 0, total: files.length, bytes: 0, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }

  // ---- priors ----

  async findPriors(input: { patientRowId: number }): Promise<PacsPriors> {
    const patientRowId = requireInt(input?.patientRowId, 'patient id');
    const patient = listPatients(this.db).find((p) => p.id === patientRowId);
    if (!patient) throw notFound(`patient ${patientRowId} is not in the library`);
    const out: PacsPriors = { patientRowId, studies: [], errors: [], retrieving: [] };
    const reader = currentReader();
    for (const node of store.listNodes(this.db).filter((n) => n.queryPriors)) {
      try {
        const found = await this.findPacsStudies({ name: node.name, query: { patientId: patient.patientId } });
        // Other CT studies of the patient: ModalitiesInStudy is matched here, as some PACS ignore it in the query.
        const priors = found.filter((s) => !s.inLibrary && (s.modalities.length === 0 || s.modalities.includes('CT')) && s.patientId === patient.patientId);
        out.studies.push(...priors.map((s) => ({ ...s, node: node.name })));
        if (node.autoRetrievePriors)
          for (const s of priors) {
            const jobId = `prior-${s.studyInstanceUid}`;
            if (this.jobs.has(jobId)) continue;
            out.retrieving.push(jobId);
            void withReader(reader, () => this.retrievePacs({ name: node.name, studyInstanceUid: s.studyInstanceUid, jobId })).catch(() => undefined);
          }
      } catch (e) {
        out.errors.push({ node: node.name, error: e instanceof Error ? e.message : String(e) });
      }
    }
    out.studies.sort((a, b) => (b.studyDate ?? '').localeCompare(a.studyDate ?? ''));
    return out;
  }

  // ---- receiver ----

  async receiverStatus(): Promise<ReceiverStatus> {
    const s = this.receiverSettings();
    return { running: this.receiver !== null, aeTitle: s.aeTitle, port: s.port, allowedCallingAets: s.allowedCallingAets, received: this.received, lastError: this.receiverError };
  }

  async setReceiver(input: { running: boolean; aeTitle?: string; port?: number; allowedCallingAets?: string[] }): Promise<ReceiverStatus> {
    const cur = this.receiverSettings();
    const next: ReceiverSettings = {
      running: input?.running === true,
      aeTitle: input?.aeTitle?.trim() || cur.aeTitle,
      port: input?.port === undefined ? cur.port : Number(input.port),
      allowedCallingAets: input?.allowedCallingAets ?? cur.allowedCallingAets,
    };
    if (!store.validAeTitle(next.aeTitle)) throw invalid(`"${next.aeTitle}" is not a DICOM AE title (1-16 printable characters, no backslash)`);
    if (!Number.isInteger(next.port) || next.port < 1 || next.port > 65535) throw invalid(`receiver port ${input.port} is not a TCP port`);
    for (const ae of next.allowedCallingAets) if (!store.validAeTitle(ae)) throw invalid(`"${ae}" is not a DICOM AE title`);
    if (this.receiver) {
      await this.receiver.stop();
      this.receiver = null;
    }
    this.receiverError = null;
    if (next.running) {
      const incoming = join(this.deps.homeDir, 'incoming', 'received');
      mkdirSync(incoming, { recursive: true });
      const receiver = new StoreReceiver({ aeTitle: next.aeTitle, port: next.port, allowedCallingAets: next.allowedCallingAets, incomingDir: incoming });
      receiver.on('association-released', (ev: { files: string[]; callingAet: string }) => void this.importReceived(ev.files, ev.callingAet));
      try {
        await receiver.start();
      } catch (e) {
        this.receiverError = `the receiver could not listen on port ${next.port}: ${e instanceof Error ? e.message : String(e)}`;
        store.setSetting(this.db, 'receiver', { ...next, running: false });
        throw invalid(this.receiverError);
      }
      this.receiver = receiver;
    }
    store.setSetting(this.db, 'receiver', next);
    return this.receiverStatus();
  }

  /** What a PACS or modality pushed: imported as one batch when its association ends. */
  private async importReceived(files: string[], callingAet: string): Promise<void> {
    if (!files.length) return;
    const batch = mkdtempSync(join(this.deps.homeDir, 'incoming', 'batch-'));
    const transferId = store.startTransfer(this.db, { direction: 'receive', node: callingAet, method: 'c-store', studyUid: null, what: `${files.length} instance(s)` });
    try {
      // Files of this association only: moved into a batch folder of their own.
      let bytes = 0;
      for (const f of files) {
        const to = join(batch, f.split('/').pop()!);
        renameSync(f, to);
        bytes += statSync(to).size;
      }
      const report = await withReader({ name: `DICOM push from ${callingAet}` }, () => this.deps.importPaths([batch]));
      this.received += report.imported;
      store.finishTransfer(this.db, transferId, { status: report.files.some((x) => x.outcome === 'skipped') ? 'partial' : 'done', instances: files.length, bytes });
    } catch (e) {
      this.receiverError = e instanceof Error ? e.message : String(e);
      store.finishTransfer(this.db, transferId, { status: 'failed', instances: files.length, bytes: 0, error: this.receiverError });
    } finally {
      rmSync(batch, { recursive: true, force: true });
    }
  }

  /** Transfers, newest first (CLI and tests). */
  transfers(limit = 100): store.TransferRow[] {
    return store.listTransfers(this.db, limit);
  }
}

function emptyReport(): ImportReport {
  return { imported: 0, skipped: 0, duplicates: 0, files: [], series: [], durationMs: 0 };
}

/** Query fields checked before they reach the PACS (a malformed date would be an error there, or worse, match everything). */
export function checkQuery(q: PacsQuery): PacsQuery {
  const out: PacsQuery = {};
  for (const [k, v] of Object.entries(q ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw invalid(`query field ${k} must be text`);
    (out as Record<string, string>)[k] = v.trim();
  }
  if (out.studyDate && !/^(\d{8})?-?(\d{8})?$/.test(out.studyDate.replace(/\s/g, ''))) throw invalid(`study date "${out.studyDate}" must be YYYYMMDD or a range YYYYMMDD-YYYYMMDD`);
  if (out.birthDate && !/^\d{8}$/.test(out.birthDate)) throw invalid(`birth date "${out.birthDate}" must be YYYYMMDD`);
  if (out.modality && !/^[A-Z]{2,4}$/.test(out.modality)) throw invalid(`modality "${out.modality}" must be a DICOM modality such as CT`);
  return out;
}
