/** The registry's own errors: they name the file and say what to do, never only an SQLite code. */
export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

/**
 * The registry file is damaged (it fails SQLite's integrity check or is not a database at
 * all). Nothing was changed; the message names the file and the backup to restore.
 */
export class RegistryDamagedError extends RegistryError {
  constructor(
    message: string,
    /** The damaged registry. */
    readonly file: string,
    /** The newest backup that passed its own check, if any. */
    readonly backup: string | null,
  ) {
    super(message);
    this.name = 'RegistryDamagedError';
  }
}

/** SQLite says the file is damaged or is not a database. */
export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}
