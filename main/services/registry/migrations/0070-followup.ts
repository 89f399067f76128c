import type { Migration } from './index';

/**
 * Follow-up a tumor board can trust.
 * - `lesion_assessments` may say a new lesion is equivocal on an exam (RECIST 1.1 §4.3.5: PD
 *   only once a later exam confirms it, dated from its first appearance); rebuilt because
 *   SQLite cannot change a CHECK.
 * - `measurements_of_record`: the reader's explicit choice of the one measurement that counts
 *   per lesion and exam (without a row, the earliest diameter measurement counts, so a new
 *   measurement never silently replaces it).
 * - `exam_signoffs`: a reader signs an exam's assessment (who, when, what it said); a signed
 *   exam is locked until it is reopened, which is recorded on the same row.
 * - `followup_findings`: what matching found beside the links — a follow-up finding with no
 *   prior counterpart (new) and a prior lesion with no follow-up counterpart (disappeared) —
 *   and the reader's decision on each.
 */
export const m0070Followup: Migration = {
  version: 70,
  name: 'followup',
  up: `
    CREATE TABLE lesion_assessments_new (
      lesion_id INTEGER NOT NULL REFERENCES lesions(id) ON DELETE CASCADE,
      study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      status TEXT NOT NULL CHECK (status IN ('measured', 'too-small', 'disappeared', 'not-evaluated',
                                            'present', 'absent', 'unequivocal-progression', 'equivocal')),
      PRIMARY KEY (lesion_id, study_id)
    ) STRICT;
    INSERT INTO lesion_assessments_new (lesion_id, study_id, status) SELECT lesion_id, study_id, status FROM lesion_assessments;
    DROP TABLE lesion_assessments;
    ALTER TABLE lesion_assessments_new RENAME TO lesion_assessments;

    CREATE TABLE measurements_of_record (
      lesion_id INTEGER NOT NULL REFERENCES lesions(id) ON DELETE CASCADE,
      study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      measurement_id INTEGER NOT NULL REFERENCES measurements(id) ON DELETE CASCADE,
      chosen_at TEXT NOT NULL,
      reader_name TEXT,
      reader_id TEXT,
      PRIMARY KEY (lesion_id, study_id)
    ) STRICT;
    CREATE INDEX measurements_of_record_measurement ON measurements_of_record(measurement_id);

    CREATE TABLE exam_signoffs (
      id INTEGER PRIMARY KEY,
      patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      reader_name TEXT NOT NULL CHECK (length(trim(reader_name)) > 0),
      reader_id TEXT,
      signed_at TEXT NOT NULL,
      -- What the assessment said when it was signed (sum, responses, explanation).
      summary_json TEXT NOT NULL CHECK (json_valid(summary_json)),
      reopened_at TEXT,
      reopened_by_name TEXT,
      reopened_by_id TEXT,
      reopen_reason TEXT,
      CHECK ((reopened_at IS NULL) = (reopened_by_name IS NULL))
    ) STRICT;
    CREATE INDEX exam_signoffs_patient ON exam_signoffs(patient_id);
    -- At most one signature in force per exam.
    CREATE UNIQUE INDEX exam_signoffs_open ON exam_signoffs(study_id) WHERE reopened_at IS NULL;

    CREATE TABLE followup_findings (
      id INTEGER PRIMARY KEY,
      patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      baseline_study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      followup_study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      lesion_id INTEGER NOT NULL REFERENCES lesions(id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('new', 'disappeared')),
      status TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'equivocal', 'rejected')),
      -- What deciding changed (a status written, a lesion retired), so reopening undoes exactly that.
      effect_json TEXT CHECK (effect_json IS NULL OR json_valid(effect_json)),
      created_at TEXT NOT NULL,
      decided_at TEXT,
      reader_name TEXT,
      reader_id TEXT,
      CHECK (kind = 'new' OR status <> 'equivocal')
    ) STRICT;
    CREATE INDEX followup_findings_patient ON followup_findings(patient_id, status);
    CREATE UNIQUE INDEX followup_findings_one ON followup_findings(followup_study_id, lesion_id, kind);
  `,
};
