/**
 * Backups and recovery from the command line (README, "Backups and recovery"):
 *
 *   backup [--out <file>]   online backup of the registry, while the workstation runs
 *   restore <file>          make a checked backup the registry (refused while Longitude runs)
 *   verify                  re-hash the library's files against the registry
 *
 * None of them starts the workstation (no worker pool, no migration): a backup and a verify
 * run beside a running workstation, and a restore must run without one. Exit codes: 0 done;
 * 1 done with problems (altered or missing files, a damaged registry, a backup whose check
 * failed); 2 invalid use or nothing done (bad arguments, no registry, a refused restore).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { backupRegistry, REGISTRY_FILE, restoreRegistry, appendAdminLog } from './services/registry/backup';
import { checkIntegrity, type Db } from './services/registry/db';
import { loadDriver } from './services/registry/driver';
import { RegistryError } from './services/registry/errors';
import { verifyLibrary, type VerifyReport } from './services/registry/verify';
import { configureDefaultReader } from './services/session/readerContext';

export const MAINTENANCE_COMMANDS = ['backup', 'restore', 'verify'] as const;

export const MAINTENANCE_USAGE = `backups and recovery:
  backup [--out <file>]               online backup of the registry, also while the workstation runs
                                      (default: <home>/backups/registry-<time>.sqlite; never overwrites)
  restore <file>                      make a backup the registry: checked first, the current one kept in
                                      <home>/backups, refused while Longitude runs; logged in <home>/logs/admin.log
  verify                              re-hash every library file against the registry (SHA-256), check every
                                      mask file; lists missing or altered ones (exit 1 if any)`;

type Flags = Record<string, string | true>;

function readerOf(flags: Flags) {
  return configureDefaultReader(typeof flags.reader === 'string' ? { name: flags.reader, id: typeof flags['reader-id'] === 'string' ? flags['reader-id'] : null } : undefined);
}

export async function runMaintenanceCommand(command: string, rest: string[], flags: Flags, json: boolean, homeDir: string): Promise<number> {
  const print = (value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());
  const fail = (message: string, code: 1 | 2) => {
    console.error(`error: ${message}`);
    return code;
  };
  if (command === 'backup') {
    if (rest.length) return fail(`backup takes no positional argument (got "${rest.join(' ')}"); use --out <file>`, 2);
    if (flags.out === true) return fail('--out needs a file name', 2);
    try {
      const r = await backupRegistry(homeDir, typeof flags.out === 'string' ? resolve(flags.out) : undefined);
      const ok = r.check.length === 1 && r.check[0] === 'ok';
      appendAdminLog(homeDir, { action: 'backup', reader: readerOf(flags), file: r.file, schemaVersion: r.schemaVersion, check: r.check });
      print({ ...r, ok }, () =>
        ok
          ? `backed up ${join(homeDir, REGISTRY_FILE)} to ${r.file} (${(r.sizeBytes / 1e6).toFixed(1)} MB, schema ${r.schemaVersion}, integrity ok, ${r.durationMs} ms)`
          : `backed up to ${r.file}, but its integrity check failed: ${r.check.join('; ')} — the registry itself is damaged; keep this copy and see "longitude verify"`,
      );
      return ok ? 0 : 1;
    } catch (err) {
      return fail((err as Error).message, 2);
    }
  }
  if (command === 'restore') {
    if (rest.length !== 1) return fail('restore needs exactly one file: longitude restore <backup.sqlite> [--home <dir>]', 2);
    try {
      const r = restoreRegistry(homeDir, rest[0], readerOf(flags));
      print(r, () =>
        [
          `restored ${r.registry} from ${r.restoredFrom} (schema ${r.schemaVersion}, ${r.check.counts?.patients ?? 0} patients, ${r.check.counts?.instances ?? 0} instances)`,
          r.keptAside ? `the registry it replaced is kept in ${r.keptAside}` : 'there was no registry before',
          ...(r.migratesTo ? [`the next start migrates it to schema ${r.migratesTo} (after an automatic backup)`] : []),
          `logged in ${r.log}; "longitude verify" checks the library files against it`,
        ].join('\n'),
      );
      return 0;
    } catch (err) {
      return fail((err as Error).message, err instanceof RegistryError ? 2 : 1);
    }
  }
  // verify
  if (rest.length) return fail(`verify takes no positional argument (got "${rest.join(' ')}")`, 2);
  const file = join(homeDir, REGISTRY_FILE);
  if (!existsSync(file)) return fail(`there is no registry at ${file}: nothing to verify`, 2);
  const Database = loadDriver();
  let db: Db;
  let check: string[];
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    check = checkIntegrity(db, 'full');
  } catch (err) {
    const report = { home: homeDir, registry: { file, error: (err as Error).message }, ok: false };
    print(report, () => `the registry ${file} cannot be read: ${(err as Error).message}\nrestore a backup (see "longitude restore --help")`);
    return 1;
  }
  try {
    const progress = !json && process.stderr.isTTY ? (done: number, total: number) => done % 200 === 0 && process.stderr.write(`\r  ${done}/${total} files`) : undefined;
    const report = await verifyLibrary(db, homeDir, { onProgress: progress || undefined, registryCheck: check });
    if (progress) process.stderr.write('\r');
    print(report, () => verifyText(file, report));
    return report.ok ? 0 : 1;
  } finally {
    db.close();
  }
}

export function verifyText(file: string, r: VerifyReport): string {
  const registryOk = r.registry.check.length === 1 && r.registry.check[0] === 'ok';
  return [
    `registry ${file}: schema ${r.registry.schemaVersion}, integrity ${registryOk ? 'ok' : `FAILED: ${r.registry.check.join('; ')}`}`,
    `instances: ${r.instances.files} files (${(r.instances.bytes / 1e6).toFixed(1)} MB hashed), ${r.instances.missing} missing, ${r.instances.altered} altered`,
    `masks: ${r.masks.files} files, ${r.masks.missing} missing, ${r.masks.unreadable} altered or unreadable`,
    ...r.problems.map((p) => `  ${p.problem} ${p.path} (${p.table} row ${p.rowId}): ${p.detail}`),
    r.ok ? `all files verified (${r.durationMs} ms)` : `${r.problems.length} problem(s) found (${r.durationMs} ms)`,
  ].join('\n');
}
