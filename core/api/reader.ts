/**
 * Who is reading. Every change to clinical data records it (audit rows now; sign-offs,
 * reports and the SR observer later). In Electron it defaults to the OS user; in serve
 * mode each browser states its reader and sends it with every call.
 */
export interface ReaderIdentity {
  /** The person's name as it should appear on a report ("Dr A. Jones"). */
  name: string;
  /** An optional institutional ID (staff number, login). */
  id?: string | null;
}

const MAX_NAME = 128;

/** A reader from untrusted input (a header, a settings file), or null when absent or unusable. */
export function parseReader(value: unknown): ReaderIdentity | null {
  if (!value || typeof value !== 'object') return null;
  const { name, id } = value as { name?: unknown; id?: unknown };
  if (typeof name !== 'string') return null;
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_NAME);
  if (!clean) return null;
  const cleanId = typeof id === 'string' ? id.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_NAME) : '';
  return { name: clean, id: cleanId || null };
}

/** The header form (serve mode): JSON, URI-encoded so any name fits an HTTP header. */
export function encodeReaderHeader(reader: ReaderIdentity): string {
  return encodeURIComponent(JSON.stringify({ name: reader.name, id: reader.id ?? null }));
}

export function decodeReaderHeader(header: string | undefined | null): ReaderIdentity | null {
  if (!header) return null;
  try {
    return parseReader(JSON.parse(decodeURIComponent(header)));
  } catch {
    return null;
  }
}

export function readerLabel(reader: ReaderIdentity | null | undefined): string {
  if (!reader) return 'unknown reader';
  return reader.id ? `${reader.name} (${reader.id})` : reader.name;
}
