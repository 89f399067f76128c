/**
 * The pacs domain's tables: nodes, the receiver's settings, and the log of what travelled.
 * This module alone writes them (tableOwners.ts). Secrets go to the SecretStore; a node row
 * holds only the name of its entry there.
 */
import type { NewPacsNode, PacsNode, RetrieveMethod } from '../../../core/api/domains/pacs';
import { conflict, invalid, notFound } from '../../../core/api/errors';
import type { Db } from '../registry/db';
import { currentReader } from '../session/readerContext';
import type { SecretStore } from './secretStore';

interface NodeRow {
  id: number;
  name: string;
  ae_title: string | null;
  host: string | null;
  port: number | null;
  dicomweb_url: string | null;
  auth: PacsNode['auth'];
  username: string | null;
  secret_ref: string | null;
  retrieve_method: RetrieveMethod;
  query_priors: number;
  auto_retrieve_priors: number;
  created_at: string;
}

function toNode(r: NodeRow): PacsNode {
  return {
    id: r.id,
    name: r.name,
    aeTitle: r.ae_title,
    host: r.host,
    port: r.port,
    dicomwebUrl: r.dicomweb_url,
    auth: r.auth,
    username: r.username,
    hasSecret: r.secret_ref !== null,
    retrieveMethod: r.retrieve_method,
    queryPriors: r.query_priors === 1,
    autoRetrievePriors: r.auto_retrieve_priors === 1,
    createdAt: r.created_at,
  };
}

/** DICOM AE title: 1-16 characters of the default repertoire, no backslash or control characters (PS3.5 6.2). */
export function validAeTitle(ae: string): boolean {
  return /^[\x20-\x5b\x5d-\x7e]{1,16}$/.test(ae) && ae.trim().length > 0;
}

function normaliseNode(input: NewPacsNode): Omit<NodeRow, 'id' | 'created_at' | 'secret_ref'> {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw invalid(`a PACS node needs a name of letters, digits, ".", "_" or "-" (got "${input.name ?? ''}")`);
  const ae = input.aeTitle?.trim() || null;
  const host = input.host?.trim() || null;
  const port = input.port === null || input.port === undefined ? null : Number(input.port);
  if (ae !== null && !validAeTitle(ae)) throw invalid(`node ${name}: "${ae}" is not a DICOM AE title (1-16 printable characters, no backslash)`);
  if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535)) throw invalid(`node ${name}: port ${input.port} is not a TCP port (1-65535)`);
  const dimse = ae !== null || host !== null || port !== null;
  if (dimse && (ae === null || host === null || port === null)) throw invalid(`node ${name}: DIMSE needs all of --aet, --host and --port`);
  let url = input.dicomwebUrl?.trim() || null;
  if (url !== null) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalid(`node ${name}: "${url}" is not a URL (e.g. http://pacs:8042/dicom-web)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(`node ${name}: DICOMweb needs http or https, not ${parsed.protocol}`);
    if (parsed.username || parsed.password) throw invalid(`node ${name}: put the user and password in --auth basic, not in the URL (it would be stored in plain text)`);
    url = url.replace(/\/+$/, '');
  }
  if (!dimse && url === null) throw invalid(`node ${name}: give a DICOMweb URL (--dicomweb) or a DIMSE peer (--host, --port, --aet)`);
  const auth = input.auth ?? 'none';
  if (auth !== 'none' && auth !== 'basic' && auth !== 'bearer') throw invalid(`node ${name}: auth must be none, basic or bearer`);
  if (auth !== 'none' && url === null) throw invalid(`node ${name}: ${auth} authentication is for DICOMweb; this node has no DICOMweb URL`);
  const username = input.username?.trim() || null;
  if (auth === 'basic' && !username) throw invalid(`node ${name}: basic authentication needs a user name`);
  const method: RetrieveMethod = input.retrieveMethod ?? (url ? 'wado-rs' : 'c-get');
  if (method === 'wado-rs' && url === null) throw invalid(`node ${name}: WADO-RS needs a DICOMweb URL`);
  if ((method === 'c-get' || method === 'c-move') && !dimse) throw invalid(`node ${name}: ${method.toUpperCase()} needs a DIMSE peer (AE title, host, port)`);
  return {
    name,
    ae_title: ae,
    host,
    port,
    dicomweb_url: url,
    auth,
    username: auth === 'basic' ? username : null,
    retrieve_method: method,
    query_priors: input.queryPriors === false ? 0 : 1,
    auto_retrieve_priors: input.autoRetrievePriors === true ? 1 : 0,
  };
}

export function listNodes(db: Db): PacsNode[] {
  return (db.prepare('SELECT * FROM pacs_nodes ORDER BY name').all() as NodeRow[]).map(toNode);
}

export function getNode(db: Db, name: string): PacsNode {
  const r = db.prepare('SELECT * FROM pacs_nodes WHERE name = ?').get(name) as NodeRow | undefined;
  if (!r) throw notFound(`no PACS node named "${name}" (see "pacs list")`);
  return toNode(r);
}

/** The node's password or token, from the secret store. */
export function nodeSecret(db: Db, secrets: SecretStore, name: string): string | null {
  const r = db.prepare('SELECT secret_ref FROM pacs_nodes WHERE name = ?').get(name) as { secret_ref: string | null } | undefined;
  return r?.secret_ref ? secrets.get(r.secret_ref) : null;
}

/** Add a node, or change one (by id). A secret given replaces the stored one; auth none removes it. */
export function saveNode(db: Db, secrets: SecretStore, input: NewPacsNode & { id?: number }): PacsNode {
  const n = normaliseNode(input);
  const now = new Date().toISOString();
  const existing = input.id !== undefined ? (db.prepare('SELECT * FROM pacs_nodes WHERE id = ?').get(input.id) as NodeRow | undefined) : undefined;
  if (input.id !== undefined && !existing) throw notFound(`PACS node ${input.id} does not exist`);
  const clash = db.prepare('SELECT id FROM pacs_nodes WHERE name = ?').get(n.name) as { id: number } | undefined;
  if (clash && clash.id !== existing?.id) throw conflict(`a PACS node named "${n.name}" exists already`);
  const secret = typeof input.secret === 'string' && input.secret.length > 0 ? input.secret : null;
  if (n.auth !== 'none' && !secret && !existing?.secret_ref) throw invalid(`node ${n.name}: ${n.auth} authentication needs a ${n.auth === 'basic' ? 'password' : 'token'}`);
  const ref = n.auth === 'none' ? null : (existing?.secret_ref ?? `pacs-node-${n.name}-${Date.now().toString(36)}`);
  // The secret first: a row never points at a secret that was not written.
  if (ref && secret) secrets.set(ref, secret);
  const id = db.transaction(() => {
    if (existing) {
      db.prepare(
        `UPDATE pacs_nodes SET name = ?, ae_title = ?, host = ?, port = ?, dicomweb_url = ?, auth = ?, username = ?, secret_ref = ?, retrieve_method = ?, query_priors = ?, auto_retrieve_priors = ?, updated_at = ? WHERE id = ?`,
      ).run(n.name, n.ae_title, n.host, n.port, n.dicomweb_url, n.auth, n.username, ref, n.retrieve_method, n.query_priors, n.auto_retrieve_priors, now, existing.id);
      return existing.id;
    }
    return Number(
      db
        .prepare(
          `INSERT INTO pacs_nodes (name, ae_title, host, port, dicomweb_url, auth, username, secret_ref, retrieve_method, query_priors, auto_retrieve_priors, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(n.name, n.ae_title, n.host, n.port, n.dicomweb_url, n.auth, n.username, ref, n.retrieve_method, n.query_priors, n.auto_retrieve_priors, now, now).lastInsertRowid,
    );
  })();
  if (existing?.secret_ref && ref === null) secrets.delete(existing.secret_ref);
  return toNode(db.prepare('SELECT * FROM pacs_nodes WHERE id = ?').get(id) as NodeRow);
}

export function removeNode(db: Db, secrets: SecretStore, name: string): void {
  const r = db.prepare('SELECT id, secret_ref FROM pacs_nodes WHERE name = ?').get(name) as { id: number; secret_ref: string | null } | undefined;
  if (!r) throw notFound(`no PACS node named "${name}"`);
  db.prepare('DELETE FROM pacs_nodes WHERE id = ?').run(r.id);
  if (r.secret_ref) secrets.delete(r.secret_ref);
}

export function getSetting<T>(db: Db, key: string, fallback: T): T {
  const r = db.prepare('SELECT value_json FROM pacs_settings WHERE key = ?').get(key) as { value_json: string } | undefined;
  return r ? (JSON.parse(r.value_json) as T) : fallback;
}

export function setSetting(db: Db, key: string, value: unknown): void {
  db.prepare('INSERT INTO pacs_settings (key, value_json, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at').run(
    key,
    JSON.stringify(value),
    new Date().toISOString(),
  );
}

export interface TransferStart {
  direction: 'retrieve' | 'send' | 'receive';
  node: string;
  method: string;
  studyUid: string | null;
  what: string;
}

/** A transfer begins: logged with who asked for it. */
export function startTransfer(db: Db, t: TransferStart): number {
  const reader = currentReader();
  return Number(
    db
      .prepare('INSERT INTO pacs_transfers (direction, node, method, study_uid, what, status, started_at, reader_name, reader_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.direction, t.node, t.method, t.studyUid, t.what, 'running', new Date().toISOString(), reader.name, reader.id ?? null).lastInsertRowid,
  );
}

export function finishTransfer(db: Db, id: number, r: { status: 'done' | 'partial' | 'failed' | 'cancelled'; instances: number; bytes: number; error?: string | null }): void {
  db.prepare('UPDATE pacs_transfers SET status = ?, instances = ?, bytes = ?, error = ?, finished_at = ? WHERE id = ?').run(r.status, r.instances, r.bytes, r.error ?? null, new Date().toISOString(), id);
}

export interface TransferRow {
  id: number;
  direction: string;
  node: string;
  method: string;
  studyUid: string | null;
  what: string;
  instances: number;
  bytes: number;
  status: string;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  readerName: string | null;
}

export function listTransfers(db: Db, limit = 100): TransferRow[] {
  return db
    .prepare(
      'SELECT id, direction, node, method, study_uid AS studyUid, what, instances, bytes, status, error, started_at AS startedAt, finished_at AS finishedAt, reader_name AS readerName FROM pacs_transfers ORDER BY id DESC LIMIT ?',
    )
    .all(limit) as TransferRow[];
}

/** Study and series UIDs the library holds (for "not yet in the library"). */
export function studiesInLibrary(db: Db, uids: string[]): Set<string> {
  if (!uids.length) return new Set();
  const rows = db.prepare(`SELECT study_uid AS uid FROM studies WHERE study_uid IN (${uids.map(() => '?').join(',')})`).all(...uids) as { uid: string }[];
  return new Set(rows.map((r) => r.uid));
}

export function seriesInLibrary(db: Db, uids: string[]): Set<string> {
  if (!uids.length) return new Set();
  const rows = db.prepare(`SELECT series_uid AS uid FROM series WHERE series_uid IN (${uids.map(() => '?').join(',')})`).all(...uids) as { uid: string }[];
  return new Set(rows.map((r) => r.uid));
}
