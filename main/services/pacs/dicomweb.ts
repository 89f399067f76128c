/**
 * DICOMweb transport (PS3.18): QIDO-RS for echo and queries, WADO-RS for retrieval (one
 * request per instance, several in flight, each answer parsed as multipart/related and streamed
 * to `<SOPInstanceUID>.dcm` through a `.part` name), STOW-RS for sending (multipart/related in
 * batches of at most 20 MB). Plain HTTP with Node's global fetch (undici): http and https with the
 * system's trusted certificate authorities; a private CA or a self-signed PACS certificate is not
 * supported here (NODE_EXTRA_CA_CERTS works for the whole process). Credentials are never put in
 * the URL or in a message.
 *
 * Time limits: every request fails with 'timeout' when the server has not answered, or has sent
 * nothing more of its answer, for `timeoutMs` (an inactivity limit, so a large instance on a slow
 * link is not cut off while bytes keep coming); a STOW request gets one more second per MB sent.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../../core/api/errors';
import type { PacsQuery } from '../../../core/api/domains/pacs';
import {
  PacsError,
  daToIso,
  type FoundSeries,
  type FoundStudy,
  type PacsTransport,
  type RetrieveOutcome,
  type RetrieveRequest,
  type StoreOutcome,
} from './transport';

export type DicomwebAuth = { kind: 'none' } | { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

export interface DicomwebOptions {
  /** The node's name, used in every message. */
  nodeName: string;
  /** DICOMweb root, e.g. https://pacs.example/dicom-web (no trailing slash needed). */
  baseUrl: string;
  auth: DicomwebAuth;
  /** Inactivity limit of one request in ms (default 30 000). */
  timeoutMs?: number;
  /** WADO-RS requests in flight during a retrieve (default 4). */
  concurrency?: number;
}

const DICOM_JSON = 'application/dicom+json';
const WADO_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';
const STOW_BATCH_BYTES = 20 * 1024 * 1024;
const WRITE_CHUNK_BYTES = 1024 * 1024;
const MAX_QIDO_PAGES = 1000;

const T = {
  specificCharacterSet: '00080005',
  studyDate: '00080020',
  studyTime: '00080030',
  accessionNumber: '00080050',
  modalitiesInStudy: '00080061',
  modality: '00080060',
  studyDescription: '00081030',
  seriesDescription: '0008103E',
  sopInstanceUid: '00080018',
  patientName: '00100010',
  patientId: '00100020',
  patientBirthDate: '00100030',
  patientSex: '00100040',
  studyInstanceUid: '0020000D',
  seriesInstanceUid: '0020000E',
  seriesNumber: '00200011',
  studySeriesCount: '00201206',
  studyInstanceCount: '00201208',
  seriesInstanceCount: '00201209',
  failureReason: '00081197',
  failedSopSequence: '00081198',
  referencedSopSequence: '00081199',
  referencedSopInstanceUid: '00081155',
} as const;

const STUDY_FIELDS = [
  T.studyDescription,
  T.studySeriesCount,
  T.studyInstanceCount,
  T.patientSex,
  T.patientBirthDate,
  T.studyTime,
  T.modalitiesInStudy,
  T.accessionNumber,
  T.patientName,
  T.patientId,
  T.studyDate,
];
const SERIES_FIELDS = [T.seriesDescription, T.seriesNumber, T.seriesInstanceCount, T.modality];

// ---------------------------------------------------------------------------------------------
// multipart/related

export class MultipartError extends Error {
  override readonly name = 'MultipartError';
}

export type MultipartEvent = { type: 'part'; headers: Record<string, string> } | { type: 'data'; bytes: Uint8Array } | { type: 'end' };

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

/** The boundary parameter of a multipart Content-Type (quoted or not); null when it has none. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return null;
  const m = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(contentType);
  if (!m) return null;
  const b = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
  return b.length > 0 && b.length <= 200 ? b : null;
}

/**
 * A push parser for multipart bodies (RFC 2046): feed it chunks as they arrive, read the events
 * (a part's headers, its body bytes, its end). Bodies are binary and come out byte for byte: the
 * only thing that ends a body is CRLF "--" boundary, and bytes that merely look like a boundary
 * (no CRLF before, or a different continuation) stay data. Data events may share memory with the
 * chunks pushed; a consumer that keeps them past the next push must copy them (writing is fine).
 */
export class MultipartParser {
  private readonly delimiter: Buffer; // CRLF "--" boundary
  private state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';
  /** Bytes not yet consumed; starts with a CRLF so that a boundary at the very start is found like any other. */
  private pending: Buffer = Buffer.from(CRLF);
  parts = 0;

  constructor(boundary: string) {
    if (!boundary) throw new MultipartError('no boundary');
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  get done(): boolean {
    return this.state === 'done';
  }

  push(chunk: Uint8Array): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    if (this.state === 'done' || chunk.byteLength === 0) return events; // the epilogue is ignored
    const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pending = this.pending.byteLength === 0 ? view : Buffer.concat([this.pending, view]);
    this.run(events);
    return events;
  }

  /** Call when the stream ended; throws when it ended before the closing boundary. */
  end(): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    if (this.state === 'done') return events;
    // Closing "--" missing after a complete part: lenient, nothing is lost.
    const blank = (b: Buffer) => /^[ \t\r\n]*$/.test(b.toString('latin1'));
    if (this.state === 'after-delimiter' && this.parts > 0 && blank(this.pending)) {
      this.state = 'done';
      return events;
    }
    if (this.state === 'body' && this.pending.subarray(0, this.delimiter.byteLength).equals(this.delimiter) && blank(this.pending.subarray(this.delimiter.byteLength))) {
      events.push({ type: 'end' });
      this.state = 'done';
      return events;
    }
    if (this.state === 'preamble') throw new MultipartError('no part: the boundary never occurs in the body');
    throw new MultipartError(this.state === 'body' ? 'truncated: the body ended inside a part' : 'truncated: the body ended inside part headers');
  }

  /** Where the first real delimiter starts: CRLF "--" boundary followed by "--", CRLF, space or tab (anything
   * else is data that merely looks like one). -1: none; Infinity: a candidate at `this.candidate` whose next
   * two bytes have not arrived yet. */
  private candidate = 0;
  private findDelimiter(buf: Buffer): number {
    let from = 0;
    for (;;) {
      const at = buf.indexOf(this.delimiter, from);
      if (at < 0) return -1;
      const after = at + this.delimiter.byteLength;
      if (after + 2 > buf.byteLength) {
        this.candidate = at;
        return Infinity;
      }
      const a = buf[after];
      const b = buf[after + 1];
      if ((a === 0x2d && b === 0x2d) || (a === 0x0d && b === 0x0a) || a === 0x20 || a === 0x09) return at;
      from = at + 1;
    }
  }

  private run(events: MultipartEvent[]): void {
    for (;;) {
      const buf = this.pending;
      switch (this.state) {
        case 'preamble': {
          const at = this.findDelimiter(buf);
          if (at < 0) {
            this.pending = Buffer.from(buf.subarray(Math.max(0, buf.byteLength - (this.delimiter.byteLength + 1))));
            return;
          }
          if (at === Infinity) return; // a candidate at the end: wait for the bytes that decide
          this.pending = buf.subarray(at + this.delimiter.byteLength);
          this.state = 'after-delimiter';
          break;
        }
        case 'after-delimiter': {
          if (buf.byteLength < 2) return;
          if (buf[0] === 0x2d && buf[1] === 0x2d) {
            this.state = 'done';
            this.pending = Buffer.alloc(0);
            return;
          }
          // Transport padding (spaces, tabs) then CRLF.
          const eol = buf.indexOf(CRLF);
          if (eol < 0) {
            if (buf.byteLength > 256) throw new MultipartError('malformed boundary line');
            return;
          }
          if (!/^[ \t]*$/.test(buf.subarray(0, eol).toString('latin1'))) throw new MultipartError('malformed boundary line');
          this.pending = buf.subarray(eol + 2);
          this.state = 'headers';
          break;
        }
        case 'headers': {
          let headerEnd: number;
          let bodyStart: number;
          if (buf.byteLength >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
            headerEnd = 0; // no headers
            bodyStart = 2;
          } else {
            const at = buf.indexOf(CRLFCRLF);
            if (at < 0) {
              if (buf.byteLength > MAX_HEADER_BYTES) throw new MultipartError('part headers too long');
              return;
            }
            headerEnd = at;
            bodyStart = at + 4;
          }
          events.push({ type: 'part', headers: parseHeaders(buf.subarray(0, headerEnd).toString('latin1')) });
          this.parts++;
          this.pending = buf.subarray(bodyStart);
          this.state = 'body';
          break;
        }
        case 'body': {
          const found = this.findDelimiter(buf);
          if (found < 0 || found === Infinity) {
            // Keep what could be the start of a delimiter (and the two bytes that decide it) split across chunks.
            const keep = found === Infinity ? buf.byteLength - this.candidate : Math.min(buf.byteLength, this.delimiter.byteLength - 1);
            const emit = buf.byteLength - keep;
            if (emit > 0) events.push({ type: 'data', bytes: buf.subarray(0, emit) });
            // Copy the kept tail so that the chunk it came from is not pinned.
            this.pending = Buffer.from(buf.subarray(emit));
            return;
          }
          const at = found;
          if (at > 0) events.push({ type: 'data', bytes: buf.subarray(0, at) });
          events.push({ type: 'end' });
          this.pending = buf.subarray(at + this.delimiter.byteLength);
          this.state = 'after-delimiter';
          break;
        }
        case 'done':
          return;
      }
    }
  }
}

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  // Folded lines (obsolete but legal) continue the previous header.
  for (const line of text.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// DICOM JSON

type DicomJson = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

function values(ds: DicomJson, tag: string): unknown[] {
  const v = ds[tag]?.Value;
  return Array.isArray(v) ? v : [];
}
function text(ds: DicomJson, tag: string): string {
  const v = values(ds, tag)[0];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return String((v as { Alphabetic?: unknown }).Alphabetic ?? '').trim();
  return String(v).trim();
}
function optText(ds: DicomJson, tag: string): string | null {
  return text(ds, tag) || null;
}
function number(ds: DicomJson, tag: string): number | null {
  const v = values(ds, tag)[0];
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  return Number.isFinite(n) ? n : null;
}
/** DICOM TM → HH:MM:SS (as the library keeps study times); null when not a time. */
function tmToIso(tm: string): string | null {
  const m = /^(\d{2})(\d{2})?(\d{2})?/.exec(tm.trim());
  return m ? `${m[1]}:${m[2] ?? '00'}:${m[3] ?? '00'}` : null;
}
function cleanUid(v: string): string {
  return v.replace(/\0/g, '').trim();
}
const UID_RE = /^[0-9]+(\.[0-9]+)*$/;
function isUid(v: string): boolean {
  return v.length > 0 && v.length <= 128 && UID_RE.test(v);
}

const FAILURE_REASONS: Record<number, string> = {
  0x0110: 'processing failure',
  0x0122: 'SOP Class not supported',
  0x0124: 'not authorized',
  0xa700: 'out of resources',
  0xa900: 'data set does not match SOP Class',
  0xc000: 'cannot understand',
  0xc122: 'transfer syntax not supported',
  0xa770: 'out of resources (too large)',
  0xa771: 'SOP Class not supported',
  0xa772: 'transfer syntax not supported',
};
function failureReasonText(code: number | null): string {
  if (code === null) return 'the PACS refused it (no reason given)';
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const known = FAILURE_REASONS[code] ?? (code >= 0xa700 && code <= 0xa7ff ? 'out of resources' : code >= 0xa900 && code <= 0xa9ff ? 'data set does not match SOP Class' : code >= 0xc000 && code <= 0xcfff ? 'cannot understand' : null);
  return `the PACS refused it: ${known ? `${known} (FailureReason ${hex})` : `FailureReason ${hex}`}`;
}

/** SOP Instance UID of a Part 10 file from its meta information (0002,0003); null when not readable. */
export function part10SopInstanceUid(bytes: Uint8Array): string | null {
  if (bytes.byteLength < 132 || bytes[128] !== 0x44 || bytes[129] !== 0x49 || bytes[130] !== 0x43 || bytes[131] !== 0x4d) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 132;
  // The meta group is explicit VR little endian (PS3.10 7.1).
  while (at + 8 <= bytes.byteLength) {
    const group = dv.getUint16(at, true);
    const element = dv.getUint16(at + 2, true);
    if (group !== 0x0002) return null;
    const vr = String.fromCharCode(bytes[at + 4], bytes[at + 5]);
    let length: number;
    let valueAt: number;
    if (['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'OD', 'OL', 'OV', 'UC', 'UR', 'SV', 'UV'].includes(vr)) {
      if (at + 12 > bytes.byteLength) return null;
      length = dv.getUint32(at + 8, true);
      valueAt = at + 12;
    } else {
      length = dv.getUint16(at + 6, true);
      valueAt = at + 8;
    }
    if (length === 0xffffffff || valueAt + length > bytes.byteLength) return null;
    if (element === 0x0003) {
      const uid = cleanUid(Buffer.from(bytes.buffer, bytes.byteOffset + valueAt, length).toString('latin1'));
      return isUid(uid) ? uid : null;
    }
    at = valueAt + length;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Requests

/** A request's abort signal: the caller's, plus an inactivity timer that `touch` pushes back. */
class Guard {
  readonly controller = new AbortController();
  timedOut = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly onAbort = () => this.controller.abort(this.outer?.reason);

  constructor(
    private readonly outer: AbortSignal | undefined,
    private readonly ms: number,
    firstMs = ms,
  ) {
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.onAbort, { once: true });
    this.arm(firstMs);
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  touch(): void {
    this.arm(this.ms);
  }
  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.controller.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new DOMException('timed out', 'TimeoutError'));
    }, ms);
  }
  done(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.outer?.removeEventListener('abort', this.onAbort);
  }
}

const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused — is the server running and the URL (host and port) right?',
  ENOTFOUND: 'the host name is unknown — is the URL right, and is the network (DNS) up?',
  EAI_AGAIN: 'the host name could not be resolved now — is the network (DNS) up?',
  EHOSTUNREACH: 'no route to the host — is the network up and the address right?',
  ENETUNREACH: 'the network is unreachable — is this machine connected?',
  ECONNRESET: 'the connection was reset — is the URL right (http versus https), or is a proxy or firewall in the way?',
  EPIPE: 'the connection was closed by the server while sending',
  UND_ERR_SOCKET: 'the connection was closed by the server — is the URL right (http versus https)?',
  UND_ERR_CLOSED: 'the connection was closed',
  ECONNABORTED: 'the connection was aborted',
  EPROTO: 'the TLS handshake failed — is the URL right (http versus https)?',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the TLS handshake failed — the server probably speaks http, not https',
};
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The system error code behind a fetch failure (undici wraps it in `cause`, sometimes in an AggregateError). */
function errorCode(err: unknown): string | null {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) {
      const c = errorCode(inner[0]);
      if (c) return c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * A query value, percent-encoding only what would break the query (space, controls, non-ASCII, and
 * " # % & ' + < = > `): wildcards (* ?) and the PN separator ^ go as they are, because some servers
 * (Orthanc 1.10's DICOMweb plugin) do not decode percent-escapes in QIDO values.
 */
export function queryEncode(v: string): string {
  return Array.from(new TextEncoder().encode(v), (b) =>
    b <= 0x20 || b >= 0x7f || '"#%&\'+<=>`'.includes(String.fromCharCode(b)) ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b),
  ).join('');
}

function clip(s: string, n = 300): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
}


interface Instance {
  series: string;
  sop: string;
}

export class DicomwebTransport implements PacsTransport {
  private readonly base: string;
  private readonly shownUrl: string;
  private readonly timeoutMs: number;
  private readonly concurrency: number;

  constructor(private readonly opts: DicomwebOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl.trim());
    } catch {
      throw new ApiError('invalid', `PACS "${opts.nodeName}": "${opts.baseUrl}" is not a URL (expected e.g. https://pacs.example/dicom-web)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ApiError('invalid', `PACS "${opts.nodeName}": the DICOMweb URL must start with http:// or https:// (got ${url.protocol})`);
    }
    if (url.username || url.password) {
      throw new ApiError('invalid', `PACS "${opts.nodeName}": put the user name and password in the node's authentication settings, not in the URL`);
    }
    url.search = '';
    url.hash = '';
    this.base = url.href.replace(/\/+$/, '');
    this.shownUrl = this.base;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.concurrency = Math.max(1, Math.min(32, Math.floor(opts.concurrency ?? 4)));
  }

  // ---- PacsTransport ------------------------------------------------------------------------

  async echo(signal?: AbortSignal): Promise<void> {
    await this.qido('/studies', [['limit', '1']], signal, 'QIDO-RS echo', false);
  }

  async findStudies(query: PacsQuery, signal?: AbortSignal): Promise<FoundStudy[]> {
    const params: [string, string][] = [];
    const add = (key: string, v: string | undefined) => {
      const t = v?.trim();
      if (t) params.push([key, t]);
    };
    add('PatientID', query.patientId);
    add('PatientName', query.patientName);
    add('PatientBirthDate', query.birthDate);
    add('StudyDate', query.studyDate);
    add('ModalitiesInStudy', query.modality);
    add('AccessionNumber', query.accessionNumber);
    add('StudyInstanceUID', query.studyInstanceUid);
    params.push(['fuzzymatching', 'false']);
    for (const f of STUDY_FIELDS) params.push(['includefield', f]);
    const rows = await this.qido('/studies', params, signal, 'QIDO-RS study search');
    const out: FoundStudy[] = [];
    for (const ds of rows) {
      const uid = cleanUid(text(ds, T.studyInstanceUid));
      if (!uid) continue;
      const modalities = values(ds, T.modalitiesInStudy)
        .flatMap((m) => String(m ?? '').split('\\'))
        .map((m) => m.trim())
        .filter((m) => m.length > 0);
      out.push({
        studyInstanceUid: uid,
        patientId: text(ds, T.patientId),
        patientName: text(ds, T.patientName),
        birthDate: daToIso(text(ds, T.patientBirthDate)),
        sex: optText(ds, T.patientSex),
        studyDate: daToIso(text(ds, T.studyDate)),
        studyTime: tmToIso(text(ds, T.studyTime)),
        accessionNumber: optText(ds, T.accessionNumber),
        description: text(ds, T.studyDescription),
        modalities: [...new Set(modalities)],
        seriesCount: number(ds, T.studySeriesCount),
        instanceCount: number(ds, T.studyInstanceCount),
      });
    }
    return out;
  }

  async findSeries(studyInstanceUid: string, signal?: AbortSignal): Promise<FoundSeries[]> {
    const study = this.checkUid(studyInstanceUid, 'Study Instance UID');
    const params: [string, string][] = SERIES_FIELDS.map((f) => ['includefield', f]);
    const rows = await this.qido(`/studies/${study}/series`, params, signal, 'QIDO-RS series search');
    const out: FoundSeries[] = [];
    for (const ds of rows) {
      const uid = cleanUid(text(ds, T.seriesInstanceUid));
      if (!uid) continue;
      out.push({
        studyInstanceUid: cleanUid(text(ds, T.studyInstanceUid)) || study,
        seriesInstanceUid: uid,
        modality: text(ds, T.modality),
        description: text(ds, T.seriesDescription),
        seriesNumber: number(ds, T.seriesNumber),
        instanceCount: number(ds, T.seriesInstanceCount),
      });
    }
    return out;
  }

  async retrieve(req: RetrieveRequest): Promise<RetrieveOutcome> {
    const { signal, destDir } = req;
    const study = this.checkUid(req.studyInstanceUid, 'Study Instance UID');
    this.throwIfCancelled(signal);
    await mkdir(destDir, { recursive: true });
    const missing: string[] = [];

    const seriesUids = req.seriesInstanceUids?.length
      ? req.seriesInstanceUids.map((s) => this.checkUid(s, 'Series Instance UID'))
      : (await this.findSeries(study, signal)).map((s) => s.seriesInstanceUid).filter(isUid);
    if (seriesUids.length === 0) missing.push(`the PACS lists no series for study ${study}`);

    // What each series holds, from QIDO (the count announced).
    const lists = await this.pool(seriesUids, Math.min(this.concurrency, 4), (series) =>
      this.qido(`/studies/${study}/series/${series}/instances`, [['includefield', T.sopInstanceUid]], signal, 'QIDO-RS instance list'),
    );
    const instances: Instance[] = [];
    const seen = new Set<string>();
    seriesUids.forEach((series, i) => {
      const rows = lists[i];
      let n = 0;
      for (const ds of rows) {
        const sop = cleanUid(text(ds, T.sopInstanceUid));
        if (!sop) continue;
        n++;
        if (seen.has(sop)) continue;
        seen.add(sop);
        if (!isUid(sop)) {
          missing.push(`${sop}: not a valid SOP Instance UID, not requested`);
          continue;
        }
        instances.push({ series, sop });
      }
      if (n === 0) missing.push(`series ${series}: the PACS lists no instances`);
    });
    const expected = seen.size;

    const files: string[] = [];
    let bytes = 0;
    let done = 0;
    try {
      req.onProgress?.({ done, total: expected, bytes });
    } catch {}

    // Everything in flight stops on the caller's abort, or when the PACS went away or refused us.
    const stop = new AbortController();
    const onOuterAbort = () => stop.abort(signal?.reason);
    if (signal?.aborted) stop.abort(signal.reason);
    else signal?.addEventListener('abort', onOuterAbort, { once: true });
    let fatal: PacsError | null = null;
    let gaveUp: string | null = null;
    let connectionFailures = 0;
    let next = 0;

    const fetchWithRetry = async (it: Instance): Promise<void> => {
      let last: PacsError | null = null;
      for (let attempt = 0; attempt < 2; attempt++) {
        if (stop.signal.aborted) break;
        if (attempt > 0) await this.sleep(200, stop.signal).catch(() => {});
        if (stop.signal.aborted) break;
        let n: number;
        try {
          n = await this.fetchInstance(study, it, destDir, stop.signal);
        } catch (err) {
          last = err instanceof PacsError ? err : this.toPacsError(err, null, stop.signal, 'WADO-RS');
          if (last.code === 'cancelled' || stop.signal.aborted) break;
          if (last.code === 'unauthorized') {
            fatal ??= last;
            stop.abort(last);
            return;
          }
          continue;
        }
        files.push(join(destDir, `${it.sop}.dcm`));
        bytes += n;
        done++;
        connectionFailures = 0;
        try {
          req.onProgress?.({ done, total: expected, bytes });
        } catch {} // a failing listener does not stop the retrieve
        return;
      }
      if (signal?.aborted || fatal) return;
      if (gaveUp) {
        missing.push(`${it.sop}: not fetched (${gaveUp})`);
        return;
      }
      const reason = last ? last.message : 'not fetched';
      missing.push(`${it.sop}: ${reason}`);
      if (last && (last.code === 'unreachable' || last.code === 'timeout')) {
        // Two instances in a row lost to the connection: the PACS went away, and the rest would fail the same way, slowly.
        if (++connectionFailures >= 2) {
          gaveUp = last.message;
          stop.abort(last);
        }
      } else connectionFailures = 0;
    };

    const worker = async () => {
      while (next < instances.length) {
        const it = instances[next++];
        if (stop.signal.aborted) {
          if (gaveUp && !signal?.aborted && !fatal) missing.push(`${it.sop}: not fetched (${gaveUp})`);
          continue;
        }
        await fetchWithRetry(it);
      }
    };
    try {
      // allSettled: every worker has cleaned its .part file before this returns.
      await Promise.allSettled(Array.from({ length: Math.min(this.concurrency, Math.max(1, instances.length)) }, worker));
    } finally {
      signal?.removeEventListener('abort', onOuterAbort);
    }
    if (signal?.aborted) throw this.cancelled(`retrieve of study ${study}`, files.length);
    if (fatal) throw fatal;
    return { files, expected, bytes, missing };
  }

  async store(files: string[], signal?: AbortSignal): Promise<StoreOutcome> {
    const stored: StoreOutcome['stored'] = [];
    const failed: StoreOutcome['failed'] = [];
    // Batches of at most STOW_BATCH_BYTES (a larger file goes alone).
    const sized: { file: string; size: number }[] = [];
    for (const file of files) {
      try {
        const s = await stat(file);
        if (!s.isFile()) failed.push({ file, reason: 'not a file' });
        else sized.push({ file, size: s.size });
      } catch (err) {
        failed.push({ file, reason: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
      }
    }
    const batches: { file: string; size: number }[][] = [];
    let current: { file: string; size: number }[] = [];
    let currentBytes = 0;
    for (const f of sized) {
      if (current.length > 0 && currentBytes + f.size > STOW_BATCH_BYTES) {
        batches.push(current);
        current = [];
        currentBytes = 0;
      }
      current.push(f);
      currentBytes += f.size;
    }
    if (current.length > 0) batches.push(current);

    for (const batch of batches) {
      this.throwIfCancelled(signal);
      const parts: { file: string; sop: string; bytes: Buffer }[] = [];
      for (const { file } of batch) {
        let bytes: Buffer;
        try {
          bytes = await readFile(file);
        } catch (err) {
          failed.push({ file, reason: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
          continue;
        }
        const sop = part10SopInstanceUid(bytes);
        if (!sop) {
          failed.push({ file, reason: 'not a DICOM Part 10 file with a SOP Instance UID in its meta information (0002,0003); not sent' });
          continue;
        }
        parts.push({ file, sop, bytes });
      }
      if (parts.length === 0) continue;
      const outcome = await this.stowBatch(parts, signal);
      stored.push(...outcome.stored);
      failed.push(...outcome.failed);
    }
    return { stored, failed };
  }

  // ---- STOW-RS ------------------------------------------------------------------------------

  private async stowBatch(parts: { file: string; sop: string; bytes: Buffer }[], signal?: AbortSignal): Promise<StoreOutcome> {
    let boundary = `longitude-${randomUUID()}`;
    while (parts.some((p) => p.bytes.includes(boundary, 0, 'latin1'))) boundary = `longitude-${randomUUID()}`;
    const chunks: Buffer[] = [];
    for (const p of parts) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\nContent-Length: ${p.bytes.byteLength}\r\n\r\n`, 'latin1'), p.bytes, CRLF);
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
    const body = Buffer.concat(chunks);
    const what = `STOW-RS of ${parts.length} file${parts.length === 1 ? '' : 's'}`;
    const guard = new Guard(signal, this.timeoutMs, this.timeoutMs + Math.ceil(body.byteLength / (1024 * 1024)) * 1000);
    let status: number;
    let bodyText: string;
    try {
      const res = await fetch(`${this.base}/studies`, {
        method: 'POST',
        headers: { ...this.authHeaders(), accept: DICOM_JSON, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
        body,
        signal: guard.signal,
      });
      guard.touch();
      status = res.status;
      if (status === 401 || status === 403) throw await this.httpError(res, guard, what);
      bodyText = await this.readText(res, guard);
    } catch (err) {
      throw this.toPacsError(err, guard, signal, what);
    } finally {
      guard.done();
    }

    // The answer: a DICOM JSON object with ReferencedSOPSequence / FailedSOPSequence, also with 4xx (some failed).
    let answer: DicomJson | null = null;
    try {
      const parsed = bodyText.trim() ? (JSON.parse(bodyText) as unknown) : null;
      const obj = Array.isArray(parsed) ? parsed[0] : parsed;
      if (obj && typeof obj === 'object' && (T.referencedSopSequence in obj || T.failedSopSequence in obj)) answer = obj as DicomJson;
    } catch {}
    if (!answer) {
      if (status >= 200 && status < 300) {
        if (status === 204 || !bodyText.trim()) {
          // No details but success: every file was taken.
          return { stored: parts.map((p) => ({ file: p.file, sopInstanceUid: p.sop })), failed: [] };
        }
        throw new PacsError('protocol', `${this.who()} answered the ${what} with something that is not a DICOM JSON store response: ${clip(bodyText, 120)}`);
      }
      const reason = `the PACS refused the request: HTTP ${status}${bodyText.trim() ? ` — ${clip(this.serverText(bodyText))}` : ''}`;
      return { stored: [], failed: parts.map((p) => ({ file: p.file, reason })) };
    }
    const ok = new Set<string>();
    for (const item of values(answer, T.referencedSopSequence) as DicomJson[]) {
      if (item && typeof item === 'object') ok.add(cleanUid(text(item, T.referencedSopInstanceUid)));
    }
    const bad = new Map<string, number | null>();
    for (const item of values(answer, T.failedSopSequence) as DicomJson[]) {
      if (item && typeof item === 'object') bad.set(cleanUid(text(item, T.referencedSopInstanceUid)), number(item, T.failureReason));
    }
    const outcome: StoreOutcome = { stored: [], failed: [] };
    for (const p of parts) {
      if (bad.has(p.sop)) outcome.failed.push({ file: p.file, reason: failureReasonText(bad.get(p.sop) ?? null) });
      else if (ok.has(p.sop)) outcome.stored.push({ file: p.file, sopInstanceUid: p.sop });
      else outcome.failed.push({ file: p.file, reason: `the PACS did not acknowledge it (HTTP ${status}; it may not be valid DICOM for this server)` });
    }
    return outcome;
  }

  // ---- WADO-RS ------------------------------------------------------------------------------

  /** One instance to `<sop>.dcm` (through `<sop>.dcm.part`); resolves to the bytes written. */
  private async fetchInstance(study: string, it: Instance, destDir: string, signal: AbortSignal): Promise<number> {
    const what = `WADO-RS of instance ${it.sop}`;
    const tmp = join(destDir, `${it.sop}.dcm.part`);
    const final = join(destDir, `${it.sop}.dcm`);
    const guard = new Guard(signal, this.timeoutMs);
    let fh: FileHandle | null = null;
    let renamed = false;
    let res: Response | null = null;
    try {
      res = await fetch(`${this.base}/studies/${study}/series/${it.series}/instances/${it.sop}`, {
        // No gzip: servers (Orthanc) compress on the fly at ~20 MB/s, far slower than a LAN; pixel data gains little.
        headers: { ...this.authHeaders(), accept: WADO_ACCEPT, 'accept-encoding': 'identity' },
        signal: guard.signal,
      });
      guard.touch();
      if (!res.ok) throw await this.httpError(res, guard, what);
      const type = res.headers.get('content-type');
      const boundary = multipartBoundary(type);
      const single = !boundary && /^\s*application\/(dicom|octet-stream)\s*(;|$)/i.test(type ?? '');
      if (!boundary && !single) {
        throw new PacsError('protocol', `${this.who()} answered the ${what} with ${type ? `"${clip(type, 80)}"` : 'no Content-Type'}, not multipart/related DICOM`);
      }
      if (!res.body) throw new PacsError('protocol', `${this.who()} answered the ${what} with an empty body`);
      const parser = boundary ? new MultipartParser(boundary) : null;
      fh = await open(tmp, 'w');
      const file = fh;
      let written = 0;
      let partIndex = single ? 0 : -1;
      let partLength: number | null = null;
      let partEnded = false;
      const head = Buffer.alloc(132);
      let headLen = 0;
      let queue: Uint8Array[] = [];
      let queued = 0;
      const flush = async () => {
        if (queued === 0) return;
        const data = queue.length === 1 ? queue[0] : Buffer.concat(queue, queued);
        queue = [];
        queued = 0;
        await file.write(data, 0, data.byteLength, null);
      };
      const take = async (bytes: Uint8Array) => {
        if (headLen < 132) {
          const n = Math.min(132 - headLen, bytes.byteLength);
          head.set(bytes.subarray(0, n), headLen);
          headLen += n;
        }
        written += bytes.byteLength;
        // Data events may share the chunk's memory; the chunk is not reused, so keeping the view is safe.
        queue.push(bytes);
        queued += bytes.byteLength;
        if (queued >= WRITE_CHUNK_BYTES) await flush();
      };
      const handle = async (events: MultipartEvent[]) => {
        for (const ev of events) {
          if (ev.type === 'part') {
            partIndex++;
            if (partIndex === 0) {
              const cl = ev.headers['content-length'];
              partLength = cl && /^\d+$/.test(cl) ? Number(cl) : null;
            }
          } else if (ev.type === 'data') {
            if (partIndex === 0) await take(ev.bytes);
          } else if (partIndex === 0) partEnded = true;
        }
      };
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        guard.touch();
        if (parser) await handle(parser.push(chunk));
        else await take(chunk);
        // Extra parts of a single-instance answer are ignored (but read, to keep the connection usable).
      }
      if (parser) {
        await handle(parser.end());
        if (parser.parts === 0 || !partEnded) throw new PacsError('protocol', `${this.who()} answered the ${what} with no DICOM part`);
      }
      await flush();
      if (partLength !== null && partLength !== written) {
        throw new PacsError('protocol', `${this.who()} sent ${written} bytes for instance ${it.sop} but announced ${partLength}: the answer is truncated or corrupt`);
      }
      if (headLen < 132 || head.toString('latin1', 128, 132) !== 'DICM') {
        throw new PacsError('protocol', `${this.who()} sent instance ${it.sop} without a DICOM Part 10 header (no "DICM" at byte 128); the file was not kept`);
      }
      await fh.close();
      fh = null;
      await rename(tmp, final);
      renamed = true;
      return written;
    } catch (err) {
      if (res?.body && !res.bodyUsed) res.body.cancel().catch(() => {});
      throw this.toPacsError(err, guard, signal, what);
    } finally {
      guard.done();
      if (fh) await fh.close().catch(() => {});
      if (!renamed) await rm(tmp, { force: true }).catch(() => {});
    }
  }

  // ---- QIDO-RS ------------------------------------------------------------------------------

  /** A QIDO request → its DICOM JSON datasets; 204 or an empty body → []. Follows "more results" warnings with offset. */
  private async qido(path: string, params: [string, string][], signal: AbortSignal | undefined, what: string, page = true): Promise<DicomJson[]> {
    const all: DicomJson[] = [];
    for (let pageNo = 0; pageNo < MAX_QIDO_PAGES; pageNo++) {
      const p = pageNo === 0 ? params : [...params, ['offset', String(all.length)] as [string, string]];
      const query = p.map(([k, v]) => `${queryEncode(k)}=${queryEncode(v)}`).join('&');
      const url = `${this.base}${path}${query ? `?${query}` : ''}`;
      const guard = new Guard(signal, this.timeoutMs);
      let rows: DicomJson[];
      let more = false;
      try {
        const res = await fetch(url, { headers: { ...this.authHeaders(), accept: DICOM_JSON }, signal: guard.signal });
        guard.touch();
        if (!res.ok) throw await this.httpError(res, guard, what);
        more = /additional results|more results|remaining results|too many/i.test(res.headers.get('warning') ?? '');
        const body = res.status === 204 ? '' : await this.readText(res, guard);
        rows = this.parseDicomJsonArray(body, res.headers.get('content-type'), what);
      } catch (err) {
        throw this.toPacsError(err, guard, signal, what);
      } finally {
        guard.done();
      }
      all.push(...rows);
      if (!page || !more || rows.length === 0) break;
    }
    return all;
  }

  private parseDicomJsonArray(body: string, type: string | null, what: string): DicomJson[] {
    const t = body.trim();
    if (!t) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch {
      const html = t.startsWith('<') || /text\/html/i.test(type ?? '');
      throw new PacsError(
        'protocol',
        `${this.who()} answered the ${what} with ${html ? 'an HTML page' : 'something'} that is not DICOM JSON${html ? ' — is the URL the DICOMweb root (e.g. …/dicom-web)?' : ''}: ${clip(t, 120)}`,
      );
    }
    if (!Array.isArray(parsed) || parsed.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) {
      throw new PacsError('protocol', `${this.who()} answered the ${what} with JSON that is not a list of DICOM datasets: ${clip(t, 120)}`);
    }
    return parsed as DicomJson[];
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private who(): string {
    return `PACS "${this.opts.nodeName}" (${this.shownUrl})`;
  }

  private authHeaders(): Record<string, string> {
    const a = this.opts.auth;
    if (a.kind === 'basic') return { authorization: `Basic ${Buffer.from(`${a.username}:${a.password}`, 'utf8').toString('base64')}` };
    if (a.kind === 'bearer') return { authorization: `Bearer ${a.token.trim()}` };
    return {};
  }

  private authWords(): string {
    const a = this.opts.auth;
    if (a.kind === 'basic') return `basic authentication as user "${a.username}": check the user name and password in the node's settings`;
    if (a.kind === 'bearer') return `a bearer token: check the token in the node's settings (it may have expired)`;
    return `no authentication: the server wants credentials — set basic authentication or a bearer token in the node's settings`;
  }

  private checkUid(uid: string, what: string): string {
    const u = cleanUid(uid ?? '');
    if (!isUid(u)) throw new ApiError('invalid', `"${clip(uid ?? '', 80)}" is not a ${what} (digits and dots)`);
    return u;
  }

  private throwIfCancelled(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw this.cancelled('request');
  }

  private cancelled(what: string, kept?: number): PacsError {
    const keptWords = kept ? ` (${kept} complete file${kept === 1 ? '' : 's'} already written were kept)` : '';
    return new PacsError('cancelled', `${what} on ${this.who()} was cancelled${keptWords}`);
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async readText(res: Response, guard: Guard): Promise<string> {
    if (!res.body) return '';
    const chunks: Buffer[] = [];
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      guard.touch();
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The useful words of an error body (Orthanc's JSON error: Details or Message). */
  private serverText(body: string): string {
    try {
      const j = JSON.parse(body) as Record<string, unknown>;
      const words = [j.Message, j.Details, j.message, j.error, j.errorMessage].filter((x): x is string => typeof x === 'string' && x.length > 0);
      if (words.length > 0) return [...new Set(words)].join(': ');
    } catch {}
    return body.startsWith('<') ? body.replace(/<[^>]*>/g, ' ') : body;
  }

  private async httpError(res: Response, guard: Guard, what: string): Promise<PacsError> {
    let body = '';
    try {
      body = await this.readText(res, guard);
    } catch {}
    const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status === 401 || res.status === 403) {
      return new PacsError('unauthorized', `${this.who()} refused the ${what} (${status}) with ${this.authWords()}`);
    }
    const words = clip(this.serverText(body));
    const hint =
      res.status === 404 && /QIDO|echo/.test(what)
        ? ' — is the URL the DICOMweb root (e.g. http://host:8042/dicom-web)?'
        : res.status >= 500
          ? ' — the server failed; its log may say why'
          : '';
    return new PacsError('refused', `${this.who()} refused the ${what}: ${status}${words ? ` — ${words}` : ''}${hint}`);
  }

  /** Any failure of a request as a PacsError the reader can act on. */
  private toPacsError(err: unknown, guard: Guard | null, outer: AbortSignal | undefined, what: string): PacsError {
    if (err instanceof PacsError) return err;
    if (outer?.aborted) {
      const reason = outer.reason;
      if (reason instanceof PacsError) return reason;
      return this.cancelled(what);
    }
    if (guard?.timedOut) {
      return new PacsError('timeout', `${this.who()} did not answer the ${what} within ${Math.round(this.timeoutMs / 100) / 10} s — is the server overloaded or the network slow? Try again, or raise the time limit`);
    }
    if (err instanceof MultipartError) return new PacsError('protocol', `${this.who()} sent a malformed multipart answer to the ${what}: ${err.message}`);
    const code = errorCode(err);
    if (code && TIMEOUT_CODES.has(code)) {
      return new PacsError('timeout', `${this.who()} did not answer the ${what} in time (${code}) — is the server overloaded or a firewall dropping the connection?`);
    }
    if (code && TLS_CODES.has(code)) {
      return new PacsError(
        'unreachable',
        `${this.who()} cannot be reached securely: its certificate is not trusted (${code}). A private certificate authority is not supported here; NODE_EXTRA_CA_CERTS can add one for the whole application`,
      );
    }
    if (code && CONNECTION_CODES[code]) return new PacsError('unreachable', `${this.who()} cannot be reached: ${CONNECTION_CODES[code]} (${code})`);
    const message = err instanceof Error ? `${err.message}${errorCode(err) ? ` (${errorCode(err)})` : ''}` : String(err);
    if (err instanceof TypeError && /fetch failed|terminated|network/i.test(err.message)) {
      const cause = (err as { cause?: unknown }).cause;
      const detail = cause instanceof Error ? cause.message : message;
      return new PacsError('unreachable', `${this.who()} cannot be reached: ${clip(detail, 200)} — is the server running and the URL right?`);
    }
    return new PacsError('protocol', `${this.who()}: the ${what} failed: ${clip(message, 200)}`);
  }

  /** Runs `fn` over `items`, at most `limit` at a time, results in order; the first error wins once all have settled. */
  private async pool<I, R>(items: I[], limit: number, fn: (item: I) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    let failure: { err: unknown } | null = null;
    const run = async () => {
      while (!failure && next < items.length) {
        const i = next++;
        try {
          results[i] = await fn(items[i]);
        } catch (err) {
          failure ??= { err };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
    if (failure) throw (failure as { err: unknown }).err;
    return results;
  }
}

