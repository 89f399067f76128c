import type { Migration } from './index';

/**
 * Monitoring counts the model's errors, not only its agreement: besides accepts and edits
 * (Dice of the model's mask against the reader's), a rejected proposal is a false positive
 * and a lesion the reader added on a run's series where the model proposed nothing is a
 * false negative (a miss). Every row names its run and the reader who made the decision.
 * The table is rebuilt because SQLite cannot change a CHECK; rows written before keep
 * their run (through their proposal) and have no reader.
 */
export const m0080AiErrors: Migration = {
  version: 80,
  name: 'ai-errors',
  up: `
    CREATE TABLE ai_agreement_new (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES ai_runs(id) ON DELETE CASCADE,
      -- NULL for a miss: the model proposed nothing for that lesion.
      proposal_id INTEGER REFERENCES ai_proposals(id) ON DELETE CASCADE,
      segmentation_id INTEGER REFERENCES segmentations(id) ON DELETE SET NULL,
      -- The lesion a miss (or an accepted proposal) is about.
      lesion_id INTEGER REFERENCES lesions(id) ON DELETE SET NULL,
      model_id TEXT NOT NULL,
      model_version TEXT NOT NULL,
      event TEXT NOT NULL CHECK (event IN ('accepted', 'edited', 'rejected', 'missed')),
      -- Dice of the model's mask against the reader's: only for accepts and edits.
      dice REAL CHECK (dice IS NULL OR (dice >= 0 AND dice <= 1)),
      at TEXT NOT NULL,
      reader_name TEXT,
      reader_id TEXT,
      CHECK ((event IN ('accepted', 'edited')) = (dice IS NOT NULL)),
      CHECK ((event = 'missed') = (proposal_id IS NULL))
    ) STRICT;
    INSERT INTO ai_agreement_new (id, run_id, proposal_id, segmentation_id, lesion_id, model_id, model_version, event, dice, at)
      SELECT a.id, p.run_id, a.proposal_id, a.segmentation_id, p.lesion_id, a.model_id, a.model_version, a.event, a.dice, a.at
      FROM ai_agreement a JOIN ai_proposals p ON p.id = a.proposal_id;
    DROP TABLE ai_agreement;
    ALTER TABLE ai_agreement_new RENAME TO ai_agreement;
    CREATE INDEX ai_agreement_model ON ai_agreement(model_id, at);
    CREATE INDEX ai_agreement_run ON ai_agreement(run_id);
    -- One miss per lesion and run.
    CREATE UNIQUE INDEX ai_agreement_miss ON ai_agreement(run_id, lesion_id) WHERE event = 'missed';
  `,
};
