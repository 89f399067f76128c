/**
 * Lesion scenario of one patient: which lesions exist, how each one changes
 * from exam to exam, and where it sits in the liver. Geometry here is in the
 * anatomy frame (baseline LPS mm); the synthesis moves it with the patient.
 *
 * Every lesion present at a timepoint is ONE ellipsoid, and lesions never
 * overlap, so analytic volumes (4/3·π·a·b·c) stay exact. A split is shown as
 * the original lesion becoming two separate ellipsoids (the second gets a new
 * id with `splitFrom`); a merge as two lesions becoming one ellipsoid that
 * spans both (the second is then absent with `mergedInto`), which is how
 * RECIST 1.1 bookkeeping treats fragmenting and coalescing target lesions.
 */
import type { AnatomySampler } from './anatomy';
import {
  type Mat3Rows,
  type RigidTransform,
  type Vec3,
  add,
  applyRigid,
  column,
  mulVec,
  norm,
  randomRotation,
  randomUnitVector,
  scale,
  sub,
} from './geometry';
import type { Rng } from './rng';

export type LesionType = 'metastasis' | 'cyst';
/** How the lesion behaves over the exams. */
export type LesionCourse = 'grow' | 'shrink' | 'stable' | 'appear' | 'disappear' | 'split' | 'merge';

/** An ellipsoid: semi-axis i has length `semiAxesMm[i]` along column i of `axes`. */
export interface Ellipsoid {
  centreMm: Vec3;
  semiAxesMm: Vec3;
  /** Rotation whose columns are the unit directions of the semi-axes. */
  axes: Mat3Rows;
}

export interface LesionAppearance {
  /** HU of the lesion body. */
  coreHu: number;
  /** Enhancing rim of metastases, inside the ellipsoid; null when absent. */
  rim: { thicknessMm: number; hu: number } | null;
  /**
   * Margin blur: intensity falls off as a logistic of the distance to the
   * surface with this scale (10–90 % width = 4.39 × scale). 0 = sharp (cysts).
   */
  marginBlurMm: number;
}

export interface LesionPlan extends LesionAppearance {
  id: string;
  /** Value of the lesion in the label maps (liver = 1). */
  labelValue: number;
  type: LesionType;
  course: LesionCourse;
  splitFrom: string | null;
  mergedInto: string | null;
  /** Shape per timepoint in the anatomy frame; null where the lesion is absent. */
  shapes: (Ellipsoid | null)[];
}

export interface LesionEvent {
  kind: 'appear' | 'disappear' | 'split' | 'merge';
  /** Index of the first exam that shows the change. */
  timepoint: number;
  /** Lesions before the change (empty for appear). */
  from: string[];
  /** Lesions after the change (empty for disappear). */
  to: string[];
}

export interface PlacementBounds {
  /** Anatomy → exam LPS, per timepoint. */
  transforms: RigidTransform[];
  /** Scanned box per exam in its LPS (inclusive): [xMin, xMax, yMin, yMax, zMin, zMax]. */
  scanBoxMm: number[];
}

/** Local shape relative to the lesion's reference point, before placement. */
interface LocalShape {
  offsetMm: Vec3;
  semiAxesMm: Vec3;
  axes: Mat3Rows;
}

interface Draft extends LesionAppearance {
  type: LesionType;
  course: LesionCourse;
  /** Shapes of this lesion and, for split/merge, of its partner, per timepoint. */
  own: (LocalShape | null)[];
  partner: (LocalShape | null)[] | null;
}

const MAX_SEMI_AXIS_MM = 32;
const MIN_SEMI_AXIS_MM = 2.5;
/** Liver parenchyma kept between a lesion (at its largest) and the liver surface or another lesion. */
const MARGIN_MM = 3;

function appearance(rng: Rng, type: LesionType): LesionAppearance {
  if (type === 'cyst') return { coreHu: rng.uniform(0, 10), rim: null, marginBlurMm: 0 };
  return {
    coreHu: rng.uniform(40, 60),
    rim: rng.bool(0.5) ? { thicknessMm: rng.uniform(1.5, 3), hu: rng.uniform(110, 130) } : null,
    marginBlurMm: rng.uniform(0.45, 0.75),
  };
}

function semiAxes(rng: Rng, longMm: number, minRatio: number): Vec3 {
  return [longMm, longMm * rng.uniform(minRatio, 1), longMm * rng.uniform(minRatio, 1)];
}

function scaled(shape: LocalShape, s: number): LocalShape {
  return { offsetMm: shape.offsetMm, semiAxesMm: scale(shape.semiAxesMm, s), axes: shape.axes };
}

/**
 * Per-exam factor from a factor meant for series of up to three exams:
 * longer series change in smaller steps, so lesions stay liver-sized.
 */
function stepFactor(factor: number, timepoints: number): number {
  return factor ** (2 / Math.max(2, timepoints - 1));
}

/** Per-timepoint axis scale factors of a simple course (0 = absent). */
function courseScales(rng: Rng, course: LesionCourse, timepoints: number, longMm: number): number[] {
  const cap = MAX_SEMI_AXIS_MM / longMm;
  const out: number[] = [];
  const growth = stepFactor(rng.uniform(1.15, 1.3), timepoints);
  const shrink = stepFactor(rng.uniform(0.7, 0.85), timepoints);
  const disappearAt = Math.min(2, timepoints - 1);
  for (let t = 0; t < timepoints; t++) {
    switch (course) {
      case 'grow':
        out.push(Math.min(cap, growth ** t));
        break;
      case 'shrink':
        out.push(Math.max(MIN_SEMI_AXIS_MM / longMm, shrink ** t));
        break;
      case 'stable':
        out.push(t === 0 ? 1 : rng.uniform(0.98, 1.02));
        break;
      case 'appear':
        out.push(t < 1 ? 0 : Math.min(cap, growth ** (t - 1)));
        break;
      case 'disappear':
        out.push(t >= disappearAt ? 0 : shrink ** t);
        break;
      default:
        throw new Error(`course ${course} has no simple scale`);
    }
  }
  return out;
}

/** Right-handed frame whose first column is the unit vector `u`, the others random. */
function frameWithFirstAxis(rng: Rng, u: Vec3): Mat3Rows {
  let v: Vec3 = [0, 0, 0];
  for (let n = 0; n < 0.1; ) {
    const r = randomUnitVector(rng);
    v = sub(r, scale(u, r[0] * u[0] + r[1] * u[1] + r[2] * u[2]));
    n = norm(v);
    if (n >= 0.1) v = scale(v, 1 / n);
  }
  const w: Vec3 = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  return [
    [u[0], v[0], w[0]],
    [u[1], v[1], w[1]],
    [u[2], v[2], w[2]],
  ];
}

function draftSimple(rng: Rng, type: LesionType, course: LesionCourse, timepoints: number): Draft {
  const long =
    type === 'cyst' ? rng.uniform(5, 12) : course === 'appear' ? rng.uniform(4, 7) : rng.uniform(7, 16);
  const axesMm = semiAxes(rng, long, type === 'cyst' ? 0.8 : 0.65);
  const axes = randomRotation(rng);
  const base: LocalShape = { offsetMm: [0, 0, 0], semiAxesMm: axesMm, axes };
  const scales = courseScales(rng, course, timepoints, long);
  return {
    type,
    course,
    ...appearance(rng, type),
    own: scales.map((s) => (s > 0 ? scaled(base, s) : null)),
    partner: null,
  };
}

/** One lesion, elongated, that breaks into two separate fragments at the last exam. */
function draftSplit(rng: Rng, timepoints: number): Draft {
  const long = rng.uniform(12, 16);
  const axesMm: Vec3 = [long, long * rng.uniform(0.55, 0.7), long * rng.uniform(0.55, 0.7)];
  const axes = randomRotation(rng);
  const u = column(axes, 0);
  const splitAt = timepoints - 1;
  const growth = stepFactor(rng.uniform(1.0, 1.1), timepoints);
  const own: (LocalShape | null)[] = [];
  const partner: (LocalShape | null)[] = [];
  for (let t = 0; t < timepoints; t++) {
    const s = growth ** t;
    if (t < splitAt) {
      own.push({ offsetMm: [0, 0, 0], semiAxesMm: scale(axesMm, s), axes });
      partner.push(null);
    } else {
      // Fragments along the long axis: centres ±0.62 a, semi-axis 0.42 a → a gap of 0.4 a.
      const a = axesMm[0] * s;
      const frag: Vec3 = [0.42 * a, 0.8 * axesMm[1] * s, 0.8 * axesMm[2] * s];
      own.push({ offsetMm: scale(u, 0.62 * a), semiAxesMm: frag, axes });
      partner.push({ offsetMm: scale(u, -0.62 * a), semiAxesMm: [frag[0] * 0.9, frag[1], frag[2]], axes });
    }
  }
  return { type: 'metastasis', course: 'split', ...appearance(rng, 'metastasis'), own, partner };
}

/** Two nearby lesions that grow into one at the last exam. */
function draftMerge(rng: Rng, timepoints: number): Draft {
  const mergeAt = timepoints - 1;
  const growth = stepFactor(rng.uniform(1.15, 1.25), timepoints);
  const rA = rng.uniform(6, 9);
  const rB = rng.uniform(6, 9);
  const axesA = randomRotation(rng);
  const axesB = randomRotation(rng);
  const shapeA: Vec3 = [rA, rA * rng.uniform(0.85, 1), rA * rng.uniform(0.85, 1)];
  const shapeB: Vec3 = [rB, rB * rng.uniform(0.85, 1), rB * rng.uniform(0.85, 1)];
  const u = randomUnitVector(rng);
  // Separation keeps ≥ 5 mm of liver between them up to the exam before the merge.
  const sBefore = growth ** Math.max(0, mergeAt - 1);
  const separationMm = (rA + rB) * sBefore + 5 + rng.uniform(0, 3);
  const offA = scale(u, separationMm / 2);
  const offB = scale(u, -separationMm / 2);
  const own: (LocalShape | null)[] = [];
  const partner: (LocalShape | null)[] = [];
  for (let t = 0; t < timepoints; t++) {
    const s = growth ** t;
    if (t < mergeAt) {
      own.push({ offsetMm: offA, semiAxesMm: scale(shapeA, s), axes: axesA });
      partner.push({ offsetMm: offB, semiAxesMm: scale(shapeB, s), axes: axesB });
    } else {
      const r = Math.max(rA, rB) * s;
      own.push({
        offsetMm: [0, 0, 0],
        semiAxesMm: [separationMm / 2 + r, 1.1 * r, 1.05 * r],
        axes: frameWithFirstAxis(rng, u),
      });
      partner.push(null);
    }
  }
  return { type: 'metastasis', course: 'merge', ...appearance(rng, 'metastasis'), own, partner };
}

/** Directions on which to probe an ellipsoid's surface: the 26 neighbours of a cube. */
const PROBE_DIRECTIONS: Vec3[] = (() => {
  const dirs: Vec3[] = [];
  for (let x = -1; x <= 1; x++)
    for (let y = -1; y <= 1; y++)
      for (let z = -1; z <= 1; z++) if (x || y || z) dirs.push([x, y, z]);
  return dirs;
})();

/** Points on the surface of the shape grown by `marginMm`, in the anatomy frame. */
function probePoints(shape: LocalShape, centre: Vec3, marginMm: number): Vec3[] {
  const c = add(centre, shape.offsetMm);
  const a = shape.semiAxesMm.map((v) => v + marginMm) as Vec3;
  const pts: Vec3[] = [c];
  for (const d of PROBE_DIRECTIONS) {
    const k = 1 / Math.sqrt((d[0] / a[0]) ** 2 + (d[1] / a[1]) ** 2 + (d[2] / a[2]) ** 2);
    pts.push(add(c, mulVec(shape.axes, scale(d, k))));
  }
  return pts;
}

function boundingRadiusMm(shapes: (LocalShape | null)[]): number {
  let r = 0;
  for (const s of shapes) if (s) r = Math.max(r, norm(s.offsetMm) + Math.max(...s.semiAxesMm));
  return r;
}

function insideScan(p: Vec3, bounds: PlacementBounds, marginMm: number): boolean {
  const b = bounds.scanBoxMm;
  for (const t of bounds.transforms) {
    const q = applyRigid(t, p);
    if (q[0] < b[0] + marginMm || q[0] > b[1] - marginMm) return false;
    if (q[1] < b[2] + marginMm || q[1] > b[3] - marginMm) return false;
    if (q[2] < b[4] + marginMm || q[2] > b[5] - marginMm) return false;
  }
  return true;
}

export interface LesionScenario {
  lesions: LesionPlan[];
  events: LesionEvent[];
}

/**
 * Plan and place the lesions of one patient. `extraLesions` adds lesions of
 * random type and course (grow, shrink or stable) to the fixed cast.
 */
export function planLesions(
  rng: Rng,
  anatomy: AnatomySampler,
  bounds: PlacementBounds,
  timepoints: number,
  extraLesions: number,
  scanMarginMm: number,
): LesionScenario {
  const drafts: Draft[] = [];
  // Hardest to place first: they need the most room.
  if (timepoints >= 2) drafts.push(draftMerge(rng, timepoints), draftSplit(rng, timepoints));
  drafts.push(
    draftSimple(rng, 'metastasis', 'grow', timepoints),
    draftSimple(rng, 'metastasis', 'shrink', timepoints),
    draftSimple(rng, 'cyst', 'stable', timepoints),
  );
  if (timepoints >= 2) {
    drafts.push(draftSimple(rng, 'metastasis', 'disappear', timepoints), draftSimple(rng, 'metastasis', 'appear', timepoints));
  }
  for (let i = 0; i < extraLesions; i++) {
    const type: LesionType = rng.bool(0.35) ? 'cyst' : 'metastasis';
    const course: LesionCourse = type === 'cyst' ? 'stable' : rng.pick(['grow', 'shrink', 'stable'] as const);
    drafts.push(draftSimple(rng, type, course, timepoints));
  }

  const lb = anatomy.liverBoundsMm;
  const placed: { centre: Vec3; radiusMm: number }[] = [];
  const centres: Vec3[] = [];
  for (const [index, draft] of drafts.entries()) {
    let shrinkFactor = 1;
    let centre: Vec3 | null = null;
    for (let round = 0; round < 5 && !centre; round++) {
      const own = draft.own.map((s) => (s ? scaled(s, shrinkFactor) : null));
      const partner = draft.partner?.map((s) => (s ? scaled(s, shrinkFactor) : null)) ?? null;
      const all = [...own, ...(partner ?? [])];
      const radiusMm = boundingRadiusMm(all);
      const blurMarginMm = 4 * draft.marginBlurMm;
      for (let attempt = 0; attempt < 4000 && !centre; attempt++) {
        const c: Vec3 = [rng.uniform(lb[0], lb[1]), rng.uniform(lb[2], lb[3]), rng.uniform(lb[4], lb[5])];
        if (placed.some((p) => norm(sub(p.centre, c)) < p.radiusMm + radiusMm + MARGIN_MM)) continue;
        let ok = true;
        for (const shape of all) {
          if (!shape) continue;
          for (const p of probePoints(shape, c, MARGIN_MM + blurMarginMm)) {
            anatomy.huAt(p[0], p[1], p[2]);
            if (anatomy.liverFraction < 0.999 || !insideScan(p, bounds, scanMarginMm)) {
              ok = false;
              break;
            }
          }
          if (!ok) break;
        }
        if (ok) {
          centre = c;
          placed.push({ centre: c, radiusMm: radiusMm + blurMarginMm });
          draft.own = own;
          draft.partner = partner;
        }
      }
      shrinkFactor *= 0.8;
    }
    if (!centre) {
      throw new Error(
        `could not place lesion ${index + 1} (${draft.course}) inside the liver and the scanned volume of every exam; ` +
          'use more slices (--slices), a larger slice interval or pixel spacing, or smaller --max-shift-mm',
      );
    }
    centres.push(centre);
  }

  // Ids in a shuffled order, so an id says nothing about a lesion's course;
  // a split fragment or merge partner gets the id right after its lesion.
  const order = drafts.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const lesions: LesionPlan[] = [];
  const events: LesionEvent[] = [];
  const toAnatomy = (c: Vec3, s: LocalShape | null): Ellipsoid | null =>
    s ? { centreMm: add(c, s.offsetMm), semiAxesMm: s.semiAxesMm, axes: s.axes } : null;
  for (const i of order) {
    const draft = drafts[i];
    const appearanceOf = (d: Draft): LesionAppearance => ({ coreHu: d.coreHu, rim: d.rim, marginBlurMm: d.marginBlurMm });
    const id = `L${lesions.length + 1}`;
    const main: LesionPlan = {
      id,
      labelValue: lesions.length + 2,
      type: draft.type,
      course: draft.course,
      splitFrom: null,
      mergedInto: null,
      ...appearanceOf(draft),
      shapes: draft.own.map((s) => toAnatomy(centres[i], s)),
    };
    lesions.push(main);
    if (draft.partner) {
      const partnerId = `L${lesions.length + 1}`;
      const partner: LesionPlan = {
        id: partnerId,
        labelValue: lesions.length + 2,
        type: draft.type,
        course: draft.course,
        splitFrom: draft.course === 'split' ? id : null,
        mergedInto: draft.course === 'merge' ? id : null,
        ...appearanceOf(draft),
        shapes: draft.partner.map((s) => toAnatomy(centres[i], s)),
      };
      lesions.push(partner);
      if (draft.course === 'split') events.push({ kind: 'split', timepoint: timepoints - 1, from: [id], to: [id, partnerId] });
      else events.push({ kind: 'merge', timepoint: timepoints - 1, from: [id, partnerId], to: [id] });
    }
    const firstSeen = main.shapes.findIndex((s) => s !== null);
    const lastSeen = main.shapes.length - 1 - [...main.shapes].reverse().findIndex((s) => s !== null);
    if (firstSeen > 0) events.push({ kind: 'appear', timepoint: firstSeen, from: [], to: [id] });
    if (lastSeen < timepoints - 1 && draft.course !== 'merge') events.push({ kind: 'disappear', timepoint: lastSeen + 1, from: [id], to: [] });
  }
  events.sort((a, b) => a.timepoint - b.timepoint || a.kind.localeCompare(b.kind));
  return { lesions, events };
}
