/**
 * Lesion links, lineage and findings: the follow-up domain's store, the only writer of
 * `lesion_links`, `lesion_lineage` and `followup_findings` (registrations are in
 * registration/registrationStore.ts).
 * Writes announce `onFollowUpChanged` for the patient after commit.
 */
import type { FollowUpFindingRow, LesionExamStatus, LesionLinkRow } from '../../../core/api/types';
import { notFound } from '../../../core/api/errors';
import { changed } from '../registry/changes';
import type { Db } from '../registry/db';
import { currentReader } from '../session/readerContext';

interface LinkRow {
  id: number;
  patient_id: number;
  baseline_study_id: number;
  followup_study_id: number;
  registration_id: number | null;
  kind: LesionLinkRow['kind'];
  from_lesion_id: number;
  to_lesion_id: number;
  confidence: number | null;
  distance_mm: number | null;
  overlap: number | null;
  source: LesionLinkRow['source'];
  status: LesionLinkRow['status'];
  auto: number;
  effect_json: string | null;
  created_at: string;
  decided_at: string | null;
  from_label: string;
  to_label: string;
}

/** What confirming a link changed, so that unlinking can undo exactly that. */
export interface LinkEffect {
  measurements?: number[];
  segmentations?: number[];
  proposals?: number[];
  assessments?: number[];
  retired?: boolean;
  lineageId?: number;
}

const now = (): string => new Date().toISOString();
const LINK_SELECT = `SELECT k.*, lf.label AS from_label, lt.label AS to_label FROM lesion_links k
  JOIN lesions lf ON lf.id = k.from_lesion_id JOIN lesions lt ON lt.id = k.to_lesion_id`;

function toLink(r: LinkRow): LesionLinkRow {
  return {
    id: r.id,
    patientRowId: r.patient_id,
    baselineStudyRowId: r.baseline_study_id,
    followUpStudyRowId: r.followup_study_id,
    registrationId: r.registration_id,
    kind: r.kind,
    fromLesionId: r.from_lesion_id,
    fromLabel: r.from_label,
    toLesionId: r.to_lesion_id,
    toLabel: r.to_label,
    confidence: r.confidence,
    distanceMm: r.distance_mm,
    overlap: r.overlap,
    source: r.source,
    status: r.status,
    auto: r.auto === 1,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
  };
}

export type LinkFilter = { patientRowId?: number; status?: LesionLinkRow['status']; baselineStudyRowId?: number; followUpStudyRowId?: number };

/** `WHERE a = ? AND …` over the conditions whose value is given (none: no WHERE). */
function whereOf(conditions: [sql: string, value: number | string | undefined][]): { where: string; args: (number | string)[] } {
  const given = conditions.filter(([, v]) => v !== undefined) as [string, number | string][];
  return { where: given.length ? `WHERE ${given.map(([sql]) => sql).join(' AND ')}` : '', args: given.map(([, v]) => v) };
}

export function getLink(db: Db, id: number): LesionLinkRow {
  const r = db.prepare(`${LINK_SELECT} WHERE k.id = ?`).get(id) as LinkRow | undefined;
  if (!r) throw notFound(`lesion link ${id} does not exist`);
  return toLink(r);
}

export function listLinks(db: Db, filter: LinkFilter): LesionLinkRow[] {
  const { where, args } = whereOf([
    ['k.patient_id = ?', filter.patientRowId],
    ['k.status = ?', filter.status],
    ['k.baseline_study_id = ?', filter.baselineStudyRowId],
    ['k.followup_study_id = ?', filter.followUpStudyRowId],
  ]);
  const rows = db.prepare(`${LINK_SELECT} ${where} ORDER BY k.status = 'proposed' DESC, k.confidence, k.id`).all(...args) as LinkRow[];
  return rows.map(toLink);
}

/** The (from, to, kind) of the links of an exam pair with this status. */
export function linkPairs(db: Db, baselineStudyRowId: number, followUpStudyRowId: number, status: LesionLinkRow['status']): { from: number; to: number; kind: LesionLinkRow['kind'] }[] {
  return db
    .prepare('SELECT from_lesion_id AS "from", to_lesion_id AS "to", kind FROM lesion_links WHERE baseline_study_id = ? AND followup_study_id = ? AND status = ?')
    .all(baselineStudyRowId, followUpStudyRowId, status) as { from: number; to: number; kind: LesionLinkRow['kind'] }[];
}

/** The baseline lesion a follow-up finding was confirmed to continue, if any. */
export function confirmedMatchOf(db: Db, followUpLesionId: number, followUpStudyRowId: number): number | null {
  const r = db
    .prepare("SELECT from_lesion_id AS f FROM lesion_links WHERE kind = 'match' AND status = 'confirmed' AND to_lesion_id = ? AND followup_study_id = ?")
    .get(followUpLesionId, followUpStudyRowId) as { f: number } | undefined;
  return r?.f ?? null;
}

export interface NewLink {
  patientRowId: number;
  baselineStudyRowId: number;
  followUpStudyRowId: number;
  registrationId?: number | null;
  kind: LesionLinkRow['kind'];
  fromLesionId: number;
  toLesionId: number;
  confidence?: number | null;
  distanceMm?: number | null;
  overlap?: number | null;
  cost?: number | null;
  source: LesionLinkRow['source'];
}

/** Drop the matching's open proposals of an exam pair (a new matching replaces them). */
export function clearProposedMatches(db: Db, patientRowId: number, baselineStudyRowId: number, followUpStudyRowId: number): void {
  db.prepare("DELETE FROM lesion_links WHERE baseline_study_id = ? AND followup_study_id = ? AND status = 'proposed' AND source = 'matching'").run(baselineStudyRowId, followUpStudyRowId);
  changed(db, 'onFollowUpChanged', { patientRowId });
}

/** A proposed link. */
export function insertLink(db: Db, l: NewLink): number {
  const id = Number(
    db
      .prepare(
        `INSERT INTO lesion_links (patient_id, baseline_study_id, followup_study_id, registration_id, kind, from_lesion_id, to_lesion_id, confidence, distance_mm, overlap, cost, source, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'proposed', ?)`,
      )
      .run(l.patientRowId, l.baselineStudyRowId, l.followUpStudyRowId, l.registrationId ?? null, l.kind, l.fromLesionId, l.toLesionId, l.confidence ?? null, l.distanceMm ?? null, l.overlap ?? null, l.cost ?? null, l.source, now()).lastInsertRowid,
  );
  changed(db, 'onFollowUpChanged', { patientRowId: l.patientRowId });
  return id;
}

export function markLinkConfirmed(db: Db, link: LesionLinkRow, auto: boolean, effect: LinkEffect): void {
  db.prepare("UPDATE lesion_links SET status = 'confirmed', auto = ?, decided_at = ?, effect_json = ? WHERE id = ?").run(auto ? 1 : 0, now(), JSON.stringify(effect), link.id);
  changed(db, 'onFollowUpChanged', { patientRowId: link.patientRowId });
}

export function markLinkRejected(db: Db, link: LesionLinkRow): void {
  db.prepare("UPDATE lesion_links SET status = 'rejected', decided_at = ?, effect_json = NULL WHERE id = ?").run(now(), link.id);
  changed(db, 'onFollowUpChanged', { patientRowId: link.patientRowId });
}

export function linkEffect(db: Db, id: number): LinkEffect {
  const row = db.prepare('SELECT effect_json FROM lesion_links WHERE id = ?').get(id) as { effect_json: string | null } | undefined;
  return (row?.effect_json ? JSON.parse(row.effect_json) : {}) as LinkEffect;
}

export function insertLineage(db: Db, l: { patientRowId: number; kind: 'split' | 'merge'; parentLesionId: number; childLesionId: number; studyRowId: number; linkId: number }): number {
  const id = Number(
    db
      .prepare('INSERT INTO lesion_lineage (patient_id, kind, parent_lesion_id, child_lesion_id, study_id, link_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(l.patientRowId, l.kind, l.parentLesionId, l.childLesionId, l.studyRowId, l.linkId, now()).lastInsertRowid,
  );
  changed(db, 'onFollowUpChanged', { patientRowId: l.patientRowId });
  return id;
}

export function retireLineage(db: Db, lineageId: number, patientRowId: number): void {
  db.prepare('UPDATE lesion_lineage SET deleted_at = ? WHERE id = ?').run(now(), lineageId);
  changed(db, 'onFollowUpChanged', { patientRowId });
}

// ---- findings: what matching found beside the links (new, disappeared) ----

interface FindingRow {
  id: number;
  patient_id: number;
  baseline_study_id: number;
  followup_study_id: number;
  lesion_id: number;
  kind: FollowUpFindingRow['kind'];
  status: FollowUpFindingRow['status'];
  effect_json: string | null;
  created_at: string;
  decided_at: string | null;
  reader_name: string | null;
  reader_id: string | null;
  label: string;
}

/** What deciding a finding changed, so that reopening it undoes exactly that. */
export interface FindingEffect {
  /** A status was written on the follow-up exam; what it was before (null: none). */
  statusWritten?: { previous: LesionExamStatus | null };
  /** The lesion was retired as not a lesion. */
  retired?: boolean;
}

const FINDING_SELECT = 'SELECT f.*, l.label FROM followup_findings f JOIN lesions l ON l.id = f.lesion_id';

function toFinding(r: FindingRow): FollowUpFindingRow {
  return {
    id: r.id,
    patientRowId: r.patient_id,
    baselineStudyRowId: r.baseline_study_id,
    followUpStudyRowId: r.followup_study_id,
    lesionId: r.lesion_id,
    label: r.label,
    kind: r.kind,
    status: r.status,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    reader: r.reader_name === null ? null : { name: r.reader_name, id: r.reader_id },
  };
}

export function getFinding(db: Db, id: number): FollowUpFindingRow {
  const r = db.prepare(`${FINDING_SELECT} WHERE f.id = ?`).get(id) as FindingRow | undefined;
  if (!r) throw notFound(`follow-up finding ${id} does not exist`);
  return toFinding(r);
}

export function findingEffect(db: Db, id: number): FindingEffect {
  const r = db.prepare('SELECT effect_json FROM followup_findings WHERE id = ?').get(id) as { effect_json: string | null } | undefined;
  return (r?.effect_json ? JSON.parse(r.effect_json) : {}) as FindingEffect;
}

export function listFindings(db: Db, filter: { patientRowId?: number; followUpStudyRowId?: number; status?: FollowUpFindingRow['status'] }): FollowUpFindingRow[] {
  const { where, args } = whereOf([
    ['f.patient_id = ?', filter.patientRowId],
    ['f.followup_study_id = ?', filter.followUpStudyRowId],
    ['f.status = ?', filter.status],
  ]);
  return (db.prepare(`${FINDING_SELECT} ${where} ORDER BY f.id`).all(...args) as FindingRow[]).map(toFinding);
}

/** Record what matching found, unless the same finding is already on record (a decision is kept). */
export function insertFinding(db: Db, f: { patientRowId: number; baselineStudyRowId: number; followUpStudyRowId: number; lesionId: number; kind: FollowUpFindingRow['kind'] }): number | null {
  const r = db
    .prepare(
      `INSERT INTO followup_findings (patient_id, baseline_study_id, followup_study_id, lesion_id, kind, status, created_at)
       VALUES (?, ?, ?, ?, ?, 'proposed', ?) ON CONFLICT (followup_study_id, lesion_id, kind) DO NOTHING`,
    )
    .run(f.patientRowId, f.baselineStudyRowId, f.followUpStudyRowId, f.lesionId, f.kind, now());
  if (r.changes === 0) return null;
  changed(db, 'onFollowUpChanged', { patientRowId: f.patientRowId });
  return Number(r.lastInsertRowid);
}

/** Drop the open (undecided) findings of a follow-up exam: a new matching replaces them. */
export function clearProposedFindings(db: Db, patientRowId: number, followUpStudyRowId: number): void {
  db.prepare("DELETE FROM followup_findings WHERE followup_study_id = ? AND status = 'proposed'").run(followUpStudyRowId);
  changed(db, 'onFollowUpChanged', { patientRowId });
}

/** Remove findings (decided ones after their effect was undone by the caller). */
export function deleteFinding(db: Db, finding: FollowUpFindingRow): void {
  db.prepare('DELETE FROM followup_findings WHERE id = ?').run(finding.id);
  changed(db, 'onFollowUpChanged', { patientRowId: finding.patientRowId });
}

/** Record the reader's decision (or back to 'proposed' on reopening) with what it changed. */
export function markFinding(db: Db, finding: FollowUpFindingRow, status: FollowUpFindingRow['status'], effect: FindingEffect | null): void {
  const reader = currentReader();
  const decided = status !== 'proposed';
  db.prepare('UPDATE followup_findings SET status = ?, effect_json = ?, decided_at = ?, reader_name = ?, reader_id = ? WHERE id = ?').run(
    status,
    effect === null ? null : JSON.stringify(effect),
    decided ? now() : null,
    decided ? reader.name : null,
    decided ? (reader.id ?? null) : null,
    finding.id,
  );
  changed(db, 'onFollowUpChanged', { patientRowId: finding.patientRowId });
}
