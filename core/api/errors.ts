/**
 * One error vocabulary for the whole API. Services throw `ApiError` with a kind; the
 * HTTP server maps the kind to a status, IPC carries kind and message intact, and the
 * renderer rebuilds the same `ApiError` on its side.
 */
export type ApiErrorKind =
  /** The call itself is wrong: a bad argument, a malformed body, an unknown method. */
  | 'invalid'
  | 'not-found'
  /** The request contradicts the state of the data (already accepted, signed, duplicate, …). */
  | 'conflict'
  /** Not available here or now (a desktop-only dialog, a service that is shutting down). */
  | 'unavailable'
  | 'unauthorized'
  | 'too-large'
  /** Anything unexpected; the message says what failed. */
  | 'internal';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export const API_ERROR_KINDS = {
  invalid: 400,
  unauthorized: 401,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<ApiErrorKind, number>;

export function isApiErrorKind(value: unknown): value is ApiErrorKind {
  return typeof value === 'string' && Object.hasOwn(API_ERROR_KINDS, value);
}

export function httpStatusOf(kind: ApiErrorKind): number {
  return API_ERROR_KINDS[kind];
}

export function kindOfHttpStatus(status: number): ApiErrorKind {
  const found = (Object.keys(API_ERROR_KINDS) as ApiErrorKind[]).find((k) => API_ERROR_KINDS[k] === status);
  return found ?? (status >= 500 ? 'internal' : 'invalid');
}

/** What crosses a process boundary for a failed call. */
export interface WireError {
  kind: ApiErrorKind;
  message: string;
}

/** Any thrown value as a wire error; errors that are not ApiErrors are 'internal'. */
export function toWireError(err: unknown): WireError {
  if (err instanceof ApiError) return { kind: err.kind, message: err.message };
  const kind = (err as { kind?: unknown } | null)?.kind;
  const message = err instanceof Error ? err.message : String(err);
  return { kind: isApiErrorKind(kind) ? kind : 'internal', message };
}

/** Throw helpers that read like the rule they enforce. */
export const invalid = (message: string) => new ApiError('invalid', message);
export const notFound = (message: string) => new ApiError('not-found', message);
export const conflict = (message: string) => new ApiError('conflict', message);
export const unavailable = (message: string) => new ApiError('unavailable', message);

/** An integer id from a call's arguments (HTTP clients may send numeric strings). */
export function requireInt(v: unknown, what: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(`${what} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}
