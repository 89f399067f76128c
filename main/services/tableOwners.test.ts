import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from './registry/migrations/index';
import { TABLE_OWNERS } from './tableOwners';

const ROOT = join(import.meta.dirname, '..', '..');
// SQL is written in capitals here: INSERT [OR …] INTO t, REPLACE INTO t, UPDATE t SET, DELETE FROM t.
const WRITE = /\b(?:(?:INSERT(?:\s+OR\s+[A-Z]+)?|REPLACE)\s+INTO\s+([a-z_]+)|UPDATE\s+([a-z_]+)\s+SET\b|DELETE\s+FROM\s+([a-z_]+))/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'migrations' || name === 'testdata' ? [] : sources(p);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

/** Table writes per file: SQL keywords inside string literals and template strings. */
function writesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const tables = new Set<string>();
  for (const literal of text.match(/(['"`])(?:\\.|(?!\1)[\s\S])*?\1/g) ?? []) for (const m of literal.matchAll(WRITE)) tables.add(m[1] ?? m[2] ?? m[3]);
  return [...tables];
}

describe('one owner per table', () => {
  it('every table a migration creates has an owner', () => {
    // A table rebuilt to change a CHECK is created as <name>_new and renamed: it is <name>.
    const renamed = new Map(MIGRATIONS.flatMap((m) => [...m.up.matchAll(/ALTER TABLE\s+([a-z_]+)\s+RENAME TO\s+([a-z_]+)/gi)].map((x) => [x[1], x[2]] as const)));
    const created = MIGRATIONS.flatMap((m) => [...m.up.matchAll(/CREATE TABLE\s+(?:IF NOT EXISTS\s+)?([a-z_]+)/gi)].map((x) => renamed.get(x[1]) ?? x[1]));
    expect(created.filter((t) => !(t in TABLE_OWNERS))).toEqual([]);
  });

  it('no file of main/ writes a table another file owns', () => {
    const wrongs: string[] = [];
    for (const file of sources(join(ROOT, 'main'))) {
      const rel = relative(ROOT, file).split('\\').join('/');
      for (const table of writesOf(file)) {
        const owner = TABLE_OWNERS[table as keyof typeof TABLE_OWNERS];
        if (!owner) wrongs.push(`${rel} writes ${table}, which has no owner`);
        else if (owner.file !== rel) wrongs.push(`${rel} writes ${table}, owned by ${owner.file} (${owner.domain})`);
      }
    }
    expect(wrongs).toEqual([]);
  });

  it('the check sees a violation', () => {
    // The scanner on a snippet: a follow-up service updating measurements directly.
    const snippet = "db.prepare('UPDATE measurements SET lesion_id = ? WHERE id = ?').run(a, b); db.prepare(`INSERT OR IGNORE INTO lesion_links (x) VALUES (?)`);";
    const found = [...(snippet.match(/(['"`])(?:\\.|(?!\1)[\s\S])*?\1/g) ?? [])].flatMap((l) => [...l.matchAll(WRITE)].map((m) => m[1] ?? m[2] ?? m[3]));
    expect(found).toEqual(['measurements', 'lesion_links']);
  });
});
