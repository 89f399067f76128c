/**
 * Words and numbers of the PACS page and the priors notice: query dates, the node form,
 * progress of a retrieval, its result and errors, in the reader's words. Pure functions of
 * the API's plain data (no DOM, no API), unit-tested beside this file.
 */
import type {
  NewPacsNode,
  PacsAuth,
  PacsNode,
  PacsPriors,
  PacsProgressEvent,
  PacsQuery,
  PacsRetrieveResult,
  PacsSendResult,
  PacsStudy,
  ReceiverStatus,
  RetrieveMethod,
} from '../../../../core/api/domains/pacs';
import { ApiError } from '../../../../core/api/errors';
import { isApiMethod } from '../../../../core/api/contract';

// ---- dates -------------------------------------------------------------------------------

/** An <input type="date"> value (YYYY-MM-DD) as a DICOM DA (YYYYMMDD); '' stays ''. Null when it is neither. */
export function toDicomDate(iso: string): string | null {
  const v = iso.trim();
  if (v === '') return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (!m) return null;
  const [, y, mo, d] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return `${y}${mo}${d}`;
}

/**
 * The study-date matcher of a query from two date inputs: "YYYYMMDD-YYYYMMDD", an open range
 * ("YYYYMMDD-" from, "-YYYYMMDD" up to), one day ("YYYYMMDD" when both are the same), or
 * undefined when both are empty. Throws, in words, when a date is malformed or the range is reversed.
 */
export function studyDateRange(from: string, to: string): string | undefined {
  const a = toDicomDate(from);
  const b = toDicomDate(to);
  if (a === null) throw new Error(`"${from}" is not a date (YYYY-MM-DD)`);
  if (b === null) throw new Error(`"${to}" is not a date (YYYY-MM-DD)`);
  if (a === '' && b === '') return undefined;
  if (a !== '' && b !== '' && a > b) throw new Error(`the study dates are the wrong way round: ${isoDate(a)} is after ${isoDate(b)}`);
  if (a !== '' && a === b) return a;
  return `${a}-${b}`;
}

/** A DICOM DA (YYYYMMDD) or ISO date as YYYY-MM-DD; anything else as it is; null/'' as '—'. */
export function isoDate(date: string | null | undefined): string {
  if (!date) return '—';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : date;
}

// ---- the query form ---------------------------------------------------------------------

export interface QueryForm {
  patientId: string;
  patientName: string;
  /** YYYY-MM-DD (date input) */
  birthDate: string;
  /** YYYY-MM-DD (date inputs) */
  studyFrom: string;
  studyTo: string;
  /** '' means any modality */
  modality: string;
  accessionNumber: string;
}

export const EMPTY_QUERY: QueryForm = { patientId: '', patientName: '', birthDate: '', studyFrom: '', studyTo: '', modality: 'CT', accessionNumber: '' };

/** The modalities offered in the query form ('' = any). */
export const MODALITIES = ['CT', 'MR', 'PT', 'CR', 'DX', 'US', 'NM', 'XA', 'MG', 'SR', 'SEG', ''] as const;

/** The query of the form, or why it cannot be asked. Only filled fields travel. */
export function buildQuery(form: QueryForm): { query: PacsQuery } | { error: string } {
  const query: PacsQuery = {};
  const patientId = form.patientId.trim();
  const patientName = form.patientName.trim();
  const accession = form.accessionNumber.trim();
  if (patientId) query.patientId = patientId;
  if (patientName) query.patientName = patientName;
  if (accession) query.accessionNumber = accession;
  if (form.modality) query.modality = form.modality;
  const birth = toDicomDate(form.birthDate);
  if (birth === null) return { error: `The birth date "${form.birthDate}" is not a date (YYYY-MM-DD).` };
  if (birth) query.birthDate = birth;
  try {
    const range = studyDateRange(form.studyFrom, form.studyTo);
    if (range) query.studyDate = range;
  } catch (e) {
    return { error: `Study date: ${e instanceof Error ? e.message : String(e)}.` };
  }
  // A query of the modality alone would list the whole archive.
  if (!patientId && !patientName && !accession && !query.birthDate && !query.studyDate)
    return { error: 'Give a patient ID, a name, an accession number or a date: a query of the modality alone would list the whole PACS.' };
  return { query };
}

/** "CT · DOE* · 20240101-20241231": what was asked, for the results' heading. */
export function queryText(query: PacsQuery): string {
  const parts = [query.patientId, query.patientName, query.accessionNumber && `acc. ${query.accessionNumber}`, query.birthDate && `born ${isoDate(query.birthDate)}`, query.studyDate, query.modality].filter(Boolean);
  return parts.join(' · ');
}

/** How a study is named in progress and results: "2024-03-01 CT ABDOMEN", the modalities only when the description does not say them. */
export function studyLabel(s: Pick<PacsStudy, 'studyDate' | 'modalities' | 'description'>): string {
  const description = s.description.trim();
  const words = new Set(description.toUpperCase().split(/[^A-Z0-9]+/));
  const modalities = s.modalities.filter((m) => !words.has(m.toUpperCase())).join('/');
  return [isoDate(s.studyDate), modalities, description].filter(Boolean).join(' ');
}

/** "3 series · 128 images" (either may be unknown). */
export function countsText(s: Pick<PacsStudy, 'seriesCount' | 'instanceCount'>): string {
  const series = s.seriesCount === null ? '? series' : `${s.seriesCount} series`;
  const images = s.instanceCount === null ? '? images' : `${s.instanceCount} image${s.instanceCount === 1 ? '' : 's'}`;
  return `${series} · ${images}`;
}

/** Studies newest first (undated last). */
export function sortStudies<T extends Pick<PacsStudy, 'studyDate' | 'studyTime'>>(studies: T[]): T[] {
  return [...studies].sort((a, b) => `${b.studyDate ?? ''}${b.studyTime ?? ''}`.localeCompare(`${a.studyDate ?? ''}${a.studyTime ?? ''}`));
}

// ---- nodes -------------------------------------------------------------------------------

/** "ORTHANC@pacs:4242 · https://pacs/dicom-web": where a node is reached. */
export function nodeAddress(node: Pick<PacsNode, 'aeTitle' | 'host' | 'port' | 'dicomwebUrl'>): string {
  const parts: string[] = [];
  if (node.aeTitle) parts.push(`${node.aeTitle}@${node.host ?? '?'}:${node.port ?? '?'}`);
  if (node.dicomwebUrl) parts.push(node.dicomwebUrl);
  return parts.join(' · ') || '(no address)';
}

export const RETRIEVE_METHOD_LABEL: Record<RetrieveMethod, string> = {
  'wado-rs': 'WADO-RS (DICOMweb)',
  'c-get': 'C-GET (DIMSE)',
  'c-move': 'C-MOVE to this workstation’s receiver',
};

export const AUTH_LABEL: Record<PacsAuth, string> = { none: 'None', basic: 'Basic (user + password)', bearer: 'Bearer token' };

/** The node form, as text fields. The password or token is never filled from a node. */
export interface NodeForm {
  id: number | null;
  name: string;
  dicomwebUrl: string;
  aeTitle: string;
  host: string;
  port: string;
  auth: PacsAuth;
  username: string;
  /** Typed here only; blank keeps the stored one. */
  secret: string;
  /** Whether the node has a password or token stored (shown as "stored", never the value). */
  hasSecret: boolean;
  retrieveMethod: RetrieveMethod | 'auto';
  queryPriors: boolean;
  autoRetrievePriors: boolean;
}

export function emptyNodeForm(): NodeForm {
  return { id: null, name: '', dicomwebUrl: '', aeTitle: '', host: '', port: '', auth: 'none', username: '', secret: '', hasSecret: false, retrieveMethod: 'auto', queryPriors: true, autoRetrievePriors: false };
}

export function nodeToForm(node: PacsNode): NodeForm {
  return {
    id: node.id,
    name: node.name,
    dicomwebUrl: node.dicomwebUrl ?? '',
    aeTitle: node.aeTitle ?? '',
    host: node.host ?? '',
    port: node.port === null ? '' : String(node.port),
    auth: node.auth,
    username: node.username ?? '',
    secret: '',
    hasSecret: node.hasSecret,
    retrieveMethod: node.retrieveMethod,
    queryPriors: node.queryPriors,
    autoRetrievePriors: node.autoRetrievePriors,
  };
}

/**
 * What savePacsNode gets from the form, or the first thing to fix (the workstation checks
 * again and has the last word). A blank secret is left out, so the stored one stays.
 */
export function formToNode(form: NodeForm): { node: NewPacsNode & { id?: number } } | { error: string } {
  const name = form.name.trim();
  if (!name) return { error: 'Give the node a name (letters, digits, ".", "_" or "-").' };
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) return { error: `"${name}" cannot be a node name: use letters, digits, ".", "_" or "-" (at most 64).` };
  const url = form.dicomwebUrl.trim();
  if (url && !/^https?:\/\/[^\s/]+/i.test(url)) return { error: `"${url}" is not a DICOMweb URL (e.g. http://pacs:8042/dicom-web).` };
  const ae = form.aeTitle.trim();
  const host = form.host.trim();
  const portText = form.port.trim();
  const anyDimse = Boolean(ae || host || portText);
  let port: number | null = null;
  if (anyDimse) {
    if (!ae || !host || !portText) return { error: 'For DIMSE give all three: AE title, host and port (or leave all three empty).' };
    if (ae.length > 16 || ae.includes('\\')) return { error: `"${ae}" is not an AE title (at most 16 characters, no backslash).` };
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { error: `Port "${portText}" is not a TCP port (1–65535).` };
  }
  if (!url && !anyDimse) return { error: 'Give a DICOMweb URL, or a DIMSE AE title, host and port — or both.' };
  if (form.auth !== 'none' && !url) return { error: 'Authentication is for DICOMweb: give the DICOMweb URL, or choose "None".' };
  if (form.auth === 'basic' && !form.username.trim()) return { error: 'Basic authentication needs a user name.' };
  if (form.auth !== 'none' && !form.secret && !form.hasSecret) return { error: form.auth === 'basic' ? 'Type the password (it is kept in the secret store).' : 'Paste the token (it is kept in the secret store).' };
  if (form.retrieveMethod === 'wado-rs' && !url) return { error: 'WADO-RS needs the DICOMweb URL.' };
  if ((form.retrieveMethod === 'c-get' || form.retrieveMethod === 'c-move') && !anyDimse) return { error: `${form.retrieveMethod.toUpperCase()} needs the DIMSE AE title, host and port.` };
  const node: NewPacsNode & { id?: number } = {
    name,
    dicomwebUrl: url || null,
    aeTitle: ae || null,
    host: host || null,
    port,
    auth: form.auth,
    username: form.auth === 'basic' ? form.username.trim() : null,
    queryPriors: form.queryPriors,
    autoRetrievePriors: form.queryPriors && form.autoRetrievePriors,
  };
  if (form.id !== null) node.id = form.id;
  if (form.retrieveMethod !== 'auto') node.retrieveMethod = form.retrieveMethod;
  if (form.auth !== 'none' && form.secret) node.secret = form.secret;
  return { node };
}

type EchoPart = { ok: boolean; ms: number; error?: string } | null;

/** One line of an echo: "DICOMweb: OK in 12 ms", "DIMSE: failed after 3001 ms — connection refused", "DIMSE: not configured". */
export function echoText(label: 'DIMSE' | 'DICOMweb', part: EchoPart): string {
  if (part === null) return `${label}: not configured`;
  if (part.ok) return `${label}: OK in ${part.ms} ms`;
  return `${label}: failed after ${part.ms} ms — ${part.error ?? 'no answer'}`;
}

// ---- progress, results, errors ----------------------------------------------------------

/** "1.2 MB" */
export function bytesText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** What a retrieval or sending is doing, in words, from its last progress event (null: just asked). */
export function progressText(ev: PacsProgressEvent | null): string {
  if (!ev) return 'Asking the PACS…';
  const of = ev.total !== null && ev.total > 0 ? `${ev.done} of ${ev.total}` : `${ev.done}`;
  const size = ev.bytes > 0 ? ` (${bytesText(ev.bytes)})` : '';
  switch (ev.phase) {
    case 'query':
      return `Asking ${ev.node} what it has…`;
    case 'retrieve':
      return ev.done === 0 && ev.bytes === 0 ? `Waiting for ${ev.node} to send the images…` : `Receiving images from ${ev.node}: ${of}${size}`;
    case 'import':
      return `Importing ${ev.total ?? ev.done} image${(ev.total ?? ev.done) === 1 ? '' : 's'} into the library…`;
    case 'send':
      return ev.total ? `Sending ${ev.total} file${ev.total === 1 ? '' : 's'} to ${ev.node}…` : `Sending to ${ev.node}…`;
    case 'done':
      return `Done: ${ev.done} image${ev.done === 1 ? '' : 's'}${size}`;
    case 'cancelled':
      return 'Cancelled';
    case 'failed':
      return `Failed${ev.message ? `: ${ev.message}` : ''}`;
  }
}

/** The bar's value 0–1, or null when it cannot say (the bar then runs without a value). */
export function progressFraction(ev: PacsProgressEvent | null): number | null {
  if (!ev) return null;
  if (ev.phase === 'done') return 1;
  if (ev.phase === 'retrieve' && ev.total !== null && ev.total > 0) return Math.min(1, Math.max(0, ev.done / ev.total));
  if (ev.phase === 'send' && ev.total !== null && ev.total > 0) return Math.min(1, ev.done / ev.total);
  return null;
}

/** Whether the event ends its job. */
export const isFinalPhase = (phase: PacsProgressEvent['phase']): boolean => phase === 'done' || phase === 'failed' || phase === 'cancelled';

/** "64 images received (5.2 MB in 3.4 s): 64 imported, 0 duplicates, 0 skipped". */
export function retrieveSummary(r: PacsRetrieveResult): string {
  const received = `${r.received} image${r.received === 1 ? '' : 's'} received`;
  const of = r.expected !== null && r.expected !== r.received ? ` of ${r.expected} announced` : '';
  const how = ` (${bytesText(r.bytes)} in ${r.seconds.toFixed(1)} s)`;
  const rep = r.report;
  return `${received}${of}${how}: ${rep.imported} imported, ${rep.duplicates} duplicate${rep.duplicates === 1 ? '' : 's'}, ${rep.skipped} skipped`;
}

/** Files of the report that were skipped, each "file: why". */
export function skippedFiles(r: PacsRetrieveResult, max = 20): string[] {
  return r.report.files
    .filter((f) => f.outcome === 'skipped')
    .slice(0, max)
    .map((f) => `${f.file.split(/[\\/]/).pop() ?? f.file}: ${f.reason ?? 'not imported'}`);
}

/** Whether a retrieval brought everything it was asked for. */
export function retrieveComplete(r: PacsRetrieveResult): boolean {
  return !r.cancelled && r.missing.length === 0 && r.report.skipped === 0;
}

/** A thrown value in clear words, without the transport's "method: " prefix. */
export function errorText(e: unknown): string {
  let message = e instanceof Error ? e.message : typeof e === 'string' ? e : String(e);
  const prefix = /^([A-Za-z]+): /.exec(message);
  if (prefix && isApiMethod(prefix[1])) message = message.slice(prefix[0].length);
  message = message.trim() || 'no message';
  if (e instanceof ApiError && e.kind === 'unavailable' && /failed to fetch|networkerror|load failed|fetch failed/i.test(message))
    return `The workstation did not answer (${message}): is it still running?`;
  return message;
}

/** Whether a failure was the reader's own cancellation. */
export function isCancellation(e: unknown): boolean {
  return e instanceof ApiError && e.kind === 'conflict' && /cancel/i.test(e.message);
}

/** "2 sent (SR, report); 1 failed" */
export function sendSummary(r: PacsSendResult): string {
  const what = (w: 'sr' | 'seg' | 'report') => (w === 'report' ? 'report PDF' : w.toUpperCase());
  const sent = r.sent.length ? `${r.sent.length} sent to ${r.node} (${r.sent.map((s) => what(s.what)).join(', ')})` : `nothing sent to ${r.node}`;
  return r.failed.length ? `${sent}; ${r.failed.length} failed` : sent;
}

export const SEND_LABEL: Record<'sr' | 'seg' | 'report', string> = { sr: 'DICOM SR (measurements)', seg: 'DICOM SEG (masks)', report: 'Report PDF (Encapsulated PDF)' };

// ---- priors ------------------------------------------------------------------------------

/**
 * The notice line: "2 prior CT studies on PACS-A not in the library", or null when there is
 * none. Studies on several nodes name them all.
 */
export function priorsText(priors: Pick<PacsPriors, 'studies'>): string | null {
  const n = priors.studies.length;
  if (n === 0) return null;
  const nodes = [...new Set(priors.studies.map((s) => s.node))];
  return `${n} prior CT stud${n === 1 ? 'y' : 'ies'} on ${nodes.join(', ')} not in the library`;
}

/** The dim line under the notice: nodes that could not be asked. */
export function priorsErrorsText(errors: PacsPriors['errors']): string | null {
  if (!errors.length) return null;
  return errors.map((e) => `${e.node}: ${e.error}`).join(' · ');
}

// ---- receiver ----------------------------------------------------------------------------

/** "Listening as LONGITUDE on port 11112 · any calling AE · 12 received" / "Stopped". */
export function receiverText(s: ReceiverStatus): string {
  if (!s.running) return `Stopped (would listen as ${s.aeTitle} on port ${s.port})`;
  const who = s.allowedCallingAets.length ? `accepts ${s.allowedCallingAets.join(', ')}` : 'accepts any calling AE';
  return `Listening as ${s.aeTitle} on port ${s.port} · ${who} · ${s.received} image${s.received === 1 ? '' : 's'} received`;
}

/** "A, B C" → ["A", "B", "C"]: AE titles typed with commas or spaces. */
export function parseAeList(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))];
}

// ---- ids ---------------------------------------------------------------------------------

/** A job id for progress events: crypto.randomUUID where the page is a secure context, else random bytes. */
export function newJobId(c: Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string } | undefined = globalThis.crypto): string {
  if (c?.randomUUID) return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c) c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
