/**
 * Words and numbers of the follow-up panel: a registration as a reader checks it (method,
 * rotation, shift, similarity or landmark error, warnings), registration progress, and
 * lesion links (kind, confidence, distance). Pure functions, tested beside this file.
 */
import type { LesionLinkRow, RegistrationInfo, RegistrationProgressEvent, Vec3 } from '../../../../core/api/types';
import { decomposeRigid, type Mat4 } from '../../../../core/registration/affine';

export const METHOD_LABEL: Record<RegistrationInfo['method'], string> = {
  'elastix-rigid': 'elastix rigid',
  'elastix-affine': 'elastix affine',
  'elastix-bspline': 'elastix B-spline (affine part)',
  landmarks: 'corresponding points',
  identity: 'same frame of reference',
};

export interface RegistrationSummary {
  method: string;
  /** Angle of the rotation about its axis, degrees. */
  rotationDeg: number;
  /** Where the baseline LPS origin goes in the follow-up (the matrix' translation), mm. */
  translationMm: Vec3;
  translationLengthMm: number;
  /** Largest deviation of the stretches from 1 (0 for a rigid transform). */
  stretchPct: number;
  /** "NCC 0.994" (elastix: normalised cross-correlation after registration) or "RMS 1.2 mm" (points). */
  metricText: string | null;
  warnings: string[];
}

function numberArray(v: unknown, n: number): number[] | null {
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : null;
}

/** A registration as the reader checks it; the rigid part is taken from the matrix itself. */
export function registrationSummary(reg: RegistrationInfo): RegistrationSummary {
  const m = reg.matrix4x4 as Mat4;
  let rotationDeg = NaN;
  let stretchPct = 0;
  let translationMm: Vec3 = [m[0][3], m[1][3], m[2][3]];
  try {
    const d = decomposeRigid(m);
    rotationDeg = d.rotationDeg;
    translationMm = d.translationMm;
    stretchPct = Math.max(...d.scales.map((s) => Math.abs(s - 1))) * 100;
  } catch {
    // A singular matrix has no rotation; the warnings say so below.
  }
  const p = reg.parameters as { rigid?: { rotationDeg?: unknown; translationMm?: unknown }; warnings?: unknown; rmsErrorMm?: unknown };
  // elastix reports its own decomposition; prefer it where present (the same numbers, its rounding).
  if (typeof p.rigid?.rotationDeg === 'number') rotationDeg = p.rigid.rotationDeg;
  const t = numberArray(p.rigid?.translationMm, 3);
  if (t) translationMm = t as Vec3;
  const warnings = Array.isArray(p.warnings) ? p.warnings.filter((w): w is string => typeof w === 'string') : [];
  if (!Number.isFinite(rotationDeg)) warnings.push('the transform is singular: register again or correct it with points');
  let metricText: string | null = null;
  if (reg.method === 'landmarks') {
    const rms = typeof p.rmsErrorMm === 'number' ? p.rmsErrorMm : reg.metric;
    if (rms !== null && rms !== undefined) metricText = `RMS ${rms.toFixed(1)} mm at ${reg.landmarks?.length ?? 0} points`;
  } else if (reg.metric !== null) metricText = `NCC ${reg.metric.toFixed(3)}`;
  return {
    method: METHOD_LABEL[reg.method] ?? reg.method,
    rotationDeg,
    translationMm,
    translationLengthMm: Math.hypot(...translationMm),
    stretchPct,
    metricText,
    warnings,
  };
}

/** "L 0.8 · P 13.0 · S 7.0 mm": signed shifts named by the LPS direction they go to. */
export function lpsShiftText(v: Vec3): string {
  const names: [string, string][] = [
    ['L', 'R'],
    ['P', 'A'],
    ['S', 'I'],
  ];
  return v.map((x, i) => `${x >= 0 ? names[i][0] : names[i][1]} ${Math.abs(x).toFixed(1)}`).join(' · ') + ' mm';
}

const PHASE_LABEL: Record<string, string> = {
  loading: 'loading both volumes',
  prepare: 'preparing the images',
  rigid: 'rigid alignment',
  affine: 'affine alignment',
  bspline: 'deformable alignment',
  done: 'done',
  failed: 'failed',
};

/** "rigid alignment · 42%". */
export function progressText(e: Pick<RegistrationProgressEvent, 'phase' | 'state' | 'fraction'>): string {
  const phase = PHASE_LABEL[e.phase] ?? e.phase;
  if (e.state === 'done') return 'done';
  if (e.state === 'failed') return 'failed';
  return `${phase} · ${Math.round(Math.max(0, Math.min(1, e.fraction)) * 100)}%`;
}

export const KIND_LABEL: Record<LesionLinkRow['kind'], string> = {
  match: 'same lesion',
  split: 'split',
  merge: 'merged',
};

/** "L6 → L15" with the arrow a reader reads for each kind. */
export function linkText(l: Pick<LesionLinkRow, 'kind' | 'fromLabel' | 'toLabel'>): string {
  if (l.kind === 'split') return `${l.fromLabel} split → ${l.toLabel}`;
  if (l.kind === 'merge') return `${l.fromLabel} merged into ${l.toLabel}`;
  return `${l.fromLabel} → ${l.toLabel}`;
}

export function confidenceText(c: number | null): string {
  return c === null ? '—' : `${Math.round(c * 100)}%`;
}

/** How sure the matcher is, as a class for colour: low < 0.3 ≤ mid < 0.6 (the auto-confirm threshold) ≤ high. */
export function confidenceClass(c: number | null): 'low' | 'mid' | 'high' | 'none' {
  if (c === null) return 'none';
  return c < 0.3 ? 'low' : c < 0.6 ? 'mid' : 'high';
}

export function distanceText(mm: number | null): string {
  return mm === null ? '—' : `${mm.toFixed(1)} mm`;
}

/** Who decided: "auto" (confident enough to confirm itself), "reviewed" or "by hand". */
export function decidedBy(l: Pick<LesionLinkRow, 'auto' | 'source' | 'status'>): string {
  if (l.status !== 'confirmed') return l.status;
  if (l.auto) return 'auto';
  return l.source === 'manual' ? 'by hand' : 'reviewed';
}

export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
