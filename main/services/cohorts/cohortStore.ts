/**
 * The cohorts table (migration 0120): named filters, the only writer of `cohorts`. The filter is
 * kept as written and evaluated when the cohort is shown or exported (cohortService.ts).
 */
import type { Cohort } from '../../../core/api/domains/cohorts';
import { conflict, notFound } from '../../../core/api/errors';
import { transaction } from '../registry/changes';
import type { Db } from '../registry/db';
import { currentReader } from '../session/readerContext';

interface CohortRow {
  id: number;
  name: string;
  where_text: string;
  created_at: string;
  reader_name: string | null;
  reader_id: string | null;
}

function toCohort(r: CohortRow): Cohort {
  return { id: r.id, name: r.name, where: r.where_text, createdAt: r.created_at, reader: r.reader_name === null ? null : { name: r.reader_name, id: r.reader_id } };
}

export function insertCohort(db: Db, name: string, where: string): Cohort {
  const reader = currentReader();
  return transaction(db, () => {
    if (db.prepare('SELECT 1 FROM cohorts WHERE name = ?').get(name)) throw conflict(`a cohort named "${name}" exists already (names are compared without case); delete it first or choose another name`);
    const id = Number(
      db.prepare('INSERT INTO cohorts (name, where_text, created_at, reader_name, reader_id) VALUES (?, ?, ?, ?, ?)').run(name, where, new Date().toISOString(), reader.name, reader.id ?? null)
        .lastInsertRowid,
    );
    return toCohort(db.prepare('SELECT * FROM cohorts WHERE id = ?').get(id) as CohortRow);
  });
}

export function listCohorts(db: Db): Cohort[] {
  return (db.prepare('SELECT * FROM cohorts ORDER BY name COLLATE NOCASE, id').all() as CohortRow[]).map(toCohort);
}

/** The cohort of that name (without regard to case), or a not-found error naming the ones there are. */
export function getCohort(db: Db, name: string): Cohort {
  const r = db.prepare('SELECT * FROM cohorts WHERE name = ?').get(name) as CohortRow | undefined;
  if (r) return toCohort(r);
  const names = listCohorts(db).map((c) => c.name);
  throw notFound(`no cohort named "${name}"${names.length ? `; cohorts: ${names.join(', ')}` : ' (there are none yet)'}`);
}

export function deleteCohort(db: Db, name: string): Cohort {
  return transaction(db, () => {
    const c = getCohort(db, name);
    db.prepare('DELETE FROM cohorts WHERE id = ?').run(c.id);
    return c;
  });
}
