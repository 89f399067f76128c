import type { Migration } from './index';

/**
 * Who made each change: the reader (name and optional ID) on every audit row. Rows written
 * before this version have none.
 */
export const m0060Reader: Migration = {
  version: 60,
  name: 'reader',
  up: `
    ALTER TABLE audit_log ADD COLUMN reader_name TEXT;
    ALTER TABLE audit_log ADD COLUMN reader_id TEXT;
  `,
};
