/**
 * Words for lesions, exam statuses and audit entries, as a radiologist reads them.
 * Pure functions (no React), tested beside this file.
 */
import { readerLabel } from '../../../../core/api/reader';
import type { AuditEntry, Lesion, LesionExamStatus, Measurement, RecistRole } from '../../../../core/api/types';

export const SITE_LABEL: Record<Lesion['site'], string> = {
  liver: 'Liver',
  'lymph-node': 'Lymph node',
  lung: 'Lung',
  peritoneum: 'Peritoneum',
  other: 'Other',
};

export const ROLE_LABEL: Record<RecistRole, string> = { target: 'Target', 'non-target': 'Non-target', new: 'New' };
export const ROLE_SHORT: Record<RecistRole, string> = { target: 'T', 'non-target': 'NT', new: 'NEW' };

export const STATUS_LABEL: Record<LesionExamStatus, string> = {
  measured: 'measured',
  'too-small': 'too small',
  disappeared: 'disappeared',
  'not-evaluated': 'not evaluated',
  present: 'present',
  absent: 'absent',
  'unequivocal-progression': 'unequivocal progression',
  equivocal: 'equivocal new lesion',
};

/**
 * The statuses a reader can set for a lesion on one exam (RECIST 1.1 §4.3: targets are
 * measured, too small to measure, gone or not evaluated; non-targets and new lesions are
 * present, absent or — non-targets only — unequivocally progressing; a new lesion may be
 * equivocal).
 */
export function statusChoices(role: RecistRole): LesionExamStatus[] {
  if (role === 'target') return ['too-small', 'disappeared', 'not-evaluated'];
  if (role === 'non-target') return ['present', 'absent', 'unequivocal-progression', 'not-evaluated'];
  // A new lesion may be equivocal on an exam (RECIST 1.1 §4.3.5): PD only once a later exam confirms it.
  return ['present', 'absent', 'equivocal', 'not-evaluated'];
}

/** "Liver · seg VII", "Lymph node · 16a2 (node)", "Lung". */
export function lesionWhere(l: Pick<Lesion, 'site' | 'couinaudSegment' | 'nodeStation' | 'lymphNode'>): string {
  const parts = [SITE_LABEL[l.site]];
  if (l.site === 'liver' && l.couinaudSegment) parts.push(`seg ${l.couinaudSegment}`);
  if (l.nodeStation) parts.push(`station ${l.nodeStation}`);
  if (l.lymphNode && l.site !== 'lymph-node') parts.push('node');
  return parts.join(' · ');
}

/** Numeric order of "L2" < "L10"; labels without a number sort after, alphabetically. */
export function compareLabels(a: string, b: string): number {
  const na = Number(/\d+/.exec(a)?.[0] ?? NaN);
  const nb = Number(/\d+/.exec(b)?.[0] ?? NaN);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a.localeCompare(b);
}

// ---- audit trail ----------------------------------------------------------------------

const FIELD_LABEL: Record<string, string> = {
  site: 'Site',
  couinaudSegment: 'Couinaud segment',
  nodeStation: 'Node station',
  recistRole: 'RECIST role',
  lymphNode: 'Lymph node',
  lesionType: 'Type',
  referenceStandard: 'Reference standard',
  notes: 'Notes',
};
const LESION_FIELDS = Object.keys(FIELD_LABEL);

export interface AuditChange {
  field: string;
  before: string;
  after: string;
}

export interface AuditLine {
  /** Unique across entities (audit ids are one sequence). */
  id: number;
  at: string;
  /** Local date and time, "2024-03-01 14:05". */
  when: string;
  title: string;
  changes: AuditChange[];
  /** Who made the change ("Dr A. Jones (1234)"), null on rows from before readers were recorded. */
  by: string | null;
}

export interface AuditContext {
  /** Exam date (or a description) of a study row, for assessment entries. */
  examOfStudy(studyRowId: number): string | null;
  /** Exam date of the study a series belongs to, for measurement entries. */
  examOfSeries(seriesId: number): string | null;
}

const NONE = '—';

function valueText(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return NONE;
  if (field === 'lymphNode') return v ? 'yes' : 'no';
  if (field === 'site') return SITE_LABEL[v as Lesion['site']] ?? String(v);
  if (field === 'recistRole') return ROLE_LABEL[v as RecistRole] ?? String(v);
  return String(v);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local wall-clock time of an ISO instant, to the minute. */
export function localDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "32.0 × 20.1 mm", "32.0 mm" or "—". */
export function diametersText(longAxisMm: number | null | undefined, shortAxisMm: number | null | undefined): string {
  if (longAxisMm === null || longAxisMm === undefined) return NONE;
  return shortAxisMm === null || shortAxisMm === undefined ? `${longAxisMm.toFixed(1)} mm` : `${longAxisMm.toFixed(1)} × ${shortAxisMm.toFixed(1)} mm`;
}

const ACTION_WORD: Record<AuditEntry['action'], string> = { create: 'created', update: 'edited', delete: 'deleted', restore: 'restored' };

function describeLesion(e: AuditEntry): Pick<AuditLine, 'title' | 'changes'> {
  const before = (e.before ?? {}) as Record<string, unknown>;
  const after = (e.after ?? {}) as Record<string, unknown>;
  const label = String(after.label ?? before.label ?? 'lesion');
  if (e.action === 'create') {
    const changes = LESION_FIELDS.filter((f) => after[f] !== null && after[f] !== undefined && after[f] !== '' && !(f === 'lymphNode' && !after[f])).map((f) => ({
      field: FIELD_LABEL[f],
      before: NONE,
      after: valueText(f, after[f]),
    }));
    return { title: `${label} created`, changes };
  }
  if (e.action === 'update') {
    const changes = LESION_FIELDS.filter((f) => JSON.stringify(before[f] ?? null) !== JSON.stringify(after[f] ?? null)).map((f) => ({
      field: FIELD_LABEL[f],
      before: valueText(f, before[f]),
      after: valueText(f, after[f]),
    }));
    return { title: changes.length ? `${label} edited` : `${label} saved without changes`, changes };
  }
  return { title: `${label} ${ACTION_WORD[e.action]}`, changes: [] };
}

function describeAssessment(e: AuditEntry, ctx: AuditContext): Pick<AuditLine, 'title' | 'changes'> {
  const before = e.before as { studyRowId: number; status: LesionExamStatus } | null;
  const after = e.after as { studyRowId: number; status: LesionExamStatus } | null;
  const studyRowId = (after ?? before)?.studyRowId;
  const exam = studyRowId === undefined ? null : ctx.examOfStudy(studyRowId);
  return {
    title: `Status on exam ${exam ?? `#${studyRowId ?? '?'}`}`,
    changes: [
      {
        field: 'Status',
        before: before ? STATUS_LABEL[before.status] ?? before.status : NONE,
        // Clearing the status falls back to what the measurements say.
        after: after ? STATUS_LABEL[after.status] ?? after.status : 'cleared (from measurements)',
      },
    ],
  };
}

function describeMeasurement(e: AuditEntry, ctx: AuditContext): Pick<AuditLine, 'title' | 'changes'> {
  const before = e.before as Measurement | null;
  const after = e.after as Measurement | null;
  const m = after ?? before;
  const exam = m ? ctx.examOfSeries(m.seriesId) : null;
  const where = exam ? ` on exam ${exam}` : m ? ` on series #${m.seriesId}` : '';
  const kind = m ? `${m.kind}${m.source !== 'manual' ? `, ${m.source}` : ''}` : 'measurement';
  const title = `Measurement (${kind}) ${ACTION_WORD[e.action]}${where}`;
  const changes: AuditChange[] = [
    { field: 'Diameters', before: before ? diametersText(before.longAxisMm, before.shortAxisMm) : NONE, after: after ? diametersText(after.longAxisMm, after.shortAxisMm) : NONE },
  ];
  return { title, changes };
}

export function describeAuditEntry(e: AuditEntry, ctx: AuditContext): AuditLine {
  const body = e.entity === 'lesion' ? describeLesion(e) : e.entity === 'assessment' ? describeAssessment(e, ctx) : e.entity === 'measurement' ? describeMeasurement(e, ctx) : { title: `${e.entity} ${ACTION_WORD[e.action]}`, changes: [] };
  return { id: e.id, at: e.at, when: localDateTime(e.at), ...body, by: e.reader ? readerLabel(e.reader) : null };
}

/** Entries of several entities as one history, newest first (audit ids are one increasing sequence). */
export function mergeAuditTrails(trails: AuditEntry[][]): AuditEntry[] {
  const seen = new Set<number>();
  const all: AuditEntry[] = [];
  for (const t of trails)
    for (const e of t) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      all.push(e);
    }
  return all.sort((a, b) => b.id - a.id);
}
