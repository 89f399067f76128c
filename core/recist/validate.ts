/**
 * Baseline eligibility and validation of a RECIST case. The UI runs the same checks
 * as the CLI, so a case a radiologist builds on screen is refused for the same reasons.
 */
import { RECIST_ROLES, type RecistRole } from '../api/types';
import { fmtMm } from './format';
import { isoDateToDay } from '../dates';
import {
  DEFAULT_RECIST_OPTIONS,
  type DiameterMeasurement,
  type NonTargetEntry,
  type RecistCase,
  type RecistLesion,
  type RecistOptions,
  type RecistTimepoint,
  type TargetEntry,
} from './types';

// RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228–247) §3.1.1: a lesion is measurable with a
// long axis ≥ 10 mm on CT (or twice the slice thickness when that exceeds 5 mm); a lymph node is
// measurable (a possible target) with a short axis ≥ 15 mm. §4.2: nodes 10 to < 15 mm short axis are
// pathological but non-target, < 10 mm non-pathological; at most 5 targets, at most 2 per organ.
export const MEASURABLE_LONG_AXIS_MM = 10;
export const THICK_SLICE_THRESHOLD_MM = 5;
export const NODE_TARGET_SHORT_AXIS_MM = 15;
export const NODE_PATHOLOGICAL_SHORT_AXIS_MM = 10;
export const MAX_TARGETS = 5;
export const MAX_TARGETS_PER_ORGAN = 2;
// EORTC RECIST working group FAQ ("paired organs"): all lymph nodes together count as one organ.
const LYMPH_NODE_ORGAN = 'lymph nodes';

/** The smallest measurable long axis of a non-nodal lesion on an exam with this slice interval. */
export function measurableMinimumMm(sliceIntervalMm?: number): number {
  return sliceIntervalMm !== undefined && sliceIntervalMm > THICK_SLICE_THRESHOLD_MM ? 2 * sliceIntervalMm : MEASURABLE_LONG_AXIS_MM;
}

export type BaselineCategory = 'measurable' | 'non-measurable' | 'pathological-node' | 'normal-node';

export interface BaselineClassification {
  category: BaselineCategory;
  /** True only for 'measurable'. */
  targetEligible: boolean;
  axis: 'long' | 'short';
  diameterMm: number;
  minimumMm: number;
  reason: string;
}

/** What a baseline measurement makes of a lesion: a possible target, a non-target, or (node < 10 mm) no lesion at all. */
export function classifyBaselineLesion(lymphNode: boolean, m: DiameterMeasurement, sliceIntervalMm?: number): BaselineClassification {
  if (lymphNode) {
    const d = m.shortAxisMm ?? NaN;
    const base = { axis: 'short' as const, diameterMm: d, minimumMm: NODE_TARGET_SHORT_AXIS_MM };
    if (d >= NODE_TARGET_SHORT_AXIS_MM)
      return { ...base, category: 'measurable', targetEligible: true, reason: `node short axis ${fmtMm(d)} ≥ ${NODE_TARGET_SHORT_AXIS_MM} mm: measurable` };
    if (d >= NODE_PATHOLOGICAL_SHORT_AXIS_MM)
      return {
        ...base,
        category: 'pathological-node',
        targetEligible: false,
        reason: `node short axis ${fmtMm(d)} is ${NODE_PATHOLOGICAL_SHORT_AXIS_MM}–<${NODE_TARGET_SHORT_AXIS_MM} mm: pathological, non-target only`,
      };
    return { ...base, category: 'normal-node', targetEligible: false, reason: `node short axis ${fmtMm(d)} < ${NODE_PATHOLOGICAL_SHORT_AXIS_MM} mm: non-pathological` };
  }
  const d = m.longAxisMm ?? NaN;
  const minimumMm = measurableMinimumMm(m.sliceIntervalMm ?? sliceIntervalMm);
  const why = minimumMm === MEASURABLE_LONG_AXIS_MM ? `${MEASURABLE_LONG_AXIS_MM} mm` : `${fmtMm(minimumMm)} (2 × slice interval ${fmtMm(minimumMm / 2)})`;
  if (d >= minimumMm) return { category: 'measurable', targetEligible: true, axis: 'long', diameterMm: d, minimumMm, reason: `long axis ${fmtMm(d)} ≥ ${why}: measurable` };
  return { category: 'non-measurable', targetEligible: false, axis: 'long', diameterMm: d, minimumMm, reason: `long axis ${fmtMm(d)} < ${why}: not measurable` };
}

export type RecistValidation = { ok: true; value: RecistCase; options: RecistOptions } | { ok: false; errors: string[] };

const TARGET_STATUSES = ['disappeared', 'too-small', 'not-evaluated'] as const;
const NON_TARGET_STATUSES = ['present', 'absent', 'unequivocal-progression', 'not-evaluated'] as const;
const MEASUREMENT_KEYS = ['longAxisMm', 'shortAxisMm', 'sliceIntervalMm'];
const OPTION_KEYS = Object.keys(DEFAULT_RECIST_OPTIONS) as (keyof RecistOptions)[];

/**
 * Checks a case (parsed JSON, or what the UI assembled) and returns a clean copy with the
 * effective options, or every problem found, each naming the lesion or timepoint.
 * `overrides` (e.g. CLI flags) take precedence over the case's own `options`.
 */
export function validateRecistCase(input: unknown, overrides: Partial<RecistOptions> = {}): RecistValidation {
  const errors: string[] = [];
  if (!isRecord(input)) return { ok: false, errors: ['the case must be a JSON object with "lesions" and "timepoints"'] };

  const options = validateOptions({ ...(isRecord(input.options) ? input.options : {}), ...overrides }, errors);
  if (input.options !== undefined && !isRecord(input.options)) errors.push('"options" must be an object');

  const lesions: RecistLesion[] = [];
  const byId = new Map<string, RecistLesion>();
  if (!Array.isArray(input.lesions) || input.lesions.length === 0) errors.push('"lesions" must be a non-empty array of { id, organ, role, lymphNode }');
  else
    input.lesions.forEach((raw, i) => {
      const lesion = validateLesion(raw, `lesions[${i}]`, errors);
      if (!lesion) return;
      if (byId.has(lesion.id)) errors.push(`lesion ${lesion.id}: declared twice`);
      else {
        byId.set(lesion.id, lesion);
        lesions.push(lesion);
      }
    });

  const targets = lesions.filter((l) => l.role === 'target');
  const nonTargets = lesions.filter((l) => l.role === 'non-target');
  if (lesions.length > 0 && targets.length === 0 && nonTargets.length === 0) errors.push('no target or non-target lesion is declared: there is no baseline disease to assess');
  if (targets.length > MAX_TARGETS) errors.push(`${targets.length} target lesions (${targets.map((l) => l.id).join(', ')}): RECIST 1.1 allows at most ${MAX_TARGETS}; follow the others as non-target`);
  const perOrgan = new Map<string, string[]>();
  for (const t of targets) {
    const organ = t.lymphNode ? LYMPH_NODE_ORGAN : t.organ.trim().toLowerCase();
    perOrgan.set(organ, [...(perOrgan.get(organ) ?? []), t.id]);
  }
  for (const [organ, ids] of perOrgan)
    if (ids.length > MAX_TARGETS_PER_ORGAN)
      errors.push(`${ids.length} target lesions in ${organ} (${ids.join(', ')}): RECIST 1.1 allows at most ${MAX_TARGETS_PER_ORGAN} per organ${organ === LYMPH_NODE_ORGAN ? ' (all lymph nodes count as one organ)' : ''}`);

  const timepoints: RecistTimepoint[] = [];
  let baseline: RecistTimepoint | null = null;
  if (!Array.isArray(input.timepoints) || input.timepoints.length === 0) errors.push('"timepoints" must be a non-empty array; the first one is the baseline');
  else {
    let previousDay = -Infinity;
    for (let i = 0; i < input.timepoints.length; i++) {
      const parsed = validateTimepoint(input.timepoints[i], i, byId, errors);
      if (!parsed) continue;
      const tp = parsed.timepoint;
      // The baseline rules run on what of the baseline parsed, so every problem is named in one pass.
      if (i === 0) baseline = tp;
      if (!parsed.clean) continue;
      const day = isoDateToDay(tp.date);
      if (day !== null) {
        if (day <= previousDay) errors.push(`timepoint ${i + 1} (${tp.date}): dates must be strictly increasing (baseline first)`);
        previousDay = day;
      }
      timepoints.push(tp);
    }
  }

  // The baseline rules run whenever the baseline itself parsed, so its problems show up with the others.
  if (baseline !== null) {
    const where = `baseline (${baseline.date})`;
    const rawBaselineTargets = isRecord((input.timepoints as unknown[])[0]) ? ((input.timepoints as Record<string, unknown>[])[0].target as Record<string, unknown> | undefined) : undefined;
    for (const t of targets) {
      const entry = baseline.target[t.id];
      // An entry that was there but invalid has been named already.
      if (entry === undefined && isRecord(rawBaselineTargets) && rawBaselineTargets[t.id] !== undefined) continue;
      if (entry === undefined) {
        errors.push(`${where}: target ${t.id} has no measurement; every target must be measured at baseline`);
        continue;
      }
      if (!isMeasurement(entry)) {
        errors.push(`${where}: target ${t.id} must be measured at baseline (not ${describeEntry(entry)})`);
        continue;
      }
      const c = classifyBaselineLesion(t.lymphNode, entry, baseline.sliceIntervalMm);
      if (!c.targetEligible)
        errors.push(`${where}: target ${t.id} is not eligible as a target — ${c.reason}${c.category === 'pathological-node' || c.category === 'non-measurable' ? '; declare it non-target' : ''}`);
    }
    for (const [id, entry] of Object.entries(baseline.nonTarget ?? {})) {
      if (typeof entry === 'string' && entry !== 'present') errors.push(`${where}: non-target ${id} is "${entry}"; at baseline a non-target lesion is present by definition`);
      if (typeof entry === 'object' && entry.shortAxisMm < NODE_PATHOLOGICAL_SHORT_AXIS_MM)
        errors.push(`${where}: non-target node ${id} has a short axis of ${fmtMm(entry.shortAxisMm)} (< ${NODE_PATHOLOGICAL_SHORT_AXIS_MM} mm is non-pathological, not a lesion)`);
    }
    const newIds = baseline.newLesions;
    if (newIds === true || (Array.isArray(newIds) && newIds.length > 0) || (baseline.equivocalNewLesions?.length ?? 0) > 0)
      errors.push(`${where}: new lesions cannot be reported at baseline; declare baseline disease as target or non-target`);
  }

  if (errors.length > 0) return { ok: false, errors };
  const value: RecistCase = { lesions, timepoints };
  if (isRecord(input.options)) value.options = options;
  return { ok: true, value, options };
}

function validateOptions(raw: Record<string, unknown>, errors: string[]): RecistOptions {
  const options: RecistOptions = { ...DEFAULT_RECIST_OPTIONS };
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (!OPTION_KEYS.includes(key as keyof RecistOptions)) {
      errors.push(`options: unknown option "${key}" (known: ${OPTION_KEYS.join(', ')})`);
      continue;
    }
    if (key === 'requireConfirmation') {
      if (typeof value !== 'boolean') errors.push('options: requireConfirmation must be true or false');
      else options.requireConfirmation = value;
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) errors.push(`options: ${key} must be a number ≥ 0`);
    else (options as unknown as Record<string, number>)[key] = value;
  }
  return options;
}

function validateLesion(raw: unknown, where: string, errors: string[]): RecistLesion | null {
  if (!isRecord(raw)) {
    errors.push(`${where}: must be an object { id, organ, role, lymphNode }`);
    return null;
  }
  if (typeof raw.id !== 'string' || raw.id.trim() === '') {
    errors.push(`${where}: "id" must be a non-empty string`);
    return null;
  }
  const id = raw.id;
  let ok = true;
  if (!RECIST_ROLES.includes(raw.role as RecistRole)) {
    errors.push(`lesion ${id}: role must be one of ${RECIST_ROLES.join(', ')} (got ${JSON.stringify(raw.role)})`);
    ok = false;
  }
  const role = raw.role as RecistRole;
  if (typeof raw.organ !== 'string' || raw.organ.trim() === '') {
    errors.push(`lesion ${id}: "organ" must be a non-empty string`);
    ok = false;
  }
  // A node is measured on another axis with other thresholds: guessing would silently change the sum.
  if (raw.lymphNode !== undefined && typeof raw.lymphNode !== 'boolean') {
    errors.push(`lesion ${id}: "lymphNode" must be true or false`);
    ok = false;
  } else if (raw.lymphNode === undefined && role !== 'new') {
    errors.push(`lesion ${id}: "lymphNode" (true or false) is required for a ${role} lesion`);
    ok = false;
  }
  return ok ? { id, organ: raw.organ as string, role, lymphNode: raw.lymphNode === true } : null;
}

/** The timepoint with what of it is valid (`clean`: nothing was wrong), or null when it is not an object. */
function validateTimepoint(raw: unknown, index: number, byId: Map<string, RecistLesion>, errors: string[]): { timepoint: RecistTimepoint; clean: boolean } | null {
  const label = `timepoint ${index + 1}`;
  if (!isRecord(raw)) {
    errors.push(`${label}: must be an object { date, target, nonTarget, newLesions }`);
    return null;
  }
  const date = raw.date;
  const where = typeof date === 'string' ? `${label} (${date})` : label;
  const before = errors.length;
  if (typeof date !== 'string' || isoDateToDay(date) === null) errors.push(`${where}: "date" must be a calendar date YYYY-MM-DD`);
  const tp: RecistTimepoint = { date: String(date), target: {} };
  if (raw.sliceIntervalMm !== undefined) {
    if (isPositive(raw.sliceIntervalMm)) tp.sliceIntervalMm = raw.sliceIntervalMm;
    else errors.push(`${where}: sliceIntervalMm must be a number > 0`);
  }

  if (raw.target !== undefined && !isRecord(raw.target)) errors.push(`${where}: "target" must be an object mapping lesion id → measurement or status`);
  const rawTargets = isRecord(raw.target) ? raw.target : {};
  for (const [id, entry] of Object.entries(rawTargets)) {
    const lesion = roleCheck(id, 'target', byId, `${where}: target`, errors);
    if (!lesion) continue;
    const parsed = validateTargetEntry(entry, lesion, `${where}: target ${id}`, errors);
    if (parsed) tp.target[id] = parsed;
  }
  // A merge must point at a target that is itself measured on this exam: otherwise the merged
  // diameter would be counted nowhere.
  for (const [id, entry] of Object.entries(tp.target)) {
    if (!('mergedInto' in entry)) continue;
    const into = entry.mergedInto;
    const recipient = byId.get(into);
    if (into === id) errors.push(`${where}: target ${id} cannot be merged into itself`);
    else if (!recipient || recipient.role !== 'target') errors.push(`${where}: target ${id} is merged into "${into}", which is not a declared target lesion`);
    else {
      const r = tp.target[into];
      if (!r || !(isMeasurement(r) || 'fragments' in r))
        errors.push(`${where}: target ${id} is merged into ${into}, so ${into} must carry the measurement of the merged lesion on this exam${r ? ` (it is ${describeEntry(r)})` : ''}`);
    }
  }

  if (raw.nonTarget !== undefined) {
    if (!isRecord(raw.nonTarget)) errors.push(`${where}: "nonTarget" must be an object mapping lesion id → ${NON_TARGET_STATUSES.join(' | ')}`);
    else {
      tp.nonTarget = {};
      for (const [id, entry] of Object.entries(raw.nonTarget)) {
        const lesion = roleCheck(id, 'non-target', byId, `${where}: non-target`, errors);
        if (!lesion) continue;
        const parsed = validateNonTargetEntry(entry, lesion, `${where}: non-target ${id}`, errors);
        if (parsed !== null) tp.nonTarget[id] = parsed;
      }
    }
  }

  const nl = raw.newLesions;
  if (nl === undefined || typeof nl === 'boolean') tp.newLesions = nl ?? false;
  else if (Array.isArray(nl)) {
    const ids: string[] = [];
    for (const id of nl) {
      if (typeof id !== 'string') errors.push(`${where}: newLesions must list lesion ids (strings)`);
      else if (roleCheck(id, 'new', byId, `${where}: new lesion`, errors)) ids.push(id);
    }
    tp.newLesions = ids;
  } else errors.push(`${where}: newLesions must be true, false or a list of lesion ids declared with role "new"`);

  const eq = raw.equivocalNewLesions;
  if (eq !== undefined) {
    if (!Array.isArray(eq)) errors.push(`${where}: equivocalNewLesions must list lesion ids declared with role "new"`);
    else {
      const ids: string[] = [];
      for (const id of eq) {
        if (typeof id !== 'string') errors.push(`${where}: equivocalNewLesions must list lesion ids (strings)`);
        else if (Array.isArray(tp.newLesions) && tp.newLesions.includes(id)) errors.push(`${where}: new lesion ${id} is listed both as unequivocal and as equivocal`);
        else if (roleCheck(id, 'new', byId, `${where}: equivocal new lesion`, errors)) ids.push(id);
      }
      tp.equivocalNewLesions = ids;
    }
  }

  return { timepoint: tp, clean: errors.length === before };
}

function roleCheck(id: string, role: RecistRole, byId: Map<string, RecistLesion>, where: string, errors: string[]): RecistLesion | null {
  const lesion = byId.get(id);
  if (!lesion) {
    errors.push(`${where} ${id}: unknown lesion id; declare it in "lesions" (role "${role}")`);
    return null;
  }
  if (lesion.role !== role) {
    errors.push(`${where} ${id}: lesion ${id} is declared with role "${lesion.role}", not "${role}"`);
    return null;
  }
  return lesion;
}

function validateTargetEntry(raw: unknown, lesion: RecistLesion, where: string, errors: string[]): TargetEntry | null {
  if (!isRecord(raw)) {
    errors.push(`${where}: must be { longAxisMm, shortAxisMm } or { status } or { fragments } or { mergedInto }`);
    return null;
  }
  const keys = Object.keys(raw);
  const only = (key: string) => {
    const extra = keys.filter((k) => k !== key);
    if (extra.length > 0) errors.push(`${where}: "${key}" cannot be combined with ${extra.map((k) => `"${k}"`).join(', ')}`);
    return extra.length === 0;
  };
  if ('status' in raw) {
    if (!only('status')) return null;
    if (!TARGET_STATUSES.includes(raw.status as (typeof TARGET_STATUSES)[number])) {
      errors.push(`${where}: status must be one of ${TARGET_STATUSES.join(', ')} (got ${JSON.stringify(raw.status)})`);
      return null;
    }
    return { status: raw.status as (typeof TARGET_STATUSES)[number] };
  }
  if ('mergedInto' in raw) {
    if (!only('mergedInto')) return null;
    if (typeof raw.mergedInto !== 'string') {
      errors.push(`${where}: mergedInto must be the id of the target lesion it merged into`);
      return null;
    }
    return { mergedInto: raw.mergedInto };
  }
  if ('fragments' in raw) {
    if (!only('fragments')) return null;
    if (!Array.isArray(raw.fragments) || raw.fragments.length < 2) {
      errors.push(`${where}: fragments must list at least two measurements of the split lesion`);
      return null;
    }
    const fragments: DiameterMeasurement[] = [];
    raw.fragments.forEach((f, i) => {
      const m = validateMeasurement(f, lesion, `${where} fragment ${i + 1}`, errors);
      if (m) fragments.push(m);
    });
    return fragments.length === raw.fragments.length ? { fragments } : null;
  }
  return validateMeasurement(raw, lesion, where, errors);
}

function validateMeasurement(raw: unknown, lesion: RecistLesion, where: string, errors: string[]): DiameterMeasurement | null {
  if (!isRecord(raw)) {
    errors.push(`${where}: must be an object { longAxisMm, shortAxisMm }`);
    return null;
  }
  const before = errors.length;
  const unknown = Object.keys(raw).filter((k) => !MEASUREMENT_KEYS.includes(k));
  if (unknown.length > 0) errors.push(`${where}: unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')} (a measurement has ${MEASUREMENT_KEYS.join(', ')})`);
  const m: DiameterMeasurement = {};
  for (const key of MEASUREMENT_KEYS as (keyof DiameterMeasurement)[]) {
    if (raw[key] === undefined) continue;
    if (!isPositive(raw[key])) errors.push(`${where}: ${key} must be a number > 0 mm${key === 'sliceIntervalMm' ? '' : ' (use { "status": "disappeared" } for a lesion that is gone)'}`);
    else m[key] = raw[key];
  }
  const required = lesion.lymphNode ? 'shortAxisMm' : 'longAxisMm';
  if (raw[required] === undefined) errors.push(`${where}: ${required} is required (${lesion.lymphNode ? 'nodes are followed by the short axis' : 'non-nodal lesions are followed by the long axis'})`);
  if (m.longAxisMm !== undefined && m.shortAxisMm !== undefined && m.shortAxisMm > m.longAxisMm)
    errors.push(`${where}: short axis ${fmtMm(m.shortAxisMm)} is longer than the long axis ${fmtMm(m.longAxisMm)}; are they swapped?`);
  return errors.length === before ? m : null;
}

function validateNonTargetEntry(raw: unknown, lesion: RecistLesion, where: string, errors: string[]): NonTargetEntry | null {
  if (typeof raw === 'string' && NON_TARGET_STATUSES.includes(raw as (typeof NON_TARGET_STATUSES)[number])) return raw as NonTargetEntry;
  if (isRecord(raw) && lesion.lymphNode && Object.keys(raw).length === 1 && isPositive(raw.shortAxisMm)) return { shortAxisMm: raw.shortAxisMm };
  errors.push(`${where}: must be one of ${NON_TARGET_STATUSES.join(', ')}${lesion.lymphNode ? ' or { "shortAxisMm": n }' : ''} (got ${JSON.stringify(raw)})`);
  return null;
}

export function isMeasurement(entry: TargetEntry): entry is DiameterMeasurement {
  return !('status' in entry) && !('fragments' in entry) && !('mergedInto' in entry);
}

function describeEntry(entry: TargetEntry): string {
  if ('status' in entry) return `"${entry.status}"`;
  if ('fragments' in entry) return 'split into fragments';
  if ('mergedInto' in entry) return `merged into ${entry.mergedInto}`;
  return 'a measurement';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPositive(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}
