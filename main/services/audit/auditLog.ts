/**
 * The audit log: every change to clinical data, with what it was before and after, when,
 * and who made it (the reader of the call). This module alone writes `audit_log`; owners
 * call `audit()` inside the transaction of the change it records.
 */
import type { AuditEntry } from '../../../core/api/types';
import type { Db } from '../registry/db';
import { currentReader } from '../session/readerContext';

export function audit(db: Db, entity: AuditEntry['entity'], entityId: number, action: AuditEntry['action'], before: unknown, after: unknown): void {
  const reader = currentReader();
  db.prepare('INSERT INTO audit_log (at, entity, entity_id, action, before_json, after_json, reader_name, reader_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    new Date().toISOString(),
    entity,
    entityId,
    action,
    before === null ? null : JSON.stringify(before),
    after === null ? null : JSON.stringify(after),
    reader.name,
    reader.id ?? null,
  );
}

/** Every entry of one entity, oldest first. */
export function auditTrail(db: Db, entity: AuditEntry['entity'], entityId: number): AuditEntry[] {
  return auditRows(db, 'entity = ? AND entity_id = ?', [entity, entityId]);
}

/** A lesion's whole history: its own edits and statuses, and those of its measurements and masks. */
export function lesionHistory(db: Db, lesionId: number): AuditEntry[] {
  return auditRows(
    db,
    `(entity IN ('lesion', 'assessment', 'measurement-of-record') AND entity_id = ?)
     OR (entity = 'measurement' AND entity_id IN (SELECT id FROM measurements WHERE lesion_id = ?))
     OR (entity = 'segmentation' AND entity_id IN (SELECT id FROM segmentations WHERE lesion_id = ?))
     OR (entity = 'followup-finding' AND entity_id IN (SELECT id FROM followup_findings WHERE lesion_id = ?))`,
    [lesionId, lesionId, lesionId, lesionId],
  );
}

interface AuditRow {
  id: number;
  at: string;
  entity: string;
  entity_id: number;
  action: string;
  before_json: string | null;
  after_json: string | null;
  reader_name: string | null;
  reader_id: string | null;
}

function auditRows(db: Db, where: string, args: (string | number)[]): AuditEntry[] {
  const rows = db.prepare(`SELECT * FROM audit_log WHERE ${where} ORDER BY id`).all(...args) as AuditRow[];
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    entity: r.entity as AuditEntry['entity'],
    entityId: r.entity_id,
    action: r.action as AuditEntry['action'],
    before: r.before_json ? JSON.parse(r.before_json) : null,
    after: r.after_json ? JSON.parse(r.after_json) : null,
    reader: r.reader_name ? { name: r.reader_name, id: r.reader_id } : null,
  }));
}
