/**
 * The DIMSE transport (dcmjs-dimse as SCU): C-ECHO, C-FIND (Study Root, STUDY and SERIES
 * levels), retrieve by C-GET (instances arrive as C-STORE sub-operations on our association and
 * are streamed to disk) or by C-MOVE (to this workstation's receiver, which routes them to the
 * retrieval's folder), and C-STORE of files as they are on disk (their own bytes, no re-encoding).
 *
 * Every failure is a PacsError naming the node and what to do. The library's Client builds its
 * network per association; two of its per-instance methods are set here (`network` is not in
 * its typings): the C-STORE stream hooks, so that a C-GET writes each instance to a `.part`
 * file as its PDVs arrive, and the association request, to propose the storage presentation
 * contexts (with the SCP role) and the exact transfer syntaxes of the files we send.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type * as dimseNs from 'dcmjs-dimse';
import type { PacsQuery } from '../../../core/api/domains/pacs';
import {
  COMPRESSED_SYNTAXES,
  IMAGE_STORAGE_CLASSES,
  OTHER_STORAGE_CLASSES,
  PartFileWriter,
  STATUS,
  TS,
  UNCOMPRESSED_SYNTAXES,
  dimse,
  hex4,
  isUid,
  placeholderDataset,
  readPart10Meta,
  type DimseAssociation,
  type DimseCStoreRequest,
  type DimseCStoreResponse,
  type DimsePresentationContext,
  type Part10Meta,
  type StoreReceiver,
} from './receiver';
import { PacsError, daToIso, type FoundSeries, type FoundStudy, type PacsTransport, type RetrieveOutcome, type RetrieveRequest, type StoreOutcome } from './transport';

export interface DimseTransportOptions {
  /** The node's name, for messages. */
  nodeName: string;
  /** Our AE title. */
  callingAet: string;
  /** The PACS's AE title. */
  calledAet: string;
  host: string;
  port: number;
  /** Connection, association and idle (between PDUs) timeout; default 30 s. */
  timeoutMs?: number;
  retrieveMethod: 'c-get' | 'c-move';
  /** C-MOVE: the destination AE title the PACS sends to (our receiver's). */
  moveDestinationAet?: string;
  /** C-MOVE: the running receiver where the instances arrive. */
  receiver?: StoreReceiver;
}

/** Compressed syntaxes proposed per image storage class for C-GET (a context each: 128 at most in all). */
const GET_COMPRESSED_SYNTAXES = [TS.jpegLosslessSV1, TS.jpegLsLossless, TS.j2kLossless, TS.rle, TS.j2k, TS.jpegBaseline].filter((t) => COMPRESSED_SYNTAXES.includes(t));

/** How long a cancelled operation waits for the PACS's answer to C-CANCEL before aborting. */
const CANCEL_GRACE_MS = 1000;

// dcmjs-dimse's Client network, which its typings leave out.
interface ClientNetwork {
  socket: Socket;
  association?: DimseAssociation;
  createStoreWritableStream(pc: DimsePresentationContext, request: DimseCStoreRequest): Writable;
  createDatasetFromStoreWritableStream(writable: Writable, pc: DimsePresentationContext, callback: (dataset: dimseNs.Dataset) => void): void;
  sendAssociationRequest(association: DimseAssociation): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
}
type AnyRequest = dimseNs.requests.Request;
type CancellableRequest = dimseNs.requests.CFindRequest | dimseNs.requests.CGetRequest | dimseNs.requests.CMoveRequest;
type SubOpResponse = dimseNs.responses.CGetResponse | dimseNs.responses.CMoveResponse;

interface SessionHooks {
  /** Just before the A-ASSOCIATE-RQ is sent: presentation contexts of our own. */
  configure?(association: DimseAssociation): void;
  /** The association is accepted: say which requests cannot go (their context was refused). */
  accepted?(association: DimseAssociation): PacsError | null;
  /** C-GET: the C-STORE sub-operations. */
  store?: {
    stream(pc: DimsePresentationContext, request: DimseCStoreRequest): Writable;
    handle(request: DimseCStoreRequest, cancelled: boolean): number;
  };
  /** Called once when the signal aborts (before the association is cancelled). */
  cancelled?(): void;
}

/**
 * One association: connects, runs its requests in order, releases; settles when the connection
 * is closed, with the first error met, or PacsError('cancelled') after an abort.
 */
class Session {
  readonly client = new dimse.Client();
  private network: ClientNetwork | null = null;
  private failure: PacsError | null = null;
  private cancelled = false;
  private accepted = false;
  private peerAborted = false;
  private responded = false;
  private settled = false;
  private readonly outstanding = new Set<AnyRequest>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly t: DimseTransport,
    readonly what: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Ends the session now (set by run). */
  private settleNow: () => void = () => {};

  /**
   * Records the error the session ends with; `terminate` aborts the association. Whatever the
   * peer does next, the session settles within a few seconds.
   */
  fail(e: PacsError, terminate = true): void {
    if (this.cancelled || this.settled) return;
    this.failure ??= e;
    if (terminate) this.terminate();
    this.timers.push(
      setTimeout(() => {
        this.destroySocket();
        this.settleNow();
      }, 3000),
    );
  }

  run(requests: AnyRequest[], hooks: SessionHooks = {}): Promise<void> {
    const o = this.t.options;
    return new Promise<void>((resolve, reject) => {
      if (this.signal?.aborted) {
        reject(this.t.cancelledError(this.what));
        return;
      }
      const settle = () => {
        if (this.settled) return;
        this.settled = true;
        for (const tm of this.timers) clearTimeout(tm);
        this.signal?.removeEventListener('abort', onAbort);
        if (this.cancelled) reject(this.t.cancelledError(this.what));
        else if (this.failure) reject(this.failure);
        else if (this.outstanding.size) {
          reject(new PacsError('protocol', `${o.nodeName} ${this.peerAborted ? 'aborted' : 'closed'} the association before answering the ${this.what}`));
        } else resolve();
      };
      this.settleNow = settle;
      const onAbort = () => {
        if (this.cancelled || this.settled) return;
        this.cancelled = true;
        hooks.cancelled?.();
        if (!this.accepted || !this.network) {
          this.destroySocket();
          return;
        }
        for (const r of this.outstanding) {
          if (r instanceof dimse.requests.CFindRequest || r instanceof dimse.requests.CGetRequest || r instanceof dimse.requests.CMoveRequest) {
            // After the answer to the C-STORE being handled, if any.
            setImmediate(() => {
              try {
                this.client.cancel(r as CancellableRequest);
              } catch {}
            });
          }
        }
        this.timers.push(setTimeout(() => this.terminate(), CANCEL_GRACE_MS));
        this.timers.push(setTimeout(settle, CANCEL_GRACE_MS + 3000));
      };
      this.signal?.addEventListener('abort', onAbort, { once: true });

      for (const r of requests) {
        this.client.addRequest(r);
        this.outstanding.add(r);
        r.on('response', () => (this.responded = true));
        r.on('done', () => this.outstanding.delete(r));
      }
      this.client.on('associationAccepted', (association: DimseAssociation) => {
        this.accepted = true;
        const refused = hooks.accepted?.(association) ?? null;
        // The library skips requests without an accepted context and releases: no abort needed.
        if (refused) this.fail(refused, false);
        for (const r of requests) if (!association.getAcceptedPresentationContextFromRequest(r)) this.outstanding.delete(r);
      });
      this.client.on('associationRejected', (rj: { result: number; source: number; reason: number }) => this.fail(this.t.rejectedError(rj), false));
      this.client.on('networkError', (err: Error) => {
        if (!this.cancelled) this.fail(this.t.networkError(err, this.what, this.accepted), false);
        // Nothing more can come: the library only half-closes, a silent peer would keep the socket open.
        this.destroySocket();
      });
      this.client.on('closed', settle);
      if (hooks.store) {
        const store = hooks.store;
        this.client.on('cStoreRequest', (request: DimseCStoreRequest, callback: (response: DimseCStoreResponse) => void) => {
          const response = dimse.responses.CStoreResponse.fromRequest(request);
          response.setStatus(store.handle(request, this.cancelled));
          callback(response);
        });
      }

      const timeout = o.timeoutMs ?? 30_000;
      try {
        this.client.send(o.host, o.port, o.callingAet, o.calledAet, { connectTimeout: timeout, associationTimeout: timeout, pduTimeout: timeout });
      } catch (e) {
        this.fail(new PacsError('protocol', `${o.nodeName}: the ${this.what} could not be started: ${e instanceof Error ? e.message : String(e)}`), false);
        settle();
        return;
      }
      const network = (this.client as unknown as { network?: ClientNetwork }).network ?? null;
      this.network = network;
      if (network) {
        try {
          network.socket.setNoDelay(true);
        } catch {}
        network.on('abort', () => {
          // The library does not close the connection on an A-ABORT from the peer.
          this.peerAborted = true;
          if (this.outstanding.size) this.fail(this.t.abortedError(this.what, this.responded), false);
          this.destroySocket();
        });
        if (hooks.configure) {
          const configure = hooks.configure;
          const original = network.sendAssociationRequest.bind(network);
          network.sendAssociationRequest = (association) => {
            configure(association);
            original(association);
          };
        }
        if (hooks.store && typeof network.createStoreWritableStream === 'function') {
          const store = hooks.store;
          network.createStoreWritableStream = (pc, request) => store.stream(pc, request);
          network.createDatasetFromStoreWritableStream = (_w, pc, callback) => callback(placeholderDataset(pc.getAcceptedTransferSyntaxUid() ?? TS.implicitLE));
        }
      }
    });
  }

  /** A-ABORT, then the socket closed if the peer does not close it. */
  terminate(): void {
    if (this.accepted) {
      try {
        this.client.abort();
      } catch {}
      this.timers.push(setTimeout(() => this.destroySocket(), 300));
    } else this.destroySocket();
  }

  private destroySocket(): void {
    try {
      this.network?.socket.destroy();
    } catch {}
  }
}

/** A file as it is on disk: its dataset bytes are read when sent (one instance in memory at a time). */
class RawFileDataset extends dimse.Dataset {
  constructor(
    readonly file: string,
    readonly meta: Part10Meta,
  ) {
    super({ SOPClassUID: meta.sopClassUid, SOPInstanceUID: meta.sopInstanceUid }, meta.transferSyntaxUid);
  }

  override getDenaturalizedDataset(): Buffer {
    return readFileSync(this.file).subarray(this.meta.datasetOffset);
  }
}

function readHead(file: string, bytes = 64 * 1024): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(bytes);
    const n = readSync(fd, b, 0, bytes, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

// ---- values of a C-FIND answer (dcmjs naturalized) ----------------------------------------------

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}
function text(v: unknown): string {
  const x = first(v);
  if (x === undefined || x === null) return '';
  if (typeof x === 'object') return String((x as { Alphabetic?: unknown }).Alphabetic ?? '').trim();
  return String(x).replace(/\0/g, '').trim();
}
function optText(v: unknown): string | null {
  return text(v) || null;
}
function num(v: unknown): number | null {
  const x = first(v);
  if (x === undefined || x === null || x === '') return null;
  const n = typeof x === 'number' ? x : Number(String(x).trim());
  return Number.isFinite(n) ? n : null;
}
function list(v: unknown): string[] {
  const xs = Array.isArray(v) ? v : [v];
  return [
    ...new Set(
      xs
        .flatMap((x) => String(x ?? '').split('\\'))
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    ),
  ];
}
function tmToIso(tm: string): string | null {
  const m = /^(\d{2})(\d{2})?(\d{2})?/.exec(tm.trim());
  return m ? `${m[1]}:${m[2] ?? '00'}:${m[3] ?? '00'}` : null;
}

// ---- the transport ----------------------------------------------------------------------------

interface SubOpTally {
  expected: number | null;
  completed: number;
  failed: number;
  warning: number;
  finalStatus: number | null;
  errorComment: string;
  failedUids: string[];
  pendingSeen: boolean;
}

export class DimseTransport implements PacsTransport {
  constructor(readonly options: DimseTransportOptions) {}

  private get node(): string {
    return this.options.nodeName;
  }

  async echo(signal?: AbortSignal): Promise<void> {
    const req = new dimse.requests.CEchoRequest();
    let status: number | null = null;
    req.on('response', (r: dimseNs.responses.CEchoResponse) => (status = r.getStatus()));
    await this.session('C-ECHO', signal).run([req], { accepted: (a) => this.contextRefused(a, req, 'C-ECHO') });
    if (status !== STATUS.success) throw new PacsError('refused', `${this.node} answered the C-ECHO with status ${hex4(status ?? 0xffff)}`);
  }

  async findStudies(query: PacsQuery, signal?: AbortSignal): Promise<FoundStudy[]> {
    const q = (v: string | undefined) => (v ?? '').trim();
    const elements: Record<string, unknown> = {
      PatientID: q(query.patientId),
      PatientName: q(query.patientName),
      PatientBirthDate: q(query.birthDate),
      PatientSex: '',
      StudyInstanceUID: q(query.studyInstanceUid),
      StudyDate: q(query.studyDate),
      StudyTime: '',
      AccessionNumber: q(query.accessionNumber),
      StudyDescription: '',
      ModalitiesInStudy: q(query.modality),
      NumberOfStudyRelatedSeries: '',
      NumberOfStudyRelatedInstances: '',
    };
    // Non-ASCII names: say the query is UTF-8.
    if (Object.values(elements).some((v) => typeof v === 'string' && /[^\x20-\x7e]/.test(v))) elements.SpecificCharacterSet = 'ISO_IR 192';
    const rows = await this.find(dimse.requests.CFindRequest.createStudyFindRequest(elements), 'C-FIND (studies)', signal);
    const out: FoundStudy[] = [];
    for (const ds of rows) {
      const uid = text(ds.StudyInstanceUID);
      if (!uid) continue;
      out.push({
        studyInstanceUid: uid,
        patientId: text(ds.PatientID),
        patientName: text(ds.PatientName),
        birthDate: daToIso(text(ds.PatientBirthDate)),
        sex: optText(ds.PatientSex),
        studyDate: daToIso(text(ds.StudyDate)),
        studyTime: tmToIso(text(ds.StudyTime)),
        accessionNumber: optText(ds.AccessionNumber),
        description: text(ds.StudyDescription),
        modalities: list(ds.ModalitiesInStudy),
        seriesCount: num(ds.NumberOfStudyRelatedSeries),
        instanceCount: num(ds.NumberOfStudyRelatedInstances),
      });
    }
    return out;
  }

  async findSeries(studyInstanceUid: string, signal?: AbortSignal): Promise<FoundSeries[]> {
    const study = this.checkUid(studyInstanceUid, 'Study Instance UID');
    const elements = {
      StudyInstanceUID: study,
      SeriesInstanceUID: '',
      SeriesNumber: '',
      SeriesDescription: '',
      Modality: '',
      NumberOfSeriesRelatedInstances: '',
    };
    const rows = await this.find(dimse.requests.CFindRequest.createSeriesFindRequest(elements), 'C-FIND (series)', signal);
    const out: FoundSeries[] = [];
    for (const ds of rows) {
      const uid = text(ds.SeriesInstanceUID);
      if (!uid) continue;
      out.push({
        studyInstanceUid: text(ds.StudyInstanceUID) || study,
        seriesInstanceUid: uid,
        modality: text(ds.Modality),
        description: text(ds.SeriesDescription),
        seriesNumber: num(ds.SeriesNumber),
        instanceCount: num(ds.NumberOfSeriesRelatedInstances),
      });
    }
    return out.sort((a, b) => (a.seriesNumber ?? 1e9) - (b.seriesNumber ?? 1e9));
  }

  retrieve(req: RetrieveRequest): Promise<RetrieveOutcome> {
    return this.options.retrieveMethod === 'c-move' ? this.retrieveByMove(req) : this.retrieveByGet(req);
  }

  async store(files: string[], signal?: AbortSignal): Promise<StoreOutcome> {
    const outcome: StoreOutcome = { stored: [], failed: [] };
    const session = this.session('C-STORE', signal);
    const items: { file: string; meta: Part10Meta; request: DimseCStoreRequest; status: number | null; comment: string }[] = [];
    for (const file of files) {
      let meta: Part10Meta | null = null;
      try {
        meta = readPart10Meta(readHead(file));
      } catch (e) {
        outcome.failed.push({ file, reason: `cannot be read: ${e instanceof Error ? e.message : String(e)}` });
        continue;
      }
      if (!meta) {
        outcome.failed.push({ file, reason: 'not a DICOM Part 10 file (no DICM preamble and meta header)' });
        continue;
      }
      const dataset = new RawFileDataset(file, meta);
      const request = new dimse.requests.CStoreRequest(dataset);
      const item = { file, meta, request, status: null as number | null, comment: '' };
      request.on('response', (r: dimseNs.responses.CStoreResponse) => {
        item.status = r.getStatus();
        item.comment = String(r.getErrorComment() ?? '').trim();
      });
      // Sent as on disk when the PACS took the file's own syntax; otherwise (an uncompressed
      // file in the other uncompressed syntax) decoded and re-encoded by the library.
      const loadFull = () => {
        const association = (session.client as unknown as { network?: ClientNetwork }).network?.association ?? null;
        const pc = association?.getAcceptedPresentationContextFromRequest(request);
        if (pc && pc.getAcceptedTransferSyntaxUid() !== meta.transferSyntaxUid) {
          const full = dimse.Dataset.fromFile(file);
          if (full) request.setDataset(full);
        }
      };
      (request as unknown as { loadFullDatasetIfNeeded(): void }).loadFullDatasetIfNeeded = loadFull;
      items.push(item);
    }
    if (!items.length) return outcome;

    const contexts = new Map<string, string[]>();
    for (const { meta } of items) {
      const key = `${meta.sopClassUid}|${meta.transferSyntaxUid}`;
      contexts.set(key, [meta.transferSyntaxUid]);
      if (UNCOMPRESSED_SYNTAXES.includes(meta.transferSyntaxUid)) contexts.set(`${meta.sopClassUid}|*`, UNCOMPRESSED_SYNTAXES);
    }
    let error: unknown = null;
    try {
      await session.run(
        items.map((i) => i.request),
        {
          configure: (association) => {
            association.clearPresentationContexts();
            for (const [key, syntaxes] of contexts) {
              const id = association.addPresentationContext(key.split('|')[0]);
              for (const ts of syntaxes) association.addTransferSyntaxToPresentationContext(id, ts);
            }
          },
        },
      );
    } catch (e) {
      error = e;
    }
    if (error instanceof PacsError && error.code === 'cancelled') throw error;
    for (const i of items) {
      const sopInstanceUid = i.meta.sopInstanceUid;
      if (i.status !== null && (i.status === STATUS.success || (i.status & 0xf000) === 0xb000)) outcome.stored.push({ file: i.file, sopInstanceUid });
      else if (i.status !== null) outcome.failed.push({ file: i.file, reason: `${this.node} refused it: status ${hex4(i.status)}${i.comment ? ` (${i.comment})` : ''}` });
      else if (error) outcome.failed.push({ file: i.file, reason: error instanceof Error ? error.message : String(error) });
      else outcome.failed.push({ file: i.file, reason: `${this.node} accepted no presentation context for ${i.meta.sopClassUid} in transfer syntax ${i.meta.transferSyntaxUid}` });
    }
    // The association itself failed (unreachable, rejected …): nothing went, say why as an error.
    if (error && !outcome.stored.length) throw error;
    return outcome;
  }

  // ---- retrieve ----

  private async retrieveByGet(req: RetrieveRequest): Promise<RetrieveOutcome> {
    const study = this.checkUid(req.studyInstanceUid, 'Study Instance UID');
    const series = (req.seriesInstanceUids ?? []).map((s) => this.checkUid(s, 'Series Instance UID'));
    mkdirSync(req.destDir, { recursive: true });
    const requests = series.length
      ? series.map((s) => dimse.requests.CGetRequest.createSeriesGetRequest(study, s))
      : [dimse.requests.CGetRequest.createStudyGetRequest(study)];
    for (const r of requests) r.setAddStorageSopClassesToAssociation(false);

    const files: string[] = [];
    const received = new Set<string>();
    let bytes = 0;
    const writers = new WeakMap<object, PartFileWriter>();
    const open = new Set<PartFileWriter>();
    const tallies = requests.map(() => newTally());
    const session = this.session('C-GET', req.signal);
    const progress = () => req.onProgress?.({ done: files.length, total: total(tallies), bytes });
    requests.forEach((r, i) => r.on('response', (res: dimseNs.responses.CGetResponse) => tallyResponse(tallies[i], res)));

    try {
      await session.run(requests, {
        configure: (association) => addStorageContexts(association),
        accepted: (a) => this.contextRefused(a, requests[0], 'C-GET'),
        cancelled: () => {
          for (const w of open) w.discard();
          open.clear();
        },
        store: {
          stream: (pc, request) => {
            const w = new PartFileWriter(req.destDir, {
              sopClassUid: request.getAffectedSopClassUid(),
              sopInstanceUid: request.getAffectedSopInstanceUid(),
              transferSyntaxUid: pc.getAcceptedTransferSyntaxUid() ?? TS.implicitLE,
              sourceAet: this.options.calledAet,
            });
            writers.set(request, w);
            open.add(w);
            return w;
          },
          handle: (request, cancelled) => {
            const w = writers.get(request);
            if (w) open.delete(w);
            if (cancelled) {
              w?.discard();
              return STATUS.processingFailure;
            }
            if (!w) return this.storeInMemoryDataset(request, req.destDir, files, received, (n) => (bytes += n), progress);
            const uids = w.finish();
            if (w.failure) {
              w.discard();
              return isUid(w.meta.sopInstanceUid) ? STATUS.outOfResources : STATUS.cannotUnderstand;
            }
            const sop = isUid(uids.sopInstanceUid) ? uids.sopInstanceUid : w.meta.sopInstanceUid;
            const file = join(req.destDir, `${sop}.dcm`);
            try {
              w.commit(file);
            } catch {
              return STATUS.outOfResources;
            }
            if (!received.has(sop)) files.push(file);
            received.add(sop);
            bytes += w.bytes;
            progress();
            return STATUS.success;
          },
        },
      });
    } finally {
      for (const w of open) w.discard();
    }
    return this.outcome('C-GET', tallies, files, bytes, received);
  }

  /** Without the library's stream hooks: the dataset it decoded in memory (one instance), written out. */
  private storeInMemoryDataset(request: DimseCStoreRequest, destDir: string, files: string[], received: Set<string>, addBytes: (n: number) => void, progress: () => void): number {
    const ds = request.getDataset();
    const sop = request.getAffectedSopInstanceUid();
    if (!ds || !isUid(sop)) return STATUS.cannotUnderstand;
    const file = join(destDir, `${sop}.dcm`);
    try {
      ds.toFile(`${file}.part`);
      renameSync(`${file}.part`, file);
    } catch {
      rmSync(`${file}.part`, { force: true });
      return STATUS.outOfResources;
    }
    if (!received.has(sop)) files.push(file);
    received.add(sop);
    addBytes(statSync(file).size);
    progress();
    return STATUS.success;
  }

  private async retrieveByMove(req: RetrieveRequest): Promise<RetrieveOutcome> {
    const { receiver, moveDestinationAet } = this.options;
    if (!receiver || !moveDestinationAet || !receiver.status().running) {
      throw new PacsError('move-destination-unknown', `C-MOVE from ${this.node} sends the images to this workstation's receiver, which is not running: start it and register its AE title and port at ${this.node}`);
    }
    const study = this.checkUid(req.studyInstanceUid, 'Study Instance UID');
    const series = (req.seriesInstanceUids ?? []).map((s) => this.checkUid(s, 'Series Instance UID'));
    mkdirSync(req.destDir, { recursive: true });
    const requests = series.length
      ? series.map((s) => dimse.requests.CMoveRequest.createSeriesMoveRequest(moveDestinationAet, study, s))
      : [dimse.requests.CMoveRequest.createStudyMoveRequest(moveDestinationAet, study)];
    const tallies = requests.map(() => newTally());
    const session = this.session('C-MOVE', req.signal);
    const expectation = receiver.expect({
      studyInstanceUid: study,
      seriesInstanceUids: series,
      destDir: req.destDir,
      onFile: () => req.onProgress?.({ done: expectation.files.length, total: total(tallies), bytes: expectation.bytes }),
    });
    requests.forEach((r, i) =>
      r.on('response', (res: dimseNs.responses.CMoveResponse) => {
        tallyResponse(tallies[i], res);
        req.onProgress?.({ done: expectation.files.length, total: total(tallies), bytes: expectation.bytes });
        if (res.getStatus() === STATUS.moveDestinationUnknown) {
          session.fail(
            new PacsError('move-destination-unknown', `${this.node} does not know the destination AE ${moveDestinationAet}: register it there with the host and port of this workstation's receiver (port ${receiver.port})`),
            false,
          );
        }
      }),
    );
    try {
      await session.run(requests, { accepted: (a) => this.contextRefused(a, requests[0], 'C-MOVE') });
      await this.checkMoveDestination(tallies, study, moveDestinationAet, receiver.port, req.signal);
      // The PACS answers when its sub-operations are done; a few may still be landing.
      const delivered = tallies.reduce((n, t) => n + t.completed + t.warning, 0);
      const until = Date.now() + 2000;
      while (expectation.files.length < delivered && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    } finally {
      expectation.stop();
    }
    return this.outcome('C-MOVE', tallies, [...expectation.files], expectation.bytes, new Set(expectation.sopInstanceUids));
  }

  /**
   * A C-MOVE refused with "unable to process" before any sub-operation, for a study the PACS
   * holds, is how some PACS (Orthanc 1.10) answer a destination they do not know instead of
   * 0xA801: said as such, after a C-FIND that the study is there.
   */
  private async checkMoveDestination(tallies: SubOpTally[], study: string, aet: string, port: number, signal?: AbortSignal): Promise<void> {
    const t = tallies.find((x) => x.finalStatus !== null && (x.finalStatus & 0xf000) === 0xc000 && x.completed + x.failed + x.warning === 0 && !x.pendingSeen);
    if (!t) return;
    const found = await this.findStudies({ studyInstanceUid: study }, signal).catch(() => []);
    if (!found.some((s) => s.studyInstanceUid === study)) return;
    throw new PacsError(
      'move-destination-unknown',
      `${this.node} refused the C-MOVE to ${aet} (status ${hex4(t.finalStatus!)}, unable to process) although it holds the study: it most likely does not know the destination AE ${aet} — register it there with the host and port of this workstation's receiver (port ${port})`,
    );
  }

  /** The retrieval's outcome from the PACS's counts; refusals with nothing delivered are errors. */
  private outcome(what: 'C-GET' | 'C-MOVE', tallies: SubOpTally[], files: string[], bytes: number, received: Set<string>): RetrieveOutcome {
    const expected = total(tallies);
    const missing: string[] = [];
    for (const t of tallies) {
      const s = t.finalStatus;
      const failedStatus = s !== null && s !== STATUS.success && (s & 0xf000) !== 0xb000 && s !== STATUS.cancel;
      if (failedStatus && !files.length) {
        throw new PacsError('refused', `${this.node} refused the ${what}: status ${hex4(s)}${statusMeaning(s)}${t.errorComment ? ` (${t.errorComment})` : ''}`);
      }
      for (const uid of t.failedUids) if (!received.has(uid)) missing.push(uid);
    }
    const shortBy = (expected ?? files.length) - files.length - missing.length;
    if (shortBy > 0) {
      const failed = tallies.reduce((n, t) => n + t.failed, 0);
      missing.push(`${shortBy} of ${expected} instance(s) announced by ${this.node} were not delivered${failed ? ` (${failed} sub-operation(s) failed)` : ''}`);
    }
    return { files, expected, bytes, missing };
  }

  // ---- helpers ----

  private session(what: string, signal?: AbortSignal): Session {
    return new Session(this, what, signal);
  }

  private async find(request: dimseNs.requests.CFindRequest, what: string, signal?: AbortSignal): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let status: number | null = null;
    let comment = '';
    request.on('response', (r: dimseNs.responses.CFindResponse) => {
      const s = r.getStatus();
      if (s === STATUS.pending || s === STATUS.pendingWarning) {
        const ds = r.getDataset();
        if (ds) rows.push(ds.getElements());
      } else {
        status = s;
        comment = String(r.getErrorComment() ?? '').trim();
      }
    });
    await this.session(what, signal).run([request], { accepted: (a) => this.contextRefused(a, request, 'C-FIND') });
    if (status !== STATUS.success) {
      throw new PacsError('refused', `${this.node} refused the ${what}: status ${hex4(status ?? 0xffff)}${statusMeaning(status ?? 0)}${comment ? ` (${comment})` : ''}`);
    }
    return rows;
  }

  /** The request's presentation context was refused: typically our calling AE is not allowed that service. */
  private contextRefused(association: DimseAssociation, request: AnyRequest, what: string): PacsError | null {
    if (association.getAcceptedPresentationContextFromRequest(request)) return null;
    const o = this.options;
    return new PacsError(
      'rejected',
      `${o.nodeName} accepted the association but refused the ${what} service to calling AE ${o.callingAet}: add ${o.callingAet} (host and port of this workstation) to the PACS's known modalities, or allow ${what} from any AE there`,
    );
  }

  private checkUid(uid: string, what: string): string {
    const u = (uid ?? '').trim();
    if (!isUid(u)) throw new PacsError('protocol', `"${uid}" is not a valid ${what}`);
    return u;
  }

  /** @internal */
  cancelledError(what: string): PacsError {
    return new PacsError('cancelled', `the ${what} with ${this.node} was cancelled`);
  }

  /** @internal */
  rejectedError(rj: { result: number; source: number; reason: number }): PacsError {
    const o = this.options;
    const RR = dimse.constants.RejectReason;
    const permanent = rj.result === dimse.constants.RejectResult.Permanent;
    if (rj.source === dimse.constants.RejectSource.ServiceUser) {
      if (rj.reason === RR.CallingAeNotRecognized) {
        return new PacsError('rejected', `${o.nodeName} rejected the association: calling AE ${o.callingAet} is not known to it — add it to the PACS's modalities`);
      }
      if (rj.reason === RR.CalledAeNotRecognized) {
        return new PacsError('rejected', `${o.nodeName} rejected the association: it does not answer to the called AE title ${o.calledAet} — check the node's AE title`);
      }
    }
    if (rj.source === dimse.constants.RejectSource.ServiceProviderPresentation && rj.reason === RR.TemporaryCongestion) {
      return new PacsError('timeout', `${o.nodeName} rejected the association for now (temporary congestion): try again later`);
    }
    return new PacsError(
      'rejected',
      `${o.nodeName} rejected the association (${permanent ? 'permanent' : 'transient'}, source ${rj.source}, reason ${rj.reason}) for calling AE ${o.callingAet} and called AE ${o.calledAet} — check both AE titles with the PACS's administrator`,
    );
  }

  /** @internal The PACS aborted the association. */
  abortedError(what: string, answeredBefore: boolean): PacsError {
    const o = this.options;
    if (!answeredBefore && what !== 'C-STORE' && what !== 'C-ECHO') {
      // Orthanc, for one, accepts the association of an AE it does not know and aborts it at the first C-FIND/C-GET/C-MOVE.
      return new PacsError(
        'rejected',
        `${o.nodeName} accepted the association but aborted it when asked for the ${what}: it most likely does not know calling AE ${o.callingAet} — add it to the PACS's modalities (with this workstation's host and port)`,
      );
    }
    return new PacsError('protocol', `${o.nodeName} aborted the association during the ${what}`);
  }

  /** @internal */
  networkError(err: Error, what: string, accepted: boolean): PacsError {
    const o = this.options;
    const m = err.message;
    const where = `${o.nodeName} (${o.host}:${o.port})`;
    const code = /\b(E[A-Z]{4,})\b/.exec(m)?.[1] ?? '';
    if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|EADDRNOTAVAIL/.test(m)) {
      return new PacsError('unreachable', `${where} cannot be reached (${code}): check the host and port and that the PACS is running`);
    }
    if (/timeout|ETIMEDOUT/i.test(m)) {
      return new PacsError('timeout', `${where} did not answer the ${what} within ${Math.round((o.timeoutMs ?? 30_000) / 1000)} s: check the network (firewall) and that the PACS is running`);
    }
    if (!accepted && /ECONNRESET|EPIPE/.test(m)) {
      return new PacsError('rejected', `${where} dropped the connection before accepting the association: it may not know calling AE ${o.callingAet} or called AE ${o.calledAet}`);
    }
    return new PacsError('protocol', `${where}: the ${what} failed: ${m.replace(/^.*?->\s*/, '')}`);
  }
}

function newTally(): SubOpTally {
  return { expected: null, completed: 0, failed: 0, warning: 0, finalStatus: null, errorComment: '', failedUids: [], pendingSeen: false };
}

function total(tallies: SubOpTally[]): number | null {
  if (tallies.some((t) => t.expected === null)) return null;
  return tallies.reduce((n, t) => n + (t.expected ?? 0), 0);
}

function tallyResponse(t: SubOpTally, res: SubOpResponse): void {
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const remaining = res.getRemaining();
  const completed = n(res.getCompleted());
  const failed = n(res.getFailures());
  const warning = n(res.getWarnings());
  t.completed = Math.max(t.completed, completed);
  t.failed = Math.max(t.failed, failed);
  t.warning = Math.max(t.warning, warning);
  const status = res.getStatus();
  if (status === STATUS.pending || status === STATUS.pendingWarning) {
    t.pendingSeen = true;
    if (typeof remaining === 'number') t.expected = Math.max(t.expected ?? 0, remaining + completed + failed + warning);
    return;
  }
  t.finalStatus = status;
  t.errorComment = String(res.getErrorComment() ?? '').trim();
  const done = completed + failed + warning;
  if (t.expected === null || done > t.expected) t.expected = status === STATUS.cancel && t.expected !== null ? t.expected : done;
  const ds = res.getDataset?.();
  const failedList = ds?.getElement('FailedSOPInstanceUIDList') as unknown;
  t.failedUids = list(failedList).filter(isUid);
}

function statusMeaning(s: number): string {
  if (s === 0xa701 || s === 0xa702 || s === 0xa700) return ' (out of resources)';
  if (s === STATUS.moveDestinationUnknown) return ' (move destination unknown)';
  if (s === 0xa900) return ' (identifier does not match SOP class)';
  if ((s & 0xf000) === 0xc000) return ' (unable to process)';
  if (s === 0x0122) return ' (SOP class not supported)';
  if (s === 0x0124) return ' (not authorized)';
  if (s === 0xfe00) return ' (cancelled)';
  return '';
}

/** C-GET: a context per storage class (and per compressed syntax for image classes), with the SCP role. */
function addStorageContexts(association: DimseAssociation): void {
  const add = (sopClass: string, syntaxes: string[], role: boolean) => {
    const id = association.addPresentationContext(sopClass);
    for (const ts of syntaxes) association.addTransferSyntaxToPresentationContext(id, ts);
    if (role) {
      // One SCP/SCU role selection item per SOP class: we are the storage SCP on this association.
      const pc = association.getPresentationContext(id);
      pc.setUserRole(false);
      pc.setProviderRole(true);
    }
  };
  for (const sopClass of Object.keys(IMAGE_STORAGE_CLASSES)) {
    add(sopClass, UNCOMPRESSED_SYNTAXES, true);
    for (const ts of GET_COMPRESSED_SYNTAXES) add(sopClass, [ts], false);
  }
  for (const sopClass of Object.keys(OTHER_STORAGE_CLASSES)) add(sopClass, UNCOMPRESSED_SYNTAXES, true);
}
