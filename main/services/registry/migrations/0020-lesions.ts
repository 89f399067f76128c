import type { Migration } from './index';

/**
 * Lesions with a stable identity per patient, their measurements and masks per series,
 * their RECIST status per exam, and an audit trail of every change.
 */
export const m0020Lesions: Migration = {
  version: 20,
  name: 'lesions',
  up: `
    CREATE TABLE lesions (
      id INTEGER PRIMARY KEY,
      patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      -- Stable, human label per patient ("L1", "L2", …); never reused.
      label TEXT NOT NULL,
      site TEXT NOT NULL CHECK (site IN ('liver', 'lymph-node', 'lung', 'peritoneum', 'other')),
      -- Couinaud segment I–VIII for liver lesions (IV may be split into IVa/IVb).
      couinaud_segment TEXT CHECK (couinaud_segment IN ('I', 'II', 'III', 'IV', 'IVa', 'IVb', 'V', 'VI', 'VII', 'VIII')),
      node_station TEXT,
      recist_role TEXT NOT NULL CHECK (recist_role IN ('target', 'non-target', 'new')),
      lymph_node INTEGER NOT NULL DEFAULT 0 CHECK (lymph_node IN (0, 1)),
      lesion_type TEXT NOT NULL DEFAULT 'indeterminate'
        CHECK (lesion_type IN ('metastasis', 'cyst', 'hemangioma', 'FNH', 'HCC', 'indeterminate')),
      reference_standard TEXT CHECK (reference_standard IN ('histopathology', 'follow-up', 'MRI', 'clinical')),
      notes TEXT NOT NULL DEFAULT '',
      created_at TEXT NOT NULL,
      deleted_at TEXT,
      UNIQUE (patient_id, label)
    ) STRICT;
    CREATE INDEX lesions_patient ON lesions(patient_id);

    CREATE TABLE measurements (
      id INTEGER PRIMARY KEY,
      lesion_id INTEGER NOT NULL REFERENCES lesions(id) ON DELETE CASCADE,
      series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('length', 'bidirectional', 'ellipse', 'freehand')),
      -- Points in patient LPS mm, JSON [[x, y, z], …]; for bidirectional: long axis ends, then short axis ends.
      points_json TEXT NOT NULL,
      -- The image the tool was drawn on.
      slice_index INTEGER,
      sop_instance_uid TEXT,
      long_axis_mm REAL,
      short_axis_mm REAL,
      area_mm2 REAL,
      hu_mean REAL,
      hu_sd REAL,
      hu_min REAL,
      hu_max REAL,
      source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'mask', 'ai')),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      -- Soft delete, so a deletion can be undone.
      deleted_at TEXT
    ) STRICT;
    CREATE INDEX measurements_lesion ON measurements(lesion_id);
    CREATE INDEX measurements_series ON measurements(series_id);

    CREATE TABLE segmentations (
      id INTEGER PRIMARY KEY,
      series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
      -- NULL for organ masks (the liver).
      lesion_id INTEGER REFERENCES lesions(id) ON DELETE CASCADE,
      structure TEXT NOT NULL CHECK (structure IN ('lesion', 'liver')),
      -- Mask file relative to the library home (gzip of a Uint8Array on the series grid).
      path TEXT NOT NULL,
      voxel_count INTEGER NOT NULL,
      volume_ml REAL NOT NULL,
      hu_mean REAL,
      hu_sd REAL,
      hu_min REAL,
      hu_max REAL,
      source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'ai', 'dicom-seg')),
      -- The model's original mask, kept beside an edited one.
      original_path TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      deleted_at TEXT
    ) STRICT;
    CREATE INDEX segmentations_series ON segmentations(series_id);
    CREATE INDEX segmentations_lesion ON segmentations(lesion_id);

    -- RECIST status of a lesion in one exam when it has no measurement to give it.
    CREATE TABLE lesion_assessments (
      lesion_id INTEGER NOT NULL REFERENCES lesions(id) ON DELETE CASCADE,
      study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      status TEXT NOT NULL CHECK (status IN ('measured', 'too-small', 'disappeared', 'not-evaluated',
                                            'present', 'absent', 'unequivocal-progression')),
      PRIMARY KEY (lesion_id, study_id)
    ) STRICT;

    CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      entity TEXT NOT NULL,
      entity_id INTEGER NOT NULL,
      action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore')),
      before_json TEXT,
      after_json TEXT
    ) STRICT;
    CREATE INDEX audit_entity ON audit_log(entity, entity_id);
  `,
};
