/**
 * Reproducible DICOM UIDs: "2.25." followed by the decimal value of a
 * 128-bit UUID (PS3.5 B.2), the UUID being a SHA-256 of the phantom seed and
 * the object's role, so the same seed always yields the same UIDs and
 * different seeds never collide in practice.
 */
import { createHash } from 'node:crypto';

export function phantomUid(...parts: (string | number)[]): string {
  const digest = createHash('sha256')
    .update(['longitude-phantom', ...parts.map(String)].join('\u0000'))
    .digest();
  const bytes = Buffer.from(digest.subarray(0, 16));
  // RFC 9562: version 8 (custom, here name-based SHA-256) and the RFC variant bits.
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return `2.25.${BigInt(`0x${bytes.toString('hex')}`).toString(10)}`;
}

/** ImplementationClassUID of the files this generator writes (fixed, like a product's). */
export const IMPLEMENTATION_CLASS_UID = phantomUid('implementation-class', 1);
export const IMPLEMENTATION_VERSION_NAME = 'LONGITUDE_PH1';
