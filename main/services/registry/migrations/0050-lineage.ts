import type { Migration } from './index';

/**
 * Lesion links between a baseline and a follow-up exam (proposed by matching, confirmed or
 * rejected by the radiologist; what confirming changed is kept so an unlink undoes it) and
 * the lineage they establish: a lesion that split into fragments, lesions that coalesced.
 * The lineage drives the RECIST 1.1 split/merge rules of the lesion table.
 */
export const m0050Lineage: Migration = {
  version: 50,
  name: 'lineage',
  up: `
    CREATE TABLE lesion_links (
      id INTEGER PRIMARY KEY,
      patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      baseline_study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      followup_study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      registration_id INTEGER REFERENCES registrations(id) ON DELETE SET NULL,
      kind TEXT NOT NULL CHECK (kind IN ('match', 'split', 'merge')),
      -- The baseline lesion and the follow-up finding (a lesion identity with findings on the follow-up).
      from_lesion_id INTEGER NOT NULL REFERENCES lesions(id) ON DELETE CASCADE,
      to_lesion_id INTEGER NOT NULL REFERENCES lesions(id) ON DELETE CASCADE,
      confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
      distance_mm REAL,
      overlap REAL,
      cost REAL,
      source TEXT NOT NULL CHECK (source IN ('matching', 'manual')),
      status TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'rejected')),
      -- Confirmed automatically (confidence at or above the review threshold).
      auto INTEGER NOT NULL DEFAULT 0 CHECK (auto IN (0, 1)),
      -- What confirming changed (moved measurements, masks, AI proposals; retired lesion), for undo.
      effect_json TEXT CHECK (effect_json IS NULL OR json_valid(effect_json)),
      created_at TEXT NOT NULL,
      decided_at TEXT,
      CHECK (from_lesion_id <> to_lesion_id OR kind = 'match')
    ) STRICT;
    CREATE INDEX lesion_links_patient ON lesion_links(patient_id, status);
    CREATE INDEX lesion_links_studies ON lesion_links(baseline_study_id, followup_study_id);

    CREATE TABLE lesion_lineage (
      id INTEGER PRIMARY KEY,
      patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      -- split: the parent split and the child is one of its fragments;
      -- merge: the child coalesced into the parent.
      kind TEXT NOT NULL CHECK (kind IN ('split', 'merge')),
      parent_lesion_id INTEGER NOT NULL REFERENCES lesions(id) ON DELETE CASCADE,
      child_lesion_id INTEGER NOT NULL REFERENCES lesions(id) ON DELETE CASCADE,
      -- The first exam where it holds.
      study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      link_id INTEGER REFERENCES lesion_links(id) ON DELETE SET NULL,
      created_at TEXT NOT NULL,
      deleted_at TEXT,
      CHECK (parent_lesion_id <> child_lesion_id)
    ) STRICT;
    CREATE INDEX lesion_lineage_patient ON lesion_lineage(patient_id);
  `,
};
