/**
 * The de-identification key store (migration 0130), the only writer of `deid_site` and
 * `deid_pseudonyms`. Everything an export replaces is derived from one site secret (32 random
 * bytes, made once per library and kept in its registry) with HMAC-SHA256, so the same patient
 * gets the same pseudonym, date offset and UIDs in every export from this site, and nobody
 * without the secret can compute or reverse them. The key map (original patient key → pseudonym,
 * with who first exported it) lets the site, and only the site, map a pseudonym back.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { PatientPseudonym } from '../../../core/deid/types';
import type { Db } from '../registry/db';
import { transaction } from '../registry/changes';
import { currentReader } from '../session/readerContext';

/** RFC 4648 base32 alphabet (no 0, 1, 8, 9: nothing to misread). */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Date offsets run from -1 to -3650 days (up to about ten years into the past, never zero). */
export const MAX_DATE_OFFSET_DAYS = 3650;

export interface PseudonymRow {
  patientKey: string;
  pseudonymId: string;
  dateOffsetDays: number;
  createdAt: string;
  readerName: string | null;
  readerId: string | null;
}

/** The site's secret: made (32 random bytes) the first time it is asked for, then always the same. */
export function siteSecret(db: Db): Buffer {
  const read = () => db.prepare('SELECT secret FROM deid_site WHERE id = 1').get() as { secret: Buffer } | undefined;
  const found = read();
  if (found) return Buffer.from(found.secret);
  return transaction(db, () => {
    db.prepare('INSERT OR IGNORE INTO deid_site (id, secret, created_at) VALUES (1, ?, ?)').run(randomBytes(32), new Date().toISOString());
    return Buffer.from(read()!.secret);
  });
}

function hmac(secret: Buffer, text: string): Buffer {
  return createHmac('sha256', secret).update(text, 'utf8').digest();
}

function base32(bytes: Buffer, chars: number): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
    if (out.length >= chars) break;
  }
  return out;
}

/**
 * What the secret gives a patient key, without recording it: 'LNG-' + 10 base32 characters
 * (50 bits of the HMAC) and a date offset of -(1 + n mod 3650) days, n from the next 48 bits.
 */
export function derivePseudonym(secret: Buffer, patientKey: string): { pseudonymId: string; dateOffsetDays: number } {
  const mac = hmac(secret, `patient:${patientKey}`);
  const n = mac.readUIntBE(8, 6);
  return { pseudonymId: `LNG-${base32(mac.subarray(0, 7), 10)}`, dateOffsetDays: -(1 + (n % MAX_DATE_OFFSET_DAYS)) };
}

/**
 * A patient's pseudonym and date offset: recorded on first use (with the reader of the call), read
 * back afterwards, so the key map holds every patient this site ever exported.
 */
export function pseudonymFor(db: Db, patientKey: string): PseudonymRow {
  if (!patientKey) throw new Error('a patient key is needed for a pseudonym');
  const read = () =>
    db
      .prepare('SELECT patient_key AS patientKey, pseudonym_id AS pseudonymId, date_offset_days AS dateOffsetDays, created_at AS createdAt, reader_name AS readerName, reader_id AS readerId FROM deid_pseudonyms WHERE patient_key = ?')
      .get(patientKey) as PseudonymRow | undefined;
  const found = read();
  if (found) return found;
  const secret = siteSecret(db);
  const { pseudonymId, dateOffsetDays } = derivePseudonym(secret, patientKey);
  const reader = currentReader();
  return transaction(db, () => {
    db.prepare('INSERT OR IGNORE INTO deid_pseudonyms (patient_key, pseudonym_id, date_offset_days, created_at, reader_name, reader_id) VALUES (?, ?, ?, ?, ?, ?)').run(
      patientKey,
      pseudonymId,
      dateOffsetDays,
      new Date().toISOString(),
      reader.name,
      reader.id ?? null,
    );
    return read()!;
  });
}

/**
 * A library patient's pseudonym and date offset (recorded on first use): the key is the patient's
 * `patient_key`, which is what its files give (identifying.patientKeyOf), so a cohort's folders and
 * the de-identified files inside them carry the same pseudonym. Null when the patient is not in the library.
 */
export function pseudonymOfPatient(db: Db, patientRowId: number): PseudonymRow | null {
  const row = db.prepare('SELECT patient_key AS k FROM patients WHERE id = ?').get(patientRowId) as { k: string } | undefined;
  return row ? pseudonymFor(db, row.k) : null;
}

/** The key map, for the site: who a pseudonym stands for (null when this site never gave it). */
export function patientKeyOf(db: Db, pseudonymId: string): PseudonymRow | null {
  return (
    (db
      .prepare('SELECT patient_key AS patientKey, pseudonym_id AS pseudonymId, date_offset_days AS dateOffsetDays, created_at AS createdAt, reader_name AS readerName, reader_id AS readerId FROM deid_pseudonyms WHERE pseudonym_id = ?')
      .get(pseudonymId) as PseudonymRow | undefined) ?? null
  );
}

/**
 * The replacement of a UID: '2.25.' + the decimal form of 128 bits of HMAC(secret, 'uid:' + uid),
 * with the version (8, custom) and variant bits of RFC 9562 set so that it is a UUID as
 * ISO/IEC 9834-8 and PS3.5 B.2 ask. At most 44 characters; the same UID always gives the same one.
 */
export function uidFor(secret: Buffer, originalUid: string): string {
  const b = Buffer.from(hmac(secret, `uid:${originalUid}`).subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  return `2.25.${BigInt(`0x${b.toString('hex')}`).toString(10)}`;
}

/**
 * The engine's view of a patient (core/deid/types PatientPseudonym): the pseudonym as ID and
 * name, the date offset, and the UID replacement (cached; shared by every patient of one export
 * when `cache` is given, since a UID's replacement depends on the secret only).
 */
export function patientPseudonym(secret: Buffer, row: Pick<PseudonymRow, 'pseudonymId' | 'dateOffsetDays'>, cache: Map<string, string> = new Map()): PatientPseudonym {
  return {
    pseudonymId: row.pseudonymId,
    pseudonymName: row.pseudonymId,
    dateOffsetDays: row.dateOffsetDays,
    uid(original: string): string {
      const uid = original.replace(/[\0 ]+$/, '').trim();
      let out = cache.get(uid);
      if (out === undefined) {
        out = uidFor(secret, uid);
        cache.set(uid, out);
      }
      return out;
    },
  };
}
