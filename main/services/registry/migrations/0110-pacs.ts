import type { Migration } from './index';

/**
 * PACS nodes, the receiver's settings and a log of what travelled (retrieved, sent, received),
 * with who asked. Passwords and tokens are never stored here: `secret_ref` names an entry of
 * the secret store (Electron's safeStorage on the desktop; a file only the workstation's user
 * can read in serve mode).
 */
export const m0110Pacs: Migration = {
  version: 110,
  name: 'pacs',
  up: `
    CREATE TABLE pacs_nodes (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      ae_title TEXT,
      host TEXT,
      port INTEGER CHECK (port IS NULL OR (port BETWEEN 1 AND 65535)),
      dicomweb_url TEXT,
      auth TEXT NOT NULL DEFAULT 'none' CHECK (auth IN ('none', 'basic', 'bearer')),
      username TEXT,
      secret_ref TEXT,
      retrieve_method TEXT NOT NULL CHECK (retrieve_method IN ('wado-rs', 'c-get', 'c-move')),
      query_priors INTEGER NOT NULL DEFAULT 1 CHECK (query_priors IN (0, 1)),
      auto_retrieve_priors INTEGER NOT NULL DEFAULT 0 CHECK (auto_retrieve_priors IN (0, 1)),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      CHECK (dicomweb_url IS NOT NULL OR (ae_title IS NOT NULL AND host IS NOT NULL AND port IS NOT NULL))
    ) STRICT;
    CREATE TABLE pacs_settings (
      key TEXT PRIMARY KEY,
      value_json TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE pacs_transfers (
      id INTEGER PRIMARY KEY,
      direction TEXT NOT NULL CHECK (direction IN ('retrieve', 'send', 'receive')),
      node TEXT NOT NULL,
      method TEXT NOT NULL,
      study_uid TEXT,
      what TEXT NOT NULL,
      instances INTEGER NOT NULL DEFAULT 0,
      bytes INTEGER NOT NULL DEFAULT 0,
      status TEXT NOT NULL CHECK (status IN ('running', 'done', 'partial', 'failed', 'cancelled')),
      error TEXT,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      reader_name TEXT,
      reader_id TEXT
    ) STRICT;
  `,
};
