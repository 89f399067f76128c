import type { Migration } from './index';

/**
 * Local AI: every model run with its provenance (model id, version, weights hash,
 * execution provider, parameters, timings), the proposals it made, and the agreement
 * between a model's mask and the radiologist's final one (monitoring for drift), and
 * validation reports of models on local cohorts.
 */
export const m0030Ai: Migration = {
  version: 30,
  name: 'ai',
  up: `
    CREATE TABLE ai_runs (
      id INTEGER PRIMARY KEY,
      series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
      model_id TEXT NOT NULL,
      model_version TEXT NOT NULL,
      model_sha256 TEXT NOT NULL,
      provider TEXT,
      parameters_json TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
      error TEXT,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      duration_ms REAL,
      session_run_ms REAL,
      windows INTEGER,
      -- Timings per phase, providers tried, peak memory.
      stats_json TEXT
    ) STRICT;
    CREATE INDEX ai_runs_series ON ai_runs(series_id);

    CREATE TABLE ai_proposals (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES ai_runs(id) ON DELETE CASCADE,
      series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('lesion', 'organ')),
      label_value INTEGER NOT NULL,
      label_name TEXT NOT NULL,
      lesion_type TEXT,
      class_probabilities_json TEXT NOT NULL,
      mean_probability REAL NOT NULL,
      voxel_count INTEGER NOT NULL,
      volume_ml REAL NOT NULL,
      centroid_json TEXT NOT NULL,
      long_axis_mm REAL,
      short_axis_mm REAL,
      axis_points_json TEXT,
      slice_index INTEGER,
      -- The model's mask (gzip of a Uint8Array on the series grid), relative to the library home.
      mask_path TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'rejected')),
      lesion_id INTEGER REFERENCES lesions(id) ON DELETE SET NULL,
      segmentation_id INTEGER REFERENCES segmentations(id) ON DELETE SET NULL,
      measurement_id INTEGER REFERENCES measurements(id) ON DELETE SET NULL,
      decided_at TEXT
    ) STRICT;
    CREATE INDEX ai_proposals_run ON ai_proposals(run_id);
    CREATE INDEX ai_proposals_series ON ai_proposals(series_id);
    CREATE INDEX ai_proposals_segmentation ON ai_proposals(segmentation_id);

    CREATE TABLE ai_agreement (
      id INTEGER PRIMARY KEY,
      proposal_id INTEGER NOT NULL REFERENCES ai_proposals(id) ON DELETE CASCADE,
      segmentation_id INTEGER REFERENCES segmentations(id) ON DELETE SET NULL,
      model_id TEXT NOT NULL,
      model_version TEXT NOT NULL,
      event TEXT NOT NULL CHECK (event IN ('accepted', 'edited')),
      dice REAL NOT NULL CHECK (dice >= 0 AND dice <= 1),
      at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX ai_agreement_model ON ai_agreement(model_id, at);

    -- Validation of a model on a local cohort: the whole report as JSON.
    CREATE TABLE ai_validations (
      id INTEGER PRIMARY KEY,
      model_id TEXT NOT NULL,
      model_version TEXT NOT NULL,
      model_sha256 TEXT NOT NULL,
      cohort_dir TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
      report_json TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT;
  `,
};
