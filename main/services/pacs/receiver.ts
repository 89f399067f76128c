/**
 * The C-STORE receiver (a storage SCP): accepts C-ECHO and C-STORE for the storage SOP classes
 * the workstation reads, from the calling AE titles it is told to accept, and streams every
 * instance to disk as it arrives — `<dir>/<SOPInstanceUID>.dcm`, written as `.part` and renamed
 * when complete — so a large instance is never held in memory. Instances that a C-MOVE of ours
 * is waiting for (`expect`) go to that retrieval's folder; everything else stays in
 * `incomingDir` and is announced, per association, by `association-released`.
 *
 * The streaming machinery (Part 10 writer, the look at the start of a dataset for its UIDs, the
 * list of storage SOP classes and transfer syntaxes) is shared with the C-GET side of dimse.ts.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { closeSync, copyFileSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as dimseNs from 'dcmjs-dimse';

// dcmjs-dimse is a CommonJS bundle: under Node's ESM loader its exports are on `default`.
export const dimse = ((dimseNs as unknown as { default?: typeof dimseNs }).default ?? dimseNs) as typeof dimseNs;
export type DimsePresentationContext = dimseNs.association.PresentationContext;
export type DimseAssociation = dimseNs.association.Association;
export type DimseCStoreRequest = dimseNs.requests.CStoreRequest;
export type DimseCStoreResponse = dimseNs.responses.CStoreResponse;

// The library logs every PDU at info level; errors reach callers as PacsError / events instead.
dimse.log.setLevel(process.env.LNG_DIMSE_LOG ? (process.env.LNG_DIMSE_LOG as 'info') : 'silent');

// ---- transfer syntaxes and storage SOP classes ------------------------------------------------

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNear: '1.2.840.10008.1.2.4.81',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  j2k: '1.2.840.10008.1.2.4.91',
} as const;

export const UNCOMPRESSED_SYNTAXES: string[] = [TS.explicitLE, TS.implicitLE];
/** Encapsulated syntaxes the library's importer decodes; received as they are (no transcoding). */
export const COMPRESSED_SYNTAXES: string[] = [TS.jpegLosslessSV1, TS.jpegLossless, TS.jpegLsLossless, TS.j2kLossless, TS.rle, TS.j2k, TS.jpegLsNear, TS.jpegBaseline, TS.jpegExtended];

/** Image storage classes: offered with the compressed syntaxes too. */
export const IMAGE_STORAGE_CLASSES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.2': 'CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.2': 'Legacy Converted Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.4': 'MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.4.1': 'Enhanced MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.128': 'Positron Emission Tomography Image Storage',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.2': 'Multi-frame Grayscale Byte Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.3': 'Multi-frame Grayscale Word Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.4': 'Multi-frame True Color Secondary Capture Image Storage',
};
/** Other storage classes: uncompressed syntaxes only. */
export const OTHER_STORAGE_CLASSES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.4.4': 'Legacy Converted Enhanced MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.130': 'Enhanced PET Image Storage',
  '1.2.840.10008.5.1.4.1.1.128.1': 'Legacy Converted Enhanced PET Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.1': 'Multi-frame Single Bit Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.1': 'Computed Radiography Image Storage',
  '1.2.840.10008.5.1.4.1.1.1.1': 'Digital X-Ray Image Storage - For Presentation',
  '1.2.840.10008.5.1.4.1.1.20': 'Nuclear Medicine Image Storage',
  '1.2.840.10008.5.1.4.1.1.6.1': 'Ultrasound Image Storage',
  '1.2.840.10008.5.1.4.1.1.3.1': 'Ultrasound Multi-frame Image Storage',
  '1.2.840.10008.5.1.4.1.1.12.1': 'X-Ray Angiographic Image Storage',
  '1.2.840.10008.5.1.4.1.1.66.4': 'Segmentation Storage',
  '1.2.840.10008.5.1.4.1.1.66.5': 'Surface Segmentation Storage',
  '1.2.840.10008.5.1.4.1.1.66.1': 'Spatial Registration Storage',
  '1.2.840.10008.5.1.4.1.1.66.3': 'Deformable Spatial Registration Storage',
  '1.2.840.10008.5.1.4.1.1.66': 'Raw Data Storage',
  '1.2.840.10008.5.1.4.1.1.30': 'Parametric Map Storage',
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.34': 'Comprehensive 3D SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.59': 'Key Object Selection Document Storage',
  '1.2.840.10008.5.1.4.1.1.88.67': 'X-Ray Radiation Dose SR Storage',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF Storage',
  '1.2.840.10008.5.1.4.1.1.11.1': 'Grayscale Softcopy Presentation State Storage',
  '1.2.840.10008.5.1.4.1.1.481.2': 'RT Dose Storage',
  '1.2.840.10008.5.1.4.1.1.481.3': 'RT Structure Set Storage',
};
export const STORAGE_CLASSES: Record<string, string> = { ...IMAGE_STORAGE_CLASSES, ...OTHER_STORAGE_CLASSES };

export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';

const UID_RE = /^[0-9]+(\.[0-9]+)*$/;
export function isUid(v: string | null | undefined): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 64 && UID_RE.test(v);
}

/** DIMSE status codes used here (PS3.4 / PS3.7). */
export const STATUS = {
  success: 0x0000,
  cancel: 0xfe00,
  pending: 0xff00,
  pendingWarning: 0xff01,
  processingFailure: 0x0110,
  outOfResources: 0xa700,
  dataSetMismatch: 0xa900,
  cannotUnderstand: 0xc000,
  moveDestinationUnknown: 0xa801,
} as const;

export function hex4(status: number): string {
  return `0x${status.toString(16).toUpperCase().padStart(4, '0')}`;
}

// ---- Part 10 writing ---------------------------------------------------------------------------

export const IMPLEMENTATION_CLASS_UID = dimse.Implementation.getImplementationClassUid();
const IMPLEMENTATION_VERSION = 'LONGITUDE';

function metaElement(group: number, element: number, vr: string, value: Buffer): Buffer {
  const long = vr === 'OB' || vr === 'OW' || vr === 'UN' || vr === 'SQ' || vr === 'UT';
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(element, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

function padded(s: string, pad: '\0' | ' '): Buffer {
  const b = Buffer.from(s, 'latin1');
  return b.length % 2 ? Buffer.concat([b, Buffer.from(pad, 'latin1')]) : b;
}

/** Preamble, "DICM" and the File Meta Information group (Explicit VR Little Endian). */
export function part10Header(m: { sopClassUid: string; sopInstanceUid: string; transferSyntaxUid: string; sourceAet?: string }): Buffer {
  const elements = [
    metaElement(2, 0x0001, 'OB', Buffer.from([0, 1])),
    metaElement(2, 0x0002, 'UI', padded(m.sopClassUid, '\0')),
    metaElement(2, 0x0003, 'UI', padded(m.sopInstanceUid, '\0')),
    metaElement(2, 0x0010, 'UI', padded(m.transferSyntaxUid, '\0')),
    metaElement(2, 0x0012, 'UI', padded(IMPLEMENTATION_CLASS_UID, '\0')),
    metaElement(2, 0x0013, 'SH', padded(IMPLEMENTATION_VERSION, ' ')),
    ...(m.sourceAet ? [metaElement(2, 0x0016, 'AE', padded(m.sourceAet.trim().slice(0, 16), ' '))] : []),
  ];
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length, 0);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), metaElement(2, 0x0000, 'UL', groupLength), body]);
}

export interface Part10Meta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** Byte offset of the dataset (after the meta group). */
  datasetOffset: number;
}

/** Reads the File Meta Information of a Part 10 file from its first bytes; null when it is not one. */
export function readPart10Meta(head: Buffer): Part10Meta | null {
  if (head.length < 132 || head.toString('latin1', 128, 132) !== 'DICM') return null;
  let p = 132;
  const out: Partial<Part10Meta> = {};
  while (p + 8 <= head.length) {
    const group = head.readUInt16LE(p);
    if (group !== 2) break;
    const element = head.readUInt16LE(p + 2);
    const vr = head.toString('latin1', p + 4, p + 6);
    let len: number;
    let valueAt: number;
    if (['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV', 'SV', 'UV'].includes(vr)) {
      len = head.readUInt32LE(p + 8);
      valueAt = p + 12;
    } else {
      len = head.readUInt16LE(p + 6);
      valueAt = p + 8;
    }
    if (valueAt + len > head.length) return null;
    const str = () => head.toString('latin1', valueAt, valueAt + len).replace(/[\0 ]+$/, '');
    if (element === 0x0002) out.sopClassUid = str();
    else if (element === 0x0003) out.sopInstanceUid = str();
    else if (element === 0x0010) out.transferSyntaxUid = str();
    p = valueAt + len;
  }
  if (!out.sopClassUid || !out.sopInstanceUid || !out.transferSyntaxUid) return null;
  return { sopClassUid: out.sopClassUid, sopInstanceUid: out.sopInstanceUid, transferSyntaxUid: out.transferSyntaxUid, datasetOffset: p };
}

export interface DatasetUids {
  sopClassUid: string | null;
  sopInstanceUid: string | null;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV', 'SV', 'UV']);
const WANTED: Record<string, keyof DatasetUids> = { '00080016': 'sopClassUid', '00080018': 'sopInstanceUid', '0020000D': 'studyInstanceUid', '0020000E': 'seriesInstanceUid' };

/**
 * The SOP, Study and Series Instance UIDs from the first bytes of a dataset (top level, up to
 * group 0020), without decoding the rest: enough to route an instance while it streams to disk.
 */
export function peekDatasetUids(buf: Buffer, transferSyntaxUid: string): DatasetUids {
  const out: DatasetUids = { sopClassUid: null, sopInstanceUid: null, studyInstanceUid: null, seriesInstanceUid: null };
  if (transferSyntaxUid === TS.deflatedLE) return out;
  const explicit = transferSyntaxUid !== TS.implicitLE;
  const le = transferSyntaxUid !== TS.explicitBE;
  const u16 = (p: number) => (le ? buf.readUInt16LE(p) : buf.readUInt16BE(p));
  const u32 = (p: number) => (le ? buf.readUInt32LE(p) : buf.readUInt32BE(p));
  const UNDEFINED = 0xffffffff;

  // Returns the offset after the element at p, or -1 when the buffer ends first.
  const readElement = (p: number, inItem: boolean, visit?: (tag: string, at: number, len: number) => void): number => {
    if (p + 8 > buf.length) return -1;
    const group = u16(p);
    const element = u16(p + 2);
    if (group === 0xfffe) {
      // Item / delimiters: always implicit-style header.
      const len = u32(p + 4);
      if (element === 0xe000) return len === UNDEFINED ? readUntilDelimiter(p + 8, 0xe00d) : p + 8 + len;
      return p + 8;
    }
    let len: number;
    let valueAt: number;
    if (explicit) {
      const vr = buf.toString('latin1', p + 4, p + 6);
      if (LONG_VRS.has(vr)) {
        if (p + 12 > buf.length) return -1;
        len = u32(p + 8);
        valueAt = p + 12;
      } else {
        len = u16(p + 6);
        valueAt = p + 8;
      }
    } else {
      len = u32(p + 4);
      valueAt = p + 8;
    }
    if (len === UNDEFINED) {
      // A sequence (or encapsulated data) of undefined length: items up to the sequence delimiter.
      return readUntilDelimiter(valueAt, 0xe0dd);
    }
    if (!inItem && visit) visit(`${hex(group)}${hex(element)}`, valueAt, len);
    return valueAt + len;
  };
  const readUntilDelimiter = (p: number, delimiter: number): number => {
    while (p >= 0 && p + 8 <= buf.length) {
      if (u16(p) === 0xfffe && u16(p + 2) === delimiter) return p + 8;
      p = readElement(p, true);
    }
    return -1;
  };
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

  let p = 0;
  try {
    while (p >= 0 && p + 8 <= buf.length) {
      const group = u16(p);
      if (group > 0x0020) break;
      p = readElement(p, false, (tag, at, len) => {
        const key = WANTED[tag];
        if (key && at + len <= buf.length) out[key] = buf.toString('latin1', at, at + len).replace(/[\0 ]+$/, '').trim() || null;
      });
    }
  } catch {
    // A malformed start: whatever was found so far.
  }
  return out;
}

/**
 * A `.part` file that a C-STORE's dataset is written to as its PDVs arrive: synchronous writes
 * (the DIMSE reader is paced by them, so nothing piles up in memory), the Part 10 header first,
 * the first bytes of the dataset kept to find its UIDs, then renamed into place when complete.
 */
export class PartFileWriter extends Writable {
  readonly partPath: string | null;
  bytes = 0;
  failure: Error | null = null;
  private fd: number | null = null;
  private head: Buffer[] = [];
  private headLength = 0;
  static readonly HEAD_BYTES = 256 * 1024;

  constructor(
    dir: string,
    readonly meta: { sopClassUid: string; sopInstanceUid: string; transferSyntaxUid: string; sourceAet?: string },
  ) {
    // Never ask the library to wait for 'drain': every write is done when write() returns.
    super({ highWaterMark: 1 << 30, decodeStrings: false });
    if (!isUid(meta.sopInstanceUid)) {
      this.partPath = null;
      this.failure = new Error(`the SOP Instance UID "${meta.sopInstanceUid}" is not a UID`);
      return;
    }
    this.partPath = join(dir, `${meta.sopInstanceUid}.${randomBytes(4).toString('hex')}.part`);
    try {
      mkdirSync(dir, { recursive: true });
      this.fd = openSync(this.partPath, 'wx');
      this.writeAll(part10Header(meta));
    } catch (e) {
      this.fail(e);
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.headLength < PartFileWriter.HEAD_BYTES) {
      this.head.push(chunk);
      this.headLength += chunk.length;
    }
    if (this.fd !== null && !this.failure) {
      try {
        this.writeAll(chunk);
      } catch (e) {
        this.fail(e);
      }
    }
    // Errors are kept (answered as a C-STORE failure), never emitted: the association goes on.
    cb();
  }

  private writeAll(b: Buffer): void {
    let off = 0;
    while (off < b.length) off += writeSync(this.fd!, b, off, b.length - off);
  }

  private fail(e: unknown): void {
    this.failure = e instanceof Error ? e : new Error(String(e));
    this.closeFd();
    if (this.partPath) {
      try {
        unlinkSync(this.partPath);
      } catch {}
    }
  }

  private closeFd(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {}
      this.fd = null;
    }
  }

  /** All data written: close the file (synchronously) and look at the dataset's UIDs. */
  finish(): DatasetUids {
    // Every write is synchronous; anything still queued in the stream would be a truncated file.
    if (this.writableLength > 0 && !this.failure) this.fail(new Error('the dataset was not completely written'));
    this.closeFd();
    const uids = peekDatasetUids(Buffer.concat(this.head), this.meta.transferSyntaxUid);
    this.head = [];
    return uids;
  }

  /** Moves the complete file into place (replacing an older copy of the same instance). */
  commit(finalPath: string): void {
    this.closeFd();
    if (!this.partPath || this.failure) throw this.failure ?? new Error('nothing was written');
    try {
      renameSync(this.partPath, finalPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') {
        this.discard();
        throw e;
      }
      try {
        copyFileSync(this.partPath, `${finalPath}.part`);
        renameSync(`${finalPath}.part`, finalPath);
      } finally {
        this.discard();
      }
    }
  }

  /** Removes the `.part` file (an incomplete, refused or cancelled instance). */
  discard(): void {
    this.closeFd();
    this.head = [];
    if (this.partPath) {
      try {
        unlinkSync(this.partPath);
      } catch {}
    }
  }
}

/**
 * The dataset handed to the library once an instance is on disk: it carries no elements (the
 * file is the data); the writer is found again by request.
 */
export function placeholderDataset(transferSyntaxUid: string): dimseNs.Dataset {
  return new dimse.Dataset({}, transferSyntaxUid);
}

// ---- the receiver ------------------------------------------------------------------------------

export interface StoreReceiverOptions {
  aeTitle: string;
  port: number;
  /** Interface to listen on (default 0.0.0.0). */
  host?: string;
  /** Calling AE titles accepted; empty means any. */
  allowedCallingAets?: string[];
  /** Where pushed instances are written (those no C-MOVE is waiting for). */
  incomingDir: string;
  /** Network timeouts in ms (association, PDU, idle socket); default 60 s. */
  timeoutMs?: number;
  /** Where refused associations and failures are reported (default console.warn). */
  log?: (message: string) => void;
}

export interface ReceivedInstance {
  file: string;
  sopInstanceUid: string;
  sopClassUid: string;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  callingAet: string;
  bytes: number;
  transferSyntaxUid: string;
  /** True when a C-MOVE's expectation took it (it is in that retrieval's folder). */
  routed: boolean;
}

export interface AssociationEnded {
  callingAet: string;
  calledAet: string;
  /** Instances of this association left in incomingDir (not those routed to a C-MOVE). */
  files: string[];
  /** Instances of this association that went to a C-MOVE's folder. */
  routed: string[];
  /** False when the association was aborted or the connection dropped (the files listed are complete all the same). */
  released: boolean;
}

export interface AssociationRefused {
  callingAet: string;
  calledAet: string;
  remoteAddress: string | undefined;
  reason: string;
}

export interface ReceiverExpectation {
  readonly studyInstanceUid: string;
  readonly files: string[];
  readonly sopInstanceUids: string[];
  readonly bytes: number;
  /** Stop routing instances to this folder. */
  stop(): void;
}

interface ExpectationEntry {
  studyInstanceUid: string;
  seriesInstanceUids: Set<string> | null;
  destDir: string;
  files: string[];
  sopInstanceUids: string[];
  bytes: number;
  onFile?: (r: ReceivedInstance) => void;
}

export interface StoreReceiverStatus {
  running: boolean;
  aeTitle: string;
  host: string;
  port: number;
  allowedCallingAets: string[];
  /** Instances received since start. */
  received: number;
  /** Associations open now. */
  associations: number;
  lastError: string | null;
}

export interface StoreReceiverEvents {
  received: [ReceivedInstance];
  'association-released': [AssociationEnded];
  'association-rejected': [AssociationRefused];
}

/** Chooses the transfer syntax to accept from those proposed: the proposer's order, Explicit before Implicit VR. */
export function chooseSyntax(proposed: string[], supported: Set<string>): string | null {
  const ok = proposed.filter((t) => supported.has(t));
  if (!ok.length) return null;
  if (ok[0] === TS.implicitLE && ok.includes(TS.explicitLE)) return TS.explicitLE;
  return ok[0];
}

const RECEIVABLE_SYNTAXES = new Set([...UNCOMPRESSED_SYNTAXES, ...COMPRESSED_SYNTAXES]);

export class StoreReceiver extends EventEmitter<StoreReceiverEvents> {
  readonly aeTitle: string;
  readonly host: string;
  readonly port: number;
  readonly allowedCallingAets: string[];
  readonly incomingDir: string;
  private readonly timeoutMs: number;
  private readonly log: (message: string) => void;
  private server: NetServer | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly expectations = new Set<ExpectationEntry>();
  private receivedCount = 0;
  private lastError: string | null = null;

  constructor(opts: StoreReceiverOptions) {
    super();
    this.aeTitle = opts.aeTitle.trim();
    this.host = opts.host ?? '0.0.0.0';
    this.port = opts.port;
    this.allowedCallingAets = (opts.allowedCallingAets ?? []).map((a) => a.trim()).filter((a) => a.length > 0);
    this.incomingDir = opts.incomingDir;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.log = opts.log ?? ((m) => console.warn(`[dicom receiver ${this.aeTitle}] ${m}`));
  }

  /** Listens; rejects when the port cannot be had (in use, not permitted). */
  async start(): Promise<void> {
    if (this.server) return;
    mkdirSync(this.incomingDir, { recursive: true });
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      server.once('error', onError);
      server.listen(this.port, this.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (e) => this.note(`server error: ${e.message}`));
    this.server = server;
  }

  /** Closes the server and any open association (their incomplete instances are removed). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  status(): StoreReceiverStatus {
    return {
      running: this.server !== null,
      aeTitle: this.aeTitle,
      host: this.host,
      port: this.port,
      allowedCallingAets: [...this.allowedCallingAets],
      received: this.receivedCount,
      associations: this.sockets.size,
      lastError: this.lastError,
    };
  }

  /**
   * Routes the instances of a study (or of some of its series) to `destDir` while a C-MOVE to
   * this receiver runs; `stop()` the handle when the move is over.
   */
  expect(e: { studyInstanceUid: string; seriesInstanceUids?: string[]; destDir: string; onFile?: (r: ReceivedInstance) => void }): ReceiverExpectation {
    mkdirSync(e.destDir, { recursive: true });
    const entry: ExpectationEntry = {
      studyInstanceUid: e.studyInstanceUid,
      seriesInstanceUids: e.seriesInstanceUids?.length ? new Set(e.seriesInstanceUids) : null,
      destDir: e.destDir,
      files: [],
      sopInstanceUids: [],
      bytes: 0,
      onFile: e.onFile,
    };
    this.expectations.add(entry);
    return {
      studyInstanceUid: e.studyInstanceUid,
      files: entry.files,
      sopInstanceUids: entry.sopInstanceUids,
      get bytes() {
        return entry.bytes;
      },
      stop: () => {
        this.expectations.delete(entry);
      },
    };
  }

  // ---- internals (used by the SCP of each association) ----

  /** @internal */
  note(message: string): void {
    this.lastError = message;
    this.log(message);
  }

  /** @internal Why an association is refused, or null to accept it. */
  refusal(callingAet: string, calledAet: string): { reason: number; text: string } | null {
    if (calledAet.trim() !== this.aeTitle) {
      return { reason: dimse.constants.RejectReason.CalledAeNotRecognized, text: `called AE "${calledAet.trim()}" is not this receiver's AE title ${this.aeTitle}` };
    }
    if (this.allowedCallingAets.length && !this.allowedCallingAets.includes(callingAet.trim())) {
      return { reason: dimse.constants.RejectReason.CallingAeNotRecognized, text: `calling AE "${callingAet.trim()}" is not among the accepted ones (${this.allowedCallingAets.join(', ')})` };
    }
    return null;
  }

  /** @internal */
  refused(r: AssociationRefused): void {
    this.note(`association refused from ${r.remoteAddress ?? '?'}: ${r.reason}`);
    this.emit('association-rejected', r);
  }

  /** @internal Puts a complete instance in place and says where it went. */
  place(writer: PartFileWriter, uids: DatasetUids, callingAet: string): ReceivedInstance {
    const sopInstanceUid = isUid(uids.sopInstanceUid) ? uids.sopInstanceUid : writer.meta.sopInstanceUid;
    const target = [...this.expectations].find(
      (x) => uids.studyInstanceUid === x.studyInstanceUid && (!x.seriesInstanceUids || (uids.seriesInstanceUid !== null && x.seriesInstanceUids.has(uids.seriesInstanceUid))),
    );
    const dir = target ? target.destDir : this.incomingDir;
    const file = join(dir, `${sopInstanceUid}.dcm`);
    writer.commit(file);
    const r: ReceivedInstance = {
      file,
      sopInstanceUid,
      sopClassUid: writer.meta.sopClassUid,
      studyInstanceUid: uids.studyInstanceUid,
      seriesInstanceUid: uids.seriesInstanceUid,
      callingAet,
      bytes: writer.bytes,
      transferSyntaxUid: writer.meta.transferSyntaxUid,
      routed: Boolean(target),
    };
    this.receivedCount++;
    if (target) {
      if (!target.sopInstanceUids.includes(sopInstanceUid)) {
        target.files.push(file);
        target.sopInstanceUids.push(sopInstanceUid);
      }
      target.bytes += writer.bytes;
      try {
        target.onFile?.(r);
      } catch {}
    }
    this.emit('received', r);
    return r;
  }

  /** @internal */
  ended(e: AssociationEnded): void {
    this.emit('association-released', e);
  }

  private accept(socket: Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const t = this.timeoutMs;
    const scp = new ReceiverScp(socket, { connectTimeout: t, associationTimeout: t, pduTimeout: t, customOptions: { receiver: this } });
    // As the library's Server does: the socket is connected already (no 'connect' event comes).
    (scp as unknown as NetworkInternals).connected = true;
    scp.on('networkError', (err: Error) => {
      socket.end();
      if (!/Connection closed|ECONNRESET/.test(err.message)) this.note(`association with ${scp.callingAet || socket.remoteAddress}: ${err.message}`);
    });
  }
}

// dcmjs-dimse's Network keeps these on the instance; the typings leave them out.
interface NetworkInternals {
  connected: boolean;
  socket: Socket;
}

/** One association: the Scp subclass the library drives. */
class ReceiverScp extends dimse.Scp {
  private readonly receiver: StoreReceiver;
  private assoc: DimseAssociation | null = null;
  callingAet = '';
  private calledAet = '';
  private accepted = false;
  private released = false;
  private readonly files: string[] = [];
  private readonly routed: string[] = [];
  private readonly writers = new WeakMap<object, PartFileWriter>();
  private current: PartFileWriter | null = null;

  constructor(socket: Socket, opts: { connectTimeout: number; associationTimeout: number; pduTimeout: number; customOptions: { receiver: StoreReceiver } }) {
    super(socket, opts);
    this.receiver = opts.customOptions.receiver;
    this.on('close', () => {
      this.current?.discard();
      this.current = null;
      if (this.accepted) this.receiver.ended({ callingAet: this.callingAet, calledAet: this.calledAet, files: [...this.files], routed: [...this.routed], released: this.released });
    });
  }

  override associationRequested(association: DimseAssociation): void {
    this.assoc = association;
    this.callingAet = association.getCallingAeTitle().trim();
    this.calledAet = association.getCalledAeTitle().trim();
    const refusal = this.receiver.refusal(this.callingAet, this.calledAet);
    if (refusal) {
      const socket = (this as unknown as NetworkInternals).socket;
      this.receiver.refused({ callingAet: this.callingAet, calledAet: this.calledAet, remoteAddress: socket.remoteAddress, reason: refusal.text });
      this.sendAssociationReject(dimse.constants.RejectResult.Permanent, dimse.constants.RejectSource.ServiceUser, refusal.reason);
      return;
    }
    for (const { id } of association.getPresentationContexts()) {
      const pc = association.getPresentationContext(id);
      const abstract = pc.getAbstractSyntaxUid();
      const proposed = pc.getTransferSyntaxUids();
      if (abstract === VERIFICATION_SOP_CLASS) {
        const ts = chooseSyntax(proposed, new Set(UNCOMPRESSED_SYNTAXES));
        if (ts) pc.setResult(dimse.constants.PresentationContextResult.Accept, ts);
        else pc.setResult(dimse.constants.PresentationContextResult.RejectTransferSyntaxesNotSupported);
      } else if (STORAGE_CLASSES[abstract]) {
        const ts = chooseSyntax(proposed, RECEIVABLE_SYNTAXES);
        if (ts) {
          pc.setResult(dimse.constants.PresentationContextResult.Accept, ts);
        } else pc.setResult(dimse.constants.PresentationContextResult.RejectTransferSyntaxesNotSupported);
      } else {
        pc.setResult(dimse.constants.PresentationContextResult.RejectAbstractSyntaxNotSupported);
      }
    }
    this.accepted = true;
    this.sendAssociationAccept();
  }

  override associationReleaseRequested(): void {
    this.released = true;
    this.sendAssociationReleaseResponse();
  }

  override cEchoRequest(request: dimseNs.requests.CEchoRequest, callback: (response: dimseNs.responses.CEchoResponse) => void): void {
    const response = dimse.responses.CEchoResponse.fromRequest(request);
    response.setStatus(STATUS.success);
    callback(response);
  }

  override createStoreWritableStream(pc: DimsePresentationContext, request: DimseCStoreRequest): Writable {
    const writer = new PartFileWriter(this.receiver.incomingDir, {
      sopClassUid: request.getAffectedSopClassUid(),
      sopInstanceUid: request.getAffectedSopInstanceUid(),
      transferSyntaxUid: pc.getAcceptedTransferSyntaxUid() ?? TS.implicitLE,
      sourceAet: this.callingAet,
    });
    this.writers.set(request, writer);
    this.current = writer;
    return writer;
  }

  override createDatasetFromStoreWritableStream(_writable: Writable, pc: DimsePresentationContext, callback: (dataset: dimseNs.Dataset) => void): void {
    callback(placeholderDataset(pc.getAcceptedTransferSyntaxUid() ?? TS.implicitLE));
  }

  override cStoreRequest(request: DimseCStoreRequest, callback: (response: DimseCStoreResponse) => void): void {
    const response = dimse.responses.CStoreResponse.fromRequest(request);
    const writer = this.writers.get(request);
    this.current = null;
    if (!writer) {
      response.setStatus(STATUS.processingFailure);
      response.setErrorComment('dataset not received');
      callback(response);
      return;
    }
    const uids = writer.finish();
    const sopInstanceUid = request.getAffectedSopInstanceUid();
    if (writer.failure) {
      writer.discard();
      this.receiver.note(`C-STORE of ${sopInstanceUid} from ${this.callingAet} failed: ${writer.failure.message}`);
      response.setStatus(isUid(sopInstanceUid) ? STATUS.outOfResources : STATUS.cannotUnderstand);
      response.setErrorComment(writer.failure.message.slice(0, 64));
      callback(response);
      return;
    }
    if (uids.sopClassUid && uids.sopClassUid !== request.getAffectedSopClassUid()) {
      writer.discard();
      response.setStatus(STATUS.dataSetMismatch);
      response.setErrorComment('SOP Class UID differs from the command');
      callback(response);
      return;
    }
    try {
      const r = this.receiver.place(writer, uids, this.callingAet);
      (r.routed ? this.routed : this.files).push(r.file);
      response.setStatus(STATUS.success);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.receiver.note(`C-STORE of ${sopInstanceUid} from ${this.callingAet} could not be kept: ${msg}`);
      response.setStatus(STATUS.outOfResources);
      response.setErrorComment(msg.slice(0, 64));
    }
    callback(response);
  }

  override cFindRequest(request: dimseNs.requests.CFindRequest, callback: (responses: Array<dimseNs.responses.CFindResponse>) => void): void {
    const response = dimse.responses.CFindResponse.fromRequest(request);
    response.setStatus(0x0122); // SOP class not supported
    callback([response]);
  }

  override cCancelRequest(): void {}

  override abort(): void {
    this.current?.discard();
    this.current = null;
  }
}
