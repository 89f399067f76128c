/**
 * Calendar dates as the registry and the API carry them ('YYYY-MM-DD', DICOM DA as ISO 8601),
 * and whole days between them: RECIST intervals, volume doubling times, the viewer's
 * "current · N days after". UTC days, so a date means the same day in every time zone.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a calendar date 'YYYY-MM-DD', or null when it is not a real date. */
export function isoDateToDay(date: string): number | null {
  const m = ISO_DATE.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  // Date.UTC rolls 2024-02-30 over to March; a real date survives the round trip.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return ms / MS_PER_DAY;
}

/** Whole days from `from` to `to` (both 'YYYY-MM-DD'); throws on an invalid date. */
export function daysBetween(from: string, to: string): number {
  const a = isoDateToDay(from);
  const b = isoDateToDay(to);
  if (a === null || b === null) throw new RangeError(`not a calendar date (YYYY-MM-DD): "${a === null ? from : to}"`);
  return b - a;
}

/** Whole days from `from` to `to`, or null when either is missing or not a calendar date (e.g. a study without a date). */
export function daysBetweenOrNull(from: string | null | undefined, to: string | null | undefined): number | null {
  const a = from ? isoDateToDay(from) : null;
  const b = to ? isoDateToDay(to) : null;
  return a === null || b === null ? null : b - a;
}
