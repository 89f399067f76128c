/**
 * Date shifting for the Retain Longitudinal Temporal Information with Modified Dates option
 * (PS3.15 E.3.6): whole days added to DA and DT values in UTC calendar arithmetic, so intervals
 * between two dates of the same patient are preserved exactly and times of day are untouched.
 * A value that is not a date (PS3.5 6.2) cannot be shifted and is dropped (''), never kept.
 */
const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a real calendar date, or null (2024-02-30 is not one). */
export function dayNumber(y: number, m: number, d: number): number | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const ms = Date.UTC(y, m - 1, d);
  const check = new Date(ms);
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  check.setUTCFullYear(y, m - 1, d);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return null;
  return Math.round(check.getTime() / MS_PER_DAY);
}

function fromDayNumber(day: number): { y: number; m: number; d: number } {
  const t = new Date(day * MS_PER_DAY);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** 'YYYYMMDD' (or the ACR-NEMA 'YYYY.MM.DD') plus `days`, as 'YYYYMMDD'; null when not a date or out of 0000–9999. */
export function shiftYmd(value: string, days: number): string | null {
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(value);
  if (!m) return null;
  const day = dayNumber(Number(m[1]), Number(m[2]), Number(m[3]));
  if (day === null) return null;
  const r = fromDayNumber(day + days);
  if (r.y < 0 || r.y > 9999) return null;
  return `${pad(r.y, 4)}${pad(r.m, 2)}${pad(r.d, 2)}`;
}

/** A DA value (one date or a range A-B, -B, A-) shifted by `days`; '' when it is not a date. */
export function shiftDA(value: string, days: number): string {
  const v = value.trim();
  if (v === '') return '';
  if (v.includes('-')) {
    const [a, b, extra] = v.split('-');
    if (extra !== undefined || (a === '' && b === '')) return '';
    const sa = a === '' ? '' : shiftYmd(a, days);
    const sb = b === '' ? '' : shiftYmd(b, days);
    return sa === null || sb === null ? '' : `${sa}-${sb}`;
  }
  return shiftYmd(v, days) ?? '';
}

// PS3.5 Table 6.2-1 DT: YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX]
const DT_RE = /^(\d{4})(\d{2})?(\d{2})?((?:\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,6})?)?)?)?)([+-]\d{4})?$/;

/**
 * One DT shifted: the date part moves, the time, fraction and UTC offset stay. A DT of month or
 * year precision is shifted from the middle of its month (15th) or year (2 July) and written at
 * its own precision, so a shift of a few weeks moves it like a real date would on average.
 */
function shiftOneDT(value: string, days: number): string | null {
  const m = DT_RE.exec(value);
  if (!m) return null;
  const [, y, mo, d, time, tz] = m;
  if (d === undefined && time !== '') return null;
  const day = dayNumber(Number(y), mo === undefined ? 7 : Number(mo), d !== undefined ? Number(d) : mo === undefined ? 2 : 15);
  if (day === null) return null;
  const r = fromDayNumber(day + days);
  if (r.y < 0 || r.y > 9999) return null;
  const date = mo === undefined ? pad(r.y, 4) : d === undefined ? `${pad(r.y, 4)}${pad(r.m, 2)}` : `${pad(r.y, 4)}${pad(r.m, 2)}${pad(r.d, 2)}`;
  return `${date}${time}${tz ?? ''}`;
}

/** A DT value (one date-time or a range, whose '-' is told from a UTC offset's) shifted; '' when it is not a DT. */
export function shiftDT(value: string, days: number): string {
  const v = value.trim();
  if (v === '') return '';
  const single = shiftOneDT(v, days);
  if (single !== null) return single;
  for (let i = v.indexOf('-'); i >= 0; i = v.indexOf('-', i + 1)) {
    const a = v.slice(0, i);
    const b = v.slice(i + 1);
    if (a === '' && b === '') break;
    const sa = a === '' ? '' : shiftOneDT(a, days);
    const sb = b === '' ? '' : shiftOneDT(b, days);
    if (sa !== null && sb !== null) return `${sa}-${sb}`;
  }
  return '';
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * The ways a calendar date given as 'YYYYMMDD', 'YYYY-MM-DD', 'YYYY/MM/DD' or 'YYYY.MM.DD' (or a
 * DT starting with one) is commonly written in free text: DICOM, ISO, European and US numeric
 * forms (with 4- and 2-digit years, padded or not) and English month names. [] when not a date.
 */
export function dateSpellings(value: string): string[] {
  const m = /^(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})/.exec(value.trim());
  if (!m) return [];
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (dayNumber(y, mo, d) === null) return [];
  const Y = m[1];
  const YY = Y.slice(2);
  const MM = m[2];
  const DD = m[3];
  const out = new Set<string>([`${Y}${MM}${DD}`]);
  for (const sep of ['-', '/', '.']) {
    out.add(`${Y}${sep}${MM}${sep}${DD}`);
    for (const [dd, mm] of [
      [DD, MM],
      [String(d), String(mo)],
    ]) {
      for (const yy of [Y, YY]) {
        out.add(`${dd}${sep}${mm}${sep}${yy}`);
        out.add(`${mm}${sep}${dd}${sep}${yy}`);
      }
    }
  }
  const month = MONTHS[mo - 1];
  for (const name of [month, month.slice(0, 3)]) {
    for (const day of [DD, String(d)]) {
      out.add(`${day} ${name} ${Y}`);
      out.add(`${name} ${day}, ${Y}`);
      out.add(`${name} ${day} ${Y}`);
      out.add(`${day}-${name}-${Y}`);
    }
  }
  return [...out];
}
