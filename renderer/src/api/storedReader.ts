/**
 * The reader this browser (or desktop window) states, kept in localStorage so it survives a
 * reload and a restart. Null means "none stated": the workstation then records its default
 * reader (the OS user), which `getReader()` reports. The transports read it on every call.
 */
import { useSyncExternalStore } from 'react';
import { parseReader, type ReaderIdentity } from '../../../core/api/reader';

export const READER_STORAGE_KEY = 'longitude.reader';

/** Where the transports get the reader to send with a call (null: the workstation's default). */
export type ReaderSource = () => ReaderIdentity | null;

export const noReader: ReaderSource = () => null;

const listeners = new Set<() => void>();
let cached: ReaderIdentity | null | undefined;

function storage(): Storage | null {
  try {
    return typeof window !== 'undefined' ? window.localStorage : null;
  } catch {
    return null; // storage disabled: the reader then lives as long as this page
  }
}

function readStorage(): ReaderIdentity | null {
  try {
    const raw = storage()?.getItem(READER_STORAGE_KEY);
    return raw ? parseReader(JSON.parse(raw)) : null;
  } catch {
    return null;
  }
}

/** The stated reader, or null. */
export const storedReader: ReaderSource = () => {
  if (cached === undefined) cached = readStorage();
  return cached;
};

/** State a reader (cleaned as the workstation would clean it), or go back to the default with null. */
export function setStoredReader(reader: ReaderIdentity | null): ReaderIdentity | null {
  const clean = reader ? parseReader(reader) : null;
  try {
    if (clean) storage()?.setItem(READER_STORAGE_KEY, JSON.stringify(clean));
    else storage()?.removeItem(READER_STORAGE_KEY);
  } catch {
    // Kept for this page only.
  }
  cached = clean;
  for (const l of listeners) l();
  return clean;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab of this browser changed it.
  const onStorage = (e: StorageEvent) => {
    if (e.key !== READER_STORAGE_KEY && e.key !== null) return;
    cached = readStorage();
    listener();
  };
  if (typeof window !== 'undefined') window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    if (typeof window !== 'undefined') window.removeEventListener('storage', onStorage);
  };
}

export function useStoredReader(): ReaderIdentity | null {
  return useSyncExternalStore(subscribe, storedReader, storedReader);
}
