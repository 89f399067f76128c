/**
 * Matching the lesions of a follow-up exam to those of the baseline.
 *
 * Follow-up lesions are first mapped into baseline space with the registration (a 4×4
 * matrix baseline LPS → follow-up LPS, inverted here). The cost of pairing a baseline
 * lesion b with a follow-up lesion f combines
 *   - distance: |c_b − T⁻¹(c_f)| over the gate distance (the dominant term),
 *   - overlap: 1 − Dice of the two lesions as spheres of their volumes at those centres
 *     (or of their masks, when sample points are given),
 *   - size: |ln(V_f / V_b)| over ln 8 (an eight-fold change costs the full weight),
 *   - type: 1 when both types are known and differ;
 * weights 0.55 / 0.2 / 0.15 / 0.1. An optimal one-to-one assignment (Hungarian, with a gate:
 * no pair further apart than the gate distance) makes the links. Each link's confidence is
 * (1 − cost) scaled down when a competing partner is nearly as cheap, so ambiguous links
 * go to the radiologist's review queue.
 *
 * Then the unmatched are explained: a follow-up lesion that overlaps a baseline lesion
 * already linked to another is a fragment of it (split); a baseline lesion that overlaps a
 * follow-up lesion already linked to another has coalesced into it (merged); the rest are
 * new or disappeared. RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228–247, and the
 * RECIST working group's Q&A) measures fragments as one lesion (sum of their diameters)
 * and coalesced lesions as the one lesion; that bookkeeping follows from this lineage.
 */
import type { Vec3 } from '../api/types';
import { applyMat4, invertMat4, type Mat4 } from '../registration/affine';
import { assignWithGate } from './assignment';

export interface MatchLesion<K> {
  key: K;
  /** Centroid in the lesion's own exam, patient LPS mm. */
  centroidMm: Vec3;
  volumeMl: number | null;
  /** Longest diameter, mm (used when the volume is unknown). */
  diameterMm: number | null;
  type: string | null;
  /** Voxel centres of the lesion's mask in its own exam (a sample of them is enough), for mask overlap. */
  samplesMm?: Vec3[];
}

export interface MatchOptions {
  /** No link between lesions further apart than this after registration, mm (default 20). */
  gateMm?: number;
  /** Links below this confidence go to the review queue (default 0.6). */
  reviewBelow?: number;
  weights?: { distance: number; overlap: number; size: number; type: number };
}

export interface LesionLink<B, F> {
  baseline: B;
  followUp: F;
  kind: 'match' | 'split' | 'merge';
  distanceMm: number;
  overlap: number;
  cost: number;
  confidence: number;
  needsReview: boolean;
}

export interface MatchResult<B, F> {
  links: LesionLink<B, F>[];
  /** Follow-up lesions with no baseline predecessor. */
  newLesions: F[];
  /** Baseline lesions with no follow-up successor. */
  disappeared: B[];
  splits: { from: B; into: F[] }[];
  merges: { from: B[]; into: F }[];
}

const DEFAULT_WEIGHTS = { distance: 0.55, overlap: 0.2, size: 0.15, type: 0.1 };

/** Radius of the sphere of a lesion's volume (or half its diameter), mm. */
export function equivalentRadiusMm(l: { volumeMl: number | null; diameterMm: number | null }): number {
  if (l.volumeMl !== null && l.volumeMl > 0) return Math.cbrt((3 * l.volumeMl * 1000) / (4 * Math.PI));
  if (l.diameterMm !== null && l.diameterMm > 0) return l.diameterMm / 2;
  return 2.5;
}

/** Volume shared by two spheres of radii r1, r2 whose centres are d apart (mm³). */
export function sphereIntersectionMm3(r1: number, r2: number, d: number): number {
  if (d >= r1 + r2) return 0;
  const small = Math.min(r1, r2);
  if (d <= Math.abs(r1 - r2)) return (4 / 3) * Math.PI * small ** 3;
  // Lens volume (two spherical caps).
  return (Math.PI * (r1 + r2 - d) ** 2 * (d * d + 2 * d * r2 - 3 * r2 * r2 + 2 * d * r1 + 6 * r1 * r2 - 3 * r1 * r1)) / (12 * d);
}

function sphereDice(r1: number, r2: number, d: number): number {
  const v = (r: number) => (4 / 3) * Math.PI * r ** 3;
  return (2 * sphereIntersectionMm3(r1, r2, d)) / (v(r1) + v(r2));
}

const dist = (a: Vec3, b: Vec3): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Fraction of the follow-up samples (mapped to baseline) that fall within r of some baseline sample. */
function sampleOverlap(a: Vec3[], b: Vec3[], tolMm: number): number {
  if (a.length === 0 || b.length === 0) return 0;
  const key = (p: Vec3) => `${Math.floor(p[0] / tolMm)},${Math.floor(p[1] / tolMm)},${Math.floor(p[2] / tolMm)}`;
  const cells = new Set(b.map(key));
  const hitsA = a.filter((p) => cells.has(key(p))).length;
  const cellsA = new Set(a.map(key));
  const hitsB = b.filter((p) => cellsA.has(key(p))).length;
  return (hitsA + hitsB) / (a.length + b.length);
}

export function matchLesions<B, F>(
  baseline: MatchLesion<B>[],
  followUp: MatchLesion<F>[],
  baselineToFollowUp: Mat4,
  options: MatchOptions = {},
): MatchResult<B, F> {
  const { gateMm = 20, reviewBelow = 0.6 } = options;
  const w = options.weights ?? DEFAULT_WEIGHTS;
  const toBaseline = invertMat4(baselineToFollowUp);
  const mapped = followUp.map((f) => ({
    f,
    centre: applyMat4(toBaseline, f.centroidMm),
    samples: f.samplesMm?.map((p) => applyMat4(toBaseline, p)),
    radius: equivalentRadiusMm(f),
  }));
  const bRadius = baseline.map(equivalentRadiusMm);

  const pair = (i: number, j: number) => {
    const b = baseline[i];
    const m = mapped[j];
    const d = dist(b.centroidMm, m.centre);
    const overlap = b.samplesMm && m.samples ? sampleOverlap(m.samples, b.samplesMm, 2) : sphereDice(bRadius[i], m.radius, d);
    const vb = b.volumeMl ?? (4 / 3) * Math.PI * (bRadius[i] / 10) ** 3;
    const vf = m.f.volumeMl ?? (4 / 3) * Math.PI * (m.radius / 10) ** 3;
    const size = Math.min(1, Math.abs(Math.log(vf / vb)) / Math.log(8));
    const type = b.type && m.f.type && b.type !== m.f.type ? 1 : 0;
    const cost = w.distance * Math.min(1, d / gateMm) + w.overlap * (1 - overlap) + w.size * size + w.type * type;
    return { d, overlap, cost };
  };
  const info = baseline.map((_, i) => followUp.map((__, j) => pair(i, j)));
  // The gate: beyond gateMm a pair is impossible whatever its other terms.
  const GATE = 1.01;
  const cost = info.map((row) => row.map((p) => (p.d > gateMm ? Number.POSITIVE_INFINITY : p.cost)));
  const assignment = assignWithGate(cost, GATE);

  const confidence = (i: number, j: number): number => {
    const c = cost[i][j];
    let alt = 1;
    cost[i].forEach((x, jj) => jj !== j && (alt = Math.min(alt, x)));
    cost.forEach((row, ii) => ii !== i && (alt = Math.min(alt, row[j])));
    const margin = Math.max(0, Math.min(1, (alt - c) / 0.3));
    return Math.max(0, Math.min(1, (1 - c) * margin));
  };

  const links: LesionLink<B, F>[] = [];
  const linkedB = new Map<number, number[]>();
  const linkedF = new Map<number, number[]>();
  const add = (i: number, j: number, kind: LesionLink<B, F>['kind'], conf: number) => {
    const p = info[i][j];
    links.push({ baseline: baseline[i].key, followUp: followUp[j].key, kind, distanceMm: p.d, overlap: p.overlap, cost: p.cost, confidence: conf, needsReview: conf < reviewBelow });
    linkedB.set(i, [...(linkedB.get(i) ?? []), j]);
    linkedF.set(j, [...(linkedF.get(j) ?? []), i]);
  };
  for (const [i, j] of assignment.pairs) add(i, j, 'match', confidence(i, j));

  // Fragments and coalescence: the unmatched that overlap a partner already taken.
  const touches = (i: number, j: number): boolean => {
    const p = info[i][j];
    return p.d <= gateMm && (p.overlap > 0 || p.d <= bRadius[i] + mapped[j].radius + 2);
  };
  for (const j of assignment.unmatchedColumns) {
    const candidates = [...linkedB.keys()].filter((i) => touches(i, j)).sort((a, b) => info[a][j].d - info[b][j].d);
    if (candidates.length === 0) continue;
    const i = candidates[0];
    // Splits and merges are structural claims: the radiologist confirms them.
    add(i, j, 'split', Math.min(0.59, 1 - info[i][j].cost));
  }
  for (const i of assignment.unmatchedRows) {
    const candidates = [...linkedF.keys()].filter((j) => touches(i, j) && linkedF.get(j)!.every((ii) => links.find((l) => l.baseline === baseline[ii].key && l.followUp === followUp[j].key)?.kind === 'match')).sort((a, b) => info[i][a].d - info[i][b].d);
    if (candidates.length === 0) continue;
    add(i, candidates[0], 'merge', Math.min(0.59, 1 - info[i][candidates[0]].cost));
  }
  for (const l of links) if (l.kind !== 'match') l.needsReview = true;

  const splitsOut: MatchResult<B, F>['splits'] = [];
  for (const [i, js] of linkedB) if (js.length > 1) splitsOut.push({ from: baseline[i].key, into: js.map((j) => followUp[j].key) });
  const mergesOut: MatchResult<B, F>['merges'] = [];
  for (const [j, is] of linkedF) if (is.length > 1) mergesOut.push({ from: is.map((i) => baseline[i].key), into: followUp[j].key });
  return {
    links,
    newLesions: followUp.filter((_, j) => !linkedF.has(j)).map((f) => f.key),
    disappeared: baseline.filter((_, i) => !linkedB.has(i)).map((b) => b.key),
    splits: splitsOut,
    merges: mergesOut,
  };
}
