import type { Migration } from './index';

/**
 * Registrations between two series of one patient: the 4×4 transform from the fixed (baseline)
 * series' LPS mm to the moving (follow-up) series' LPS mm, how it was obtained, and how good it
 * was. One current transform per ordered pair; a new one supersedes it and the old row stays
 * (with when it was superseded) as the record of what the reader saw before.
 */
export const m0040Registration: Migration = {
  version: 40,
  name: 'registration',
  up: `
    CREATE TABLE registrations (
      id INTEGER PRIMARY KEY,
      patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      fixed_series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
      moving_series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
      method TEXT NOT NULL
        CHECK (method IN ('elastix-rigid', 'elastix-affine', 'elastix-bspline', 'landmarks', 'identity')),
      -- Row-major 4×4 JSON [[…], […], […], [0, 0, 0, 1]]: fixed LPS mm → moving LPS mm
      -- (for elastix-bspline the affine part; the deformation is in parameters_json).
      matrix_json TEXT NOT NULL CHECK (json_valid(matrix_json) AND json_array_length(matrix_json) = 4),
      -- What was run: elastix parameter maps and result maps, image preparation, engine version.
      parameters_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(parameters_json)),
      -- Manual correction: [{ "fixedMm": [x, y, z], "movingMm": [x, y, z], "label": … }, …].
      landmarks_json TEXT CHECK (landmarks_json IS NULL OR json_valid(landmarks_json)),
      -- Similarity after registration (elastix: NCC of the prepared images) or landmark RMS error, per parameters_json.
      metric REAL,
      duration_ms REAL CHECK (duration_ms IS NULL OR duration_ms >= 0),
      status TEXT NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'superseded')),
      created_at TEXT NOT NULL,
      superseded_at TEXT,
      CHECK (fixed_series_id <> moving_series_id),
      CHECK ((status = 'current') = (superseded_at IS NULL))
    ) STRICT;
    CREATE INDEX registrations_patient ON registrations(patient_id);
    -- At most one current transform per (fixed, moving) pair.
    CREATE UNIQUE INDEX registrations_current_pair ON registrations(fixed_series_id, moving_series_id) WHERE status = 'current';
  `,
};
