import { describe, expect, it } from 'vitest';
import { migrate, openMemoryRegistry } from '../db';
import { MIGRATIONS } from './index';

describe('migration 0130: the de-identification key store', () => {
  it('adds one secret per library and a key map that holds each patient and each pseudonym once; STRICT and the CHECKs hold', () => {
    const db = openMemoryRegistry(MIGRATIONS.filter((m) => m.version < 130));
    db.exec(`INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'Doe^Jane');`);
    expect(migrate(db, MIGRATIONS.filter((m) => m.version <= 130))).toBe(130);
    // What was there stays.
    expect(db.prepare('SELECT patient_key AS k FROM patients').all()).toEqual([{ k: 'id:P1' }]);

    // One secret, 32 bytes, row 1 only.
    db.prepare("INSERT INTO deid_site (id, secret, created_at) VALUES (1, randomblob(32), 't')").run();
    expect(() => db.prepare("INSERT INTO deid_site (id, secret, created_at) VALUES (2, randomblob(32), 't')").run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("INSERT INTO deid_site (id, secret, created_at) VALUES (1, randomblob(32), 't')").run()).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => db.prepare("UPDATE deid_site SET secret = randomblob(16) WHERE id = 1").run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("UPDATE deid_site SET secret = 'text' WHERE id = 1").run()).toThrow(/CHECK constraint failed|cannot store TEXT/);

    const insert = (key: string, pseudonym: string, offset: number) =>
      db.prepare("INSERT INTO deid_pseudonyms (patient_key, pseudonym_id, date_offset_days, created_at, reader_name, reader_id) VALUES (?, ?, ?, 't', 'Dr A. Jones', 'AJ7')").run(key, pseudonym, offset);
    expect(() => insert('id:P1', 'LNG-ABCDEFGH23', -1)).not.toThrow();
    expect(() => insert('id:P2', 'LNG-ZZZZZZZZ77', -3650)).not.toThrow();
    // A patient once, a pseudonym once.
    expect(() => insert('id:P1', 'LNG-QQQQQQQQQQ', -5)).toThrow(/UNIQUE constraint failed/);
    expect(() => insert('id:P3', 'LNG-ABCDEFGH23', -5)).toThrow(/UNIQUE constraint failed/);
    // Offsets -1…-3650 days; pseudonyms LNG- and ten base32 characters; a key.
    for (const offset of [0, 1, -3651]) expect(() => insert('id:P4', 'LNG-AAAAAAAAAA', offset)).toThrow(/CHECK constraint failed/);
    for (const bad of ['LNG-AAAAAAAAA', 'LNG-AAAAAAAAA1', 'lng-aaaaaaaaaa', 'X-1']) expect(() => insert('id:P4', bad, -2)).toThrow(/CHECK constraint failed/);
    expect(() => insert('', 'LNG-BBBBBBBBBB', -2)).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("INSERT INTO deid_pseudonyms (patient_key, pseudonym_id, date_offset_days, created_at) VALUES ('id:P5', 'LNG-CCCCCCCCCC', '-2 days', 't')").run()).toThrow(/cannot store TEXT/);
    for (const t of ['deid_site', 'deid_pseudonyms']) expect((db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(t) as { sql: string }).sql).toMatch(/STRICT$/);
    db.close();
  });
});
