/**
 * From the registry's lesion table to RECIST 1.1 and volumetry: the registry holds what was
 * measured; core/recist and core/volumetry decide what it means. Pure: the table in, the
 * assessment out.
 */
import type { LesionCell, LesionRoleInCase, LesionTableAssessment, LesionTableData, LesionVolumetry } from '../api/types';
import { daysBetweenOrNull } from '../dates';
import { growthBetween, tumorBurdenPct } from '../volumetry';
import { assessRecist } from './assess';
import { BENIGN_LESION_TYPES, type RecistAssessment, type RecistCase, type RecistLesion, type RecistTimepoint } from './types';
import { validateRecistCase } from './validate';

export type { LesionTableAssessment, LesionVolumetry } from '../api/types';

const ORGAN: Record<string, string> = { 'lymph-node': 'lymph node' };

/** A cell that shows the lesion on that exam: a measurement, a mask or a status other than gone. */
function seen(cell: LesionCell | undefined): boolean {
  return !!cell && (cell.volumeMl !== null || (cell.status !== null && cell.status !== 'absent' && cell.status !== 'disappeared'));
}

/** Statuses of a new lesion that mean it is there (unequivocal unless marked equivocal). */
const NEW_LESION_PRESENT = new Set(['measured', 'present', 'too-small', 'unequivocal-progression']);

/** Whether a lineage entry recorded at exam `from` holds at exam `studyRowId` (from that exam on, by date). */
function holdsFrom(t: LesionTableData): (studyRowId: number, from: number) => boolean {
  const dateOf = new Map(t.exams.map((e) => [e.studyRowId, e.date]));
  return (studyRowId, from) => {
    const a = dateOf.get(studyRowId);
    const b = dateOf.get(from);
    return a !== null && a !== undefined && b !== null && b !== undefined ? a >= b : studyRowId === from;
  };
}

/**
 * How each lesion enters RECIST. A lesion's history starts where it was first seen: the
 * baseline is the first exam (by date) on which any assessable lesion was seen, and a lesion
 * first seen on a later exam is a new lesion there (RECIST 1.1 §4.3.5) — never a baseline
 * target or non-target, and not "not evaluated" on the exams before it existed — whatever role
 * was recorded for it. Fragments of a split lesion count within it; benign lesions (simple
 * cysts, haemangiomas, FNH; RECIST 1.1 §3.1.3) are followed, not assessed.
 */
export function lesionRolesInCase(t: LesionTableData): { baselineIndex: number | null; roles: LesionRoleInCase[] } {
  const dated = t.exams.map((e, i) => ({ e, i })).filter((x) => x.e.date);
  const fragmentOf = new Map(t.lineage.filter((x) => x.kind === 'split').map((x) => [x.childLesionId, x.parentLesionId]));
  const labelOf = new Map(t.lesions.map((l) => [l.id, l.label]));
  const firstSeenIndex = new Map<number, number>();
  for (const l of t.lesions) {
    const first = dated.find((x) => seen(t.cells[l.id]?.[x.e.studyRowId]));
    if (first) firstSeenIndex.set(l.id, first.i);
  }
  const assessable = t.lesions.filter((l) => !fragmentOf.has(l.id) && !BENIGN_LESION_TYPES.has(l.lesionType));
  const firsts = assessable.map((l) => firstSeenIndex.get(l.id)).filter((i): i is number => i !== undefined);
  const baselineIndex = firsts.length ? Math.min(...firsts) : null;
  const baselineDate = baselineIndex === null ? null : t.exams[baselineIndex].date;
  const roles = t.lesions.map((l): LesionRoleInCase => {
    const firstIdx = firstSeenIndex.get(l.id);
    const firstSeenStudyRowId = firstIdx === undefined ? null : t.exams[firstIdx].studyRowId;
    const base = { lesionId: l.id, label: l.label, firstSeenStudyRowId };
    if (fragmentOf.has(l.id)) return { ...base, role: 'fragment', note: `a fragment of ${labelOf.get(fragmentOf.get(l.id)!) ?? 'a split lesion'}: measured within it` };
    if (BENIGN_LESION_TYPES.has(l.lesionType)) return { ...base, role: 'benign', note: `${l.lesionType}: followed, not part of RECIST (RECIST 1.1 §3.1.3)` };
    if (firstIdx !== undefined && baselineIndex !== null && firstIdx > baselineIndex) {
      const firstDate = t.exams[firstIdx].date;
      // New only once matching (or the reader) says it has no counterpart among the lesions known before.
      const judgedNew = l.recistRole === 'new' || t.findings.some((f) => f.lesionId === l.id && f.kind === 'new' && f.status !== 'rejected');
      if (!judgedNew)
        return {
          ...base,
          role: 'unmatched',
          note: `first seen on ${firstDate}, not yet matched to the lesions known before: run follow-up matching on that exam, link it, or set its role to new`,
        };
      return {
        ...base,
        role: 'new',
        note: l.recistRole === 'new' ? null : `recorded as ${l.recistRole}, but first seen on ${firstDate} after the baseline of ${baselineDate}: a new lesion (RECIST 1.1 §4.3.5)`,
      };
    }
    if (firstIdx === undefined) return { ...base, role: l.recistRole, note: 'not seen on any exam yet' };
    if (l.recistRole === 'new') return { ...base, role: 'new', note: 'recorded as new but seen on the baseline: not a new lesion there; consider making it a target or non-target' };
    return { ...base, role: l.recistRole, note: null };
  });
  return { baselineIndex, roles };
}

/**
 * The RECIST case the table records: lesion labels as ids, one timepoint per assessed exam from
 * the baseline on. Lineage (confirmed by the radiologist) applies the RECIST 1.1 rules for
 * lesions that fragment or coalesce (Eisenhauer et al. 2009, and the RECIST working group's
 * Q&A): from the exam a split is seen on, a target's diameter is the sum of its fragments' (its
 * own finding included), and the fragments are not lesions of their own; a target that
 * coalesced into another target is recorded as merged into it (0 mm, the other carries the
 * whole) or, when it coalesced into a non-target, carries the coalesced lesion's diameter; a
 * non-target that coalesced is absent. A new lesion marked equivocal on an exam is PD only once
 * a later exam confirms it, dated from its first appearance (RECIST 1.1 §4.3.5).
 */
export function recistCaseFromTable(t: LesionTableData): { recistCase: RecistCase; studyRowIds: number[]; roles: LesionRoleInCase[]; baselineStudyRowId: number | null } {
  const holds = holdsFrom(t);
  const byId = new Map(t.lesions.map((l) => [l.id, l]));
  const { baselineIndex, roles } = lesionRolesInCase(t);
  const roleOf = new Map(roles.map((r) => [r.lesionId, r]));
  const inCase = t.lesions.filter((l) => {
    const r = roleOf.get(l.id)!;
    // A lesion declared but never measured stays in: a target must then be measured at baseline, and validation says so.
    return r.role !== 'fragment' && r.role !== 'benign' && r.role !== 'unmatched';
  });
  const lesions: RecistLesion[] = inCase.map((l) => ({ id: l.label, organ: ORGAN[l.site] ?? l.site, role: roleOf.get(l.id)!.role as RecistLesion['role'], lymphNode: l.lymphNode }));
  const reviewedExams = new Set(t.findings.filter((f) => f.status !== 'rejected').map((f) => f.followUpStudyRowId));
  const timepoints: RecistTimepoint[] = [];
  const studyRowIds: number[] = [];
  if (baselineIndex === null) return { recistCase: { lesions, timepoints }, studyRowIds, roles, baselineStudyRowId: null };

  for (let ei = baselineIndex; ei < t.exams.length; ei++) {
    const exam = t.exams[ei];
    if (!exam.date) continue;
    const isBaseline = ei === baselineIndex;
    const target: RecistTimepoint['target'] = {};
    const nonTarget: NonNullable<RecistTimepoint['nonTarget']> = {};
    const newIds: string[] = [];
    const equivocalIds: string[] = [];
    // An exam with findings not matched yet is assessed too: provisional, and it says why.
    let any = reviewedExams.has(exam.studyRowId) || roles.some((r) => r.role === 'unmatched' && seen(t.cells[r.lesionId]?.[exam.studyRowId]));
    for (const l of inCase) {
      const role = roleOf.get(l.id)!.role;
      const cell = t.cells[l.id][exam.studyRowId];
      const fragments = t.lineage.filter((x) => x.kind === 'split' && x.parentLesionId === l.id && holds(exam.studyRowId, x.studyRowId));
      const mergedInto = t.lineage.find((x) => x.kind === 'merge' && x.childLesionId === l.id && holds(exam.studyRowId, x.studyRowId));
      if (!cell.status && !fragments.length && !mergedInto) continue;
      any = true;
      if (role === 'target') {
        const parent = mergedInto ? byId.get(mergedInto.parentLesionId) : undefined;
        const parentCell = parent ? t.cells[parent.id]?.[exam.studyRowId] : undefined;
        if (parent && roleOf.get(parent.id)?.role === 'target') {
          target[l.label] = { mergedInto: parent.label };
        } else if (parent && parentCell?.status === 'measured' && parentCell.longAxisMm !== null) {
          // Coalesced into a non-target: the target carries the coalesced lesion's diameter.
          target[l.label] = { longAxisMm: parentCell.longAxisMm, ...(parentCell.shortAxisMm !== null ? { shortAxisMm: parentCell.shortAxisMm } : {}) };
        } else if (fragments.length) {
          const pieces = [cell, ...fragments.map((f) => t.cells[f.childLesionId]?.[exam.studyRowId])]
            .filter((c) => c && c.status === 'measured' && c.longAxisMm !== null)
            .map((c) => ({ longAxisMm: c!.longAxisMm!, ...(c!.shortAxisMm !== null ? { shortAxisMm: c!.shortAxisMm! } : {}) }));
          if (pieces.length) target[l.label] = { fragments: pieces };
          else if (cell.status === 'too-small' || cell.status === 'disappeared' || cell.status === 'not-evaluated') target[l.label] = { status: cell.status };
        } else if (cell.status === 'measured') {
          target[l.label] = { ...(cell.longAxisMm !== null ? { longAxisMm: cell.longAxisMm } : {}), ...(cell.shortAxisMm !== null ? { shortAxisMm: cell.shortAxisMm } : {}) };
        } else if (cell.status === 'too-small' || cell.status === 'disappeared' || cell.status === 'not-evaluated') {
          target[l.label] = { status: cell.status };
        }
      } else if (role === 'non-target') {
        if (mergedInto) nonTarget[l.label] = 'absent';
        else if (cell.status && cell.status !== 'equivocal')
          nonTarget[l.label] = cell.status === 'measured' || cell.status === 'too-small' ? 'present' : cell.status === 'disappeared' ? 'absent' : cell.status;
      } else if (!isBaseline) {
        // A new lesion: counted on the exams where it is there, from its first sighting on.
        if (cell.status === 'equivocal') equivocalIds.push(l.label);
        else if (cell.status && NEW_LESION_PRESENT.has(cell.status)) newIds.push(l.label);
      }
    }
    if (!any) continue;
    timepoints.push({ date: exam.date, target, nonTarget, newLesions: newIds.length ? newIds : false, ...(equivocalIds.length ? { equivocalNewLesions: equivocalIds } : {}) });
    studyRowIds.push(exam.studyRowId);
  }
  return { recistCase: { lesions, timepoints }, studyRowIds, roles, baselineStudyRowId: t.exams[baselineIndex].studyRowId };
}

/** What is still open on an exam, in words, so a response that lacks something says exactly what. */
function pendingNotes(t: LesionTableData, studyRowId: number, roles: readonly LesionRoleInCase[]): string[] {
  const notes: string[] = [];
  const here = roles.filter((r) => r.role === 'unmatched' && seen(t.cells[r.lesionId]?.[studyRowId]));
  for (const k of t.pendingLinks) {
    if (k.followUpStudyRowId !== studyRowId) continue;
    const what = k.kind === 'match' ? `${k.toLabel} continues ${k.fromLabel}` : k.kind === 'split' ? `${k.toLabel} is a fragment of ${k.fromLabel}` : `${k.fromLabel} coalesced into ${k.toLabel}`;
    notes.push(`Awaiting review: matching proposes that ${what} (review item link-${k.id})`);
  }
  const inLinks = new Set(t.pendingLinks.filter((k) => k.followUpStudyRowId === studyRowId).flatMap((k) => [k.fromLesionId, k.toLesionId]));
  const unmatched = here.filter((r) => !inLinks.has(r.lesionId)).map((r) => r.label);
  const waiting = here.filter((r) => inLinks.has(r.lesionId)).map((r) => r.label);
  if (waiting.length)
    notes.push(`Provisional: ${waiting.join(', ')} ${waiting.length === 1 ? 'counts' : 'count'} neither as new nor as known lesions until the links above are decided`);
  if (unmatched.length)
    notes.push(
      `Not yet matched: ${unmatched.join(', ')} ${unmatched.length === 1 ? 'is' : 'are'} seen here but not matched to the lesions known before — until follow-up matching (or the reader) decides, ${unmatched.length === 1 ? 'it counts' : 'they count'} neither as new nor as known lesions, so this response is provisional`,
    );
  const lesion = new Map(t.lesions.map((l) => [l.id, l]));
  for (const f of t.findings) {
    if (f.followUpStudyRowId !== studyRowId || f.status !== 'proposed') continue;
    const l = lesion.get(f.lesionId);
    if (f.kind === 'disappeared')
      notes.push(
        `Awaiting review: matching found no counterpart of ${f.label} on this exam — confirm it disappeared (a target then counts 0 mm${l?.lymphNode ? '; for a node record its short axis if it is still visible' : ''}) or measure it (review item finding-${f.id})`,
      );
    else notes.push(`Awaiting review: ${f.label} is first seen on this exam and counts as an unequivocal new lesion until the reader marks it equivocal or not a lesion (review item finding-${f.id})`);
  }
  return notes;
}

export function assessLesionTable(t: LesionTableData): LesionTableAssessment {
  const { recistCase, studyRowIds, roles, baselineStudyRowId } = recistCaseFromTable(t);
  let recist: RecistAssessment | null = null;
  let recistErrors: string[] = [];
  if (recistCase.timepoints.length === 0) recistErrors = ['no exam has a lesion assessed yet'];
  else {
    const v = validateRecistCase(recistCase);
    if (v.ok) {
      recist = assessRecist(v.value);
      recist.timepoints.forEach((tp, i) => tp.explanation.push(...pendingNotes(t, studyRowIds[i], roles)));
    } else recistErrors = v.errors;
  }
  return { baselineStudyRowId, recistStudyRowIds: studyRowIds, lesionRoles: roles, recist, recistErrors, volumetry: lineageVolumetry(t) };
}

/**
 * Volumes that follow the lineage, as RECIST 1.1 handles diameters: a split lesion's volume is
 * its own plus its fragments' from the exam the split is seen on (the fragments have no growth of
 * their own there); a lesion that coalesced into another is 0 mL from the merge on (the other's
 * mask holds both), and the other's growth across the merge starts from both volumes. The total
 * lesion volume counts every malignant or indeterminate lesion's own mask once (benign lesions,
 * RECIST 1.1 §3.1.3, are not tumour burden).
 */
function lineageVolumetry(t: LesionTableData): LesionVolumetry {
  const holds = holdsFrom(t);
  const labelOf = new Map(t.lesions.map((l) => [l.id, l.label]));
  const volumetry: LesionVolumetry = { exams: [], lesions: {}, growth: {} };
  for (const exam of t.exams) {
    const volumes = t.lesions
      .filter((l) => !BENIGN_LESION_TYPES.has(l.lesionType))
      .map((l) => t.cells[l.id][exam.studyRowId].volumeMl)
      .filter((v): v is number => v !== null);
    const liver = t.liverVolumeMl[exam.studyRowId] ?? null;
    let burden: number | null = null;
    if (liver !== null && volumes.length) {
      try {
        burden = tumorBurdenPct(volumes, liver);
      } catch {
        burden = null;
      }
    }
    volumetry.exams.push({ studyRowId: exam.studyRowId, totalLesionVolumeMl: volumes.length ? volumes.reduce((a, b) => a + b, 0) : null, liverVolumeMl: liver, tumorBurdenPct: burden });
  }

  const fragmentIds = new Set(t.lineage.filter((x) => x.kind === 'split').map((x) => x.childLesionId));
  const lineageVolume = (lesionId: number, studyRowId: number): { volumeMl: number; parts: string[]; note: string | null } | null => {
    const merged = t.lineage.find((x) => x.kind === 'merge' && x.childLesionId === lesionId && holds(studyRowId, x.studyRowId));
    if (merged) return { volumeMl: 0, parts: [], note: `coalesced into ${labelOf.get(merged.parentLesionId)}: counted there` };
    const own = t.cells[lesionId]?.[studyRowId]?.volumeMl ?? null;
    const fragments = t.lineage
      .filter((x) => x.kind === 'split' && x.parentLesionId === lesionId && holds(studyRowId, x.studyRowId))
      .map((x) => ({ label: labelOf.get(x.childLesionId) ?? '?', volumeMl: t.cells[x.childLesionId]?.[studyRowId]?.volumeMl ?? null }))
      .filter((f): f is { label: string; volumeMl: number } => f.volumeMl !== null);
    if (own === null && !fragments.length) return null;
    const parts = [...(own !== null ? [labelOf.get(lesionId)!] : []), ...fragments.map((f) => f.label)];
    return {
      volumeMl: (own ?? 0) + fragments.reduce((s, f) => s + f.volumeMl, 0),
      parts,
      note: fragments.length ? `split: ${parts.join(' + ')}` : null,
    };
  };

  for (const l of t.lesions) {
    if (fragmentIds.has(l.id)) continue;
    const perExam: LesionVolumetry['lesions'][string] = {};
    for (const e of t.exams) {
      const v = lineageVolume(l.id, e.studyRowId);
      if (v) perExam[e.studyRowId] = v;
    }
    if (Object.keys(perExam).length) volumetry.lesions[l.label] = perExam;

    const withVolume = t.exams.filter((e) => e.date && perExam[e.studyRowId] !== undefined);
    const list: LesionVolumetry['growth'][string] = [];
    for (let i = 1; i < withVolume.length; i++) {
      const a = withVolume[i - 1];
      const b = withVolume[i];
      const interval = daysBetweenOrNull(a.date, b.date);
      if (interval === null || interval <= 0) continue;
      // Lesions that coalesce into this one between a and b: the earlier volume includes them.
      const joining = t.lineage.filter((x) => x.kind === 'merge' && x.parentLesionId === l.id && holds(b.studyRowId, x.studyRowId) && !holds(a.studyRowId, x.studyRowId));
      let fromMl = perExam[a.studyRowId].volumeMl;
      const includes: string[] = [];
      for (const j of joining) {
        const v = lineageVolume(j.childLesionId, a.studyRowId);
        if (v) {
          fromMl += v.volumeMl;
          includes.push(labelOf.get(j.childLesionId)!);
        }
      }
      list.push({ fromStudyRowId: a.studyRowId, toStudyRowId: b.studyRowId, growth: growthBetween(fromMl, perExam[b.studyRowId].volumeMl, interval), ...(includes.length ? { includes } : {}) });
    }
    if (list.length) volumetry.growth[l.label] = list;
  }
  return volumetry;
}
