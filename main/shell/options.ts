import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository / app root (two levels above this file, in source and in out/main). */
export const APP_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export function appVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** The library folder: --home, else LONGITUDE_HOME, else ~/.longitude. */
export function resolveHome(flag: string | undefined): string {
  return resolve(flag ?? process.env.LONGITUDE_HOME ?? join(homedir(), '.longitude'));
}

/**
 * The app's own models folder: --models, else LONGITUDE_APP_MODELS_DIR, else undefined
 * (the library service then uses resources/models). A test or a site points it at another
 * folder of vetted models; the user's own models stay in <home>/models either way.
 */
export function resolveAppModelsDir(flag: string | undefined): string | undefined {
  const dir = flag ?? process.env.LONGITUDE_APP_MODELS_DIR;
  return dir ? resolve(dir) : undefined;
}

/** Minimal flag parser: --name value, --flag, positional arguments. */
export function parseArgs(argv: string[], booleanFlags: string[] = []): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (booleanFlags.includes(a.slice(2)) || i + 1 >= argv.length || argv[i + 1].startsWith('--')) flags[a.slice(2)] = true;
      else flags[a.slice(2)] = argv[++i];
    } else positional.push(a);
  }
  return { positional, flags };
}
