/**
 * Derived UIDs for objects whose de-identification emptied their UIDs.
 * DICOM PS3.5 B.2: a UID may be "2.25." followed by the decimal form of a 128-bit UUID;
 * we take 128 bits of a SHA-256 of the identifying attributes so the same input always
 * yields the same UID (re-importing stays idempotent).
 */
export function uidFromHashHex(hexDigest: string): string {
  const hex = hexDigest.slice(0, 32);
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`expected at least 32 hex digits, got "${hexDigest}"`);
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}

/** A syntactically valid UID (PS3.5 9.1): digits and dots, no leading zeros, at most 64 characters. */
export function isValidUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(uid);
}
