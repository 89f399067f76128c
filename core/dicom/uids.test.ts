import { describe, expect, it } from 'vitest';
import { isValidUid, uidFromHashHex } from './uids';

describe('derived UIDs', () => {
  it('are valid 2.25 UIDs, stable for the same input', () => {
    const hex = 'ff'.repeat(16);
    const uid = uidFromHashHex(hex);
    // 2^128 − 1
    expect(uid).toBe('2.25.340282366920938463463374607431768211455');
    expect(isValidUid(uid)).toBe(true);
    expect(uidFromHashHex(hex)).toBe(uid);
  });
  it('rejects malformed UIDs', () => {
    expect(isValidUid('1.2.03')).toBe(false);
    expect(isValidUid('')).toBe(false);
    expect(isValidUid('1.2.3')).toBe(true);
  });
});
