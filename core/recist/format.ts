/** Numbers as they appear in explanations: enough digits for a caliper reading, no float noise. */

export function fmtMm(mm: number): string {
  return `${Math.round(mm * 100) / 100} mm`;
}

export function signedMm(mm: number): string {
  const r = Math.round(mm * 100) / 100;
  return `${r > 0 ? '+' : r < 0 ? '−' : '±'}${Math.abs(r)} mm`;
}

/** One decimal, with its sign: '+25%', '−42.5%', '±0%'. */
export function signedPct(pct: number | null): string {
  if (pct === null) return 'n/a';
  const r = Math.round(pct * 10) / 10;
  return `${r > 0 ? '+' : r < 0 ? '−' : '±'}${Math.abs(r)}%`;
}
