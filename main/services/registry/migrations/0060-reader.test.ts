import { describe, expect, it } from 'vitest';
import { migrate, openMemoryRegistry } from '../db';
import { MIGRATIONS } from './index';

describe('migration 0060: the reader on audit rows', () => {
  it('adds reader columns and keeps the rows written before, without a reader', () => {
    const db = openMemoryRegistry(MIGRATIONS.filter((m) => m.version < 60));
    db.prepare("INSERT INTO audit_log (at, entity, entity_id, action, before_json, after_json) VALUES ('2026-01-01T00:00:00Z', 'lesion', 1, 'create', NULL, '{}')").run();
    expect(migrate(db, MIGRATIONS.filter((m) => m.version <= 60))).toBe(60);
    const cols = (db.prepare('PRAGMA table_info(audit_log)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(expect.arrayContaining(['reader_name', 'reader_id']));
    expect(db.prepare('SELECT entity, reader_name, reader_id FROM audit_log').all()).toEqual([{ entity: 'lesion', reader_name: null, reader_id: null }]);
    db.prepare("INSERT INTO audit_log (at, entity, entity_id, action, reader_name, reader_id) VALUES ('2026-01-02T00:00:00Z', 'lesion', 1, 'update', 'Dr A. Jones', 'AJ7')").run();
    expect(db.prepare('SELECT reader_name AS n, reader_id AS i FROM audit_log WHERE id = 2').get()).toEqual({ n: 'Dr A. Jones', i: 'AJ7' });
    // STRICT still holds for the new columns.
    expect(() => db.prepare("INSERT INTO audit_log (at, entity, entity_id, action, reader_name) VALUES ('x', 'lesion', 1, 'update', x'00')").run()).toThrow();
  });
});
