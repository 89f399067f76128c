/**
 * The reader of the call in progress. Both shells run each API call inside
 * `withReader(reader, …)` (the reader the client sent, else the workstation's default);
 * whatever the call writes — audit rows now, sign-offs and SR observers later — asks
 * `currentReader()`. Code outside a call (the CLI, tests, start-up sweeps) gets the
 * default: the OS user.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { userInfo } from 'node:os';
import { parseReader, type ReaderIdentity } from '../../../core/api/reader';

const storage = new AsyncLocalStorage<ReaderIdentity>();

function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER || process.env.USERNAME || 'unknown';
  }
}

let defaultReader: ReaderIdentity = { name: osUser(), id: null };

/** The workstation's default reader: `LONGITUDE_READER` ("Name" or "Name|ID"), else the OS user. */
export function configureDefaultReader(reader?: ReaderIdentity | null): ReaderIdentity {
  const fromEnv = process.env.LONGITUDE_READER ? parseReader({ name: process.env.LONGITUDE_READER.split('|')[0], id: process.env.LONGITUDE_READER.split('|')[1] }) : null;
  defaultReader = parseReader(reader) ?? fromEnv ?? { name: osUser(), id: null };
  return defaultReader;
}

export function getDefaultReader(): ReaderIdentity {
  return defaultReader;
}

export function withReader<T>(reader: ReaderIdentity | null | undefined, fn: () => T): T {
  return storage.run(parseReader(reader) ?? defaultReader, fn);
}

export function currentReader(): ReaderIdentity {
  return storage.getStore() ?? defaultReader;
}
