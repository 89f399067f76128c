import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { RegistryError } from './errors';

const require = createRequire(import.meta.url);

/** better-sqlite3, with a clear message when it was built for another runtime (see README). */
export function loadDriver(): typeof BetterSqlite3 {
  try {
    return require('better-sqlite3') as typeof BetterSqlite3;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(msg)) {
      // The native module is built for one runtime's ABI at a time (see README).
      throw new RegistryError(
        `better-sqlite3 is built for another runtime (${msg.split('\n')[0]}). ` +
          `For serve mode and tests run "npm run rebuild:node"; for the desktop app run "npm run rebuild:electron".`,
      );
    }
    throw err;
  }
}
