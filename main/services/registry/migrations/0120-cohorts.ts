import type { Migration } from './index';

/**
 * Research cohorts: a named filter over the library (core/cohort/filter.ts), kept as written and
 * evaluated when the cohort is shown or exported, so a cohort follows the library as it grows.
 * Who made it is recorded with it. Names are unique without regard to case.
 */
export const m0120Cohorts: Migration = {
  version: 120,
  name: 'cohorts',
  up: `
    CREATE TABLE cohorts (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
      where_text TEXT NOT NULL,
      created_at TEXT NOT NULL,
      reader_name TEXT,
      reader_id TEXT
    ) STRICT;
  `,
};
