import { describe, expect, it } from 'vitest';
import { migrate, openMemoryRegistry } from '../db';
import { MIGRATIONS } from './index';

describe('migration 0120: research cohorts', () => {
  it('adds the cohorts table: a unique name (whatever its case), the filter, who made it; STRICT and the CHECK hold', () => {
    const db = openMemoryRegistry(MIGRATIONS.filter((m) => m.version < 120));
    expect(migrate(db, MIGRATIONS.filter((m) => m.version <= 120))).toBe(120);
    const insert = db.prepare('INSERT INTO cohorts (name, where_text, created_at, reader_name, reader_id) VALUES (?, ?, ?, ?, ?)');
    insert.run('liver-mets', 'site=liver', '2026-01-01T00:00:00Z', 'Dr A. Jones', 'AJ7');
    expect(db.prepare('SELECT name, where_text, reader_name, reader_id FROM cohorts').all()).toEqual([{ name: 'liver-mets', where_text: 'site=liver', reader_name: 'Dr A. Jones', reader_id: 'AJ7' }]);
    expect(() => insert.run('LIVER-METS', 'site=lung', 't', null, null)).toThrow(/UNIQUE/);
    expect(() => insert.run('  ', 'site=lung', 't', null, null)).toThrow(/CHECK/);
    expect(() => insert.run('x', Buffer.from([0]), 't', null, null)).toThrow();
    expect(db.prepare("SELECT name FROM cohorts WHERE name = 'Liver-Mets'").get()).toEqual({ name: 'liver-mets' });
  });
});
