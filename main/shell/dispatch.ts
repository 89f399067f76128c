/**
 * The one dispatch of the main side, used by the Electron shell and the HTTP server alike:
 * method lookup (an unknown method is an error, never a silent no-op), the reader of the
 * call, binary results, and errors as `{ kind, message }` whatever was thrown.
 */
import { isApiMethod, methodSpec, type ApiMethod, type LongitudeApi, type MethodSpec } from '../../core/api/contract';
import { ApiError, toWireError, type WireError } from '../../core/api/errors';
import type { ReaderIdentity } from '../../core/api/reader';
import { withReader } from '../services/session/readerContext';

export type DispatchResult =
  | { ok: true; method: ApiMethod; value: unknown; binary: MethodSpec['binary'] | null }
  | { ok: false; error: WireError };

/** Unexpected errors are logged with their stack here; the client gets the message and kind 'internal'. */
function report(method: string, err: unknown): WireError {
  const wire = toWireError(err);
  if (wire.kind === 'internal') console.error(`API ${method} failed:`, err);
  return wire;
}

export function resolveMethod(method: unknown, opts: { rawBody?: boolean } = {}): ApiMethod {
  if (!isApiMethod(method)) throw new ApiError('not-found', `unknown API method "${String(method)}"`);
  // Methods that take a raw body have their own route (HTTP PUT) and are refused as JSON calls.
  if (!opts.rawBody && methodSpec(method).rawBody) throw new ApiError('not-found', `unknown API method "${method}"`);
  return method;
}

export async function dispatch(api: LongitudeApi, method: unknown, args: unknown, reader: ReaderIdentity | null, opts: { rawBody?: boolean } = {}): Promise<DispatchResult> {
  try {
    const m = resolveMethod(method, opts);
    const fn = api[m] as (...a: unknown[]) => Promise<unknown>;
    const value = await withReader(reader, () => fn.apply(api, Array.isArray(args) ? args : []));
    return { ok: true, method: m, value, binary: methodSpec(m).binary ?? null };
  } catch (err) {
    return { ok: false, error: report(String(method), err) };
  }
}
