import type { Migration } from './index';

/**
 * De-identification (PS3.15 Annex E): the site's secret, from which every pseudonym, date offset
 * and replacement UID is derived (an HMAC), and the key map from a patient's original identity to
 * the pseudonym it was given, so that only this site can map an exported patient back. One
 * secret per library, made once; a patient's pseudonym and date offset are recorded on first use
 * with who exported them. Neither table ever leaves the workstation with an export.
 */
export const m0130Deid: Migration = {
  version: 130,
  name: 'deid',
  up: `
    CREATE TABLE deid_site (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      secret BLOB NOT NULL CHECK (length(secret) = 32),
      created_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE deid_pseudonyms (
      id INTEGER PRIMARY KEY,
      patient_key TEXT NOT NULL UNIQUE CHECK (length(patient_key) > 0),
      pseudonym_id TEXT NOT NULL UNIQUE CHECK (pseudonym_id GLOB 'LNG-[A-Z2-7][A-Z2-7][A-Z2-7][A-Z2-7][A-Z2-7][A-Z2-7][A-Z2-7][A-Z2-7][A-Z2-7][A-Z2-7]'),
      date_offset_days INTEGER NOT NULL CHECK (date_offset_days BETWEEN -3650 AND -1),
      created_at TEXT NOT NULL,
      reader_name TEXT,
      reader_id TEXT
    ) STRICT;
  `,
};
