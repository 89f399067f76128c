import type { Migration } from './index';

/** Patients, studies, series and instances: the library index (files live under <home>/library). */
export const m0010Initial: Migration = {
  version: 10,
  name: 'initial',
  up: `
    CREATE TABLE patients (
      id INTEGER PRIMARY KEY,
      patient_key TEXT NOT NULL UNIQUE,
      patient_id TEXT NOT NULL,
      name TEXT NOT NULL,
      birth_date TEXT,
      sex TEXT
    ) STRICT;

    CREATE TABLE studies (
      id INTEGER PRIMARY KEY,
      patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      study_uid TEXT NOT NULL UNIQUE,
      uid_derived INTEGER NOT NULL DEFAULT 0,
      study_date TEXT,
      study_time TEXT,
      description TEXT NOT NULL DEFAULT '',
      accession_number TEXT NOT NULL DEFAULT '',
      study_id TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE INDEX studies_patient ON studies(patient_id);

    CREATE TABLE series (
      id INTEGER PRIMARY KEY,
      study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      series_uid TEXT NOT NULL UNIQUE,
      uid_derived INTEGER NOT NULL DEFAULT 0,
      modality TEXT NOT NULL DEFAULT '',
      series_number INTEGER,
      description TEXT NOT NULL DEFAULT '',
      frame_of_reference_uid TEXT NOT NULL DEFAULT '',
      rows INTEGER NOT NULL DEFAULT 0,
      columns INTEGER NOT NULL DEFAULT 0,
      slice_count INTEGER NOT NULL DEFAULT 0,
      -- VolumeGeometry JSON (LPS mm) of the reconstructed volume, NULL when not an image stack.
      geometry_json TEXT,
      gantry_tilt_deg REAL NOT NULL DEFAULT 0,
      warnings_json TEXT NOT NULL DEFAULT '[]',
      window_center REAL,
      window_width REAL
    ) STRICT;
    CREATE INDEX series_study ON series(study_id);

    CREATE TABLE instances (
      id INTEGER PRIMARY KEY,
      series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
      sop_instance_uid TEXT NOT NULL UNIQUE,
      uid_derived INTEGER NOT NULL DEFAULT 0,
      sop_class_uid TEXT NOT NULL,
      transfer_syntax_uid TEXT NOT NULL,
      instance_number INTEGER,
      number_of_frames INTEGER NOT NULL DEFAULT 1,
      -- FramePlane[] JSON: per-frame position, orientation, pixel spacing and rescale.
      frames_json TEXT NOT NULL DEFAULT '[]',
      -- Relative to the library home, forward slashes.
      path TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      size_bytes INTEGER NOT NULL,
      imported_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX instances_series ON instances(series_id);
    CREATE INDEX instances_sha ON instances(sha256);
  `,
};
