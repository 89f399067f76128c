import { bestOverallResponse, type DatedResponse } from './bestOverallResponse';
import { fmtMm, signedPct } from './format';
import { sumOfDiameters } from './sumOfDiameters';
import { nonTargetResponse, nonTargetStatus, overallResponse, pctChange, targetResponse } from './timepointResponse';
import { DEFAULT_RECIST_OPTIONS, type OverallResponse, type RecistAssessment, type RecistCase, type RecistOptions, type RecistTimepointResult } from './types';
import { NODE_PATHOLOGICAL_SHORT_AXIS_MM } from './validate';

/**
 * RECIST 1.1 for one patient: sum, nadir, target / non-target / overall response per timepoint and the
 * best overall response, each with its explanation. Expects a case that passed `validateRecistCase`.
 * Options: defaults ← the case's own `options` ← `overrides`.
 */
export function assessRecist(c: RecistCase, overrides: Partial<RecistOptions> = {}): RecistAssessment {
  const options: RecistOptions = { ...DEFAULT_RECIST_OPTIONS, ...c.options, ...overrides };
  const targets = c.lesions.filter((l) => l.role === 'target');
  const nonTargets = c.lesions.filter((l) => l.role === 'non-target');
  const results: RecistTimepointResult[] = [];
  const followUps: DatedResponse[] = [];
  let baselineSumMm: number | null = null;
  let nadirMm: number | null = null;
  // Date of the last overall CR while no disease has been seen again since (NE timepoints keep it), or null.
  let crDate: string | null = null;
  const confirmedOn = confirmationsOfEquivocalNewLesions(c);

  for (let i = 0; i < c.timepoints.length; i++) {
    const tp = c.timepoints[i];
    const explanation: string[] = [];
    const sum = targets.length > 0 ? sumOfDiameters(targets, tp.target, options.tooSmallMm) : null;
    const unequivocalIds = Array.isArray(tp.newLesions) ? tp.newLesions : [];
    const equivocal = tp.equivocalNewLesions ?? [];
    const confirmedHere = equivocal.filter((id) => confirmedOn.get(`${i}:${id}`) !== undefined);
    const equivocalNewLesionIds = equivocal.filter((id) => !confirmedHere.includes(id));
    const newLesionIds = [...unequivocalIds, ...confirmedHere];
    const newLesions = tp.newLesions === true || newLesionIds.length > 0;

    if (i === 0) {
      baselineSumMm = sum?.sumMm ?? null;
      nadirMm = baselineSumMm;
      explanation.push(
        sum ? `Baseline sum of diameters ${fmtMm(sum.partialSumMm)} = ${sum.terms} (the reference for PR; the first nadir)` : 'Baseline: no target lesions; response from non-target disease only (RECIST 1.1 Table 2)',
      );
      if (nonTargets.length) explanation.push(`Baseline non-target lesions: ${nonTargets.map((l) => l.id).join(', ')}`);
      results.push({
        date: tp.date,
        baseline: true,
        sumMm: baselineSumMm,
        partialSumMm: baselineSumMm,
        nadirMm,
        changeFromBaselinePct: baselineSumMm === null ? null : 0,
        changeFromNadirPct: baselineSumMm === null ? null : 0,
        targetResponse: null,
        nonTargetResponse: null,
        newLesions: false,
        newLesionIds: [],
        equivocalNewLesionIds: [],
        overallResponse: null,
        contributions: sum?.contributions ?? [],
        explanation,
      });
      continue;
    }

    let target: ReturnType<typeof targetResponse> = { response: 'NA', explanation: 'Target: none at baseline' };
    if (sum && baselineSumMm !== null && nadirMm !== null) {
      explanation.push(
        sum.sumMm !== null
          ? `Sum of diameters ${fmtMm(sum.sumMm)} = ${sum.terms}; ${signedPct(pctChange(baselineSumMm, sum.sumMm))} from baseline ${fmtMm(baselineSumMm)}, ${nadirMm === 0 ? 'nadir 0 mm' : `${signedPct(pctChange(nadirMm, sum.sumMm))} from nadir ${fmtMm(nadirMm)}`}`
          : `Sum of diameters incomplete: ${sum.terms}; evaluated targets ${fmtMm(sum.partialSumMm)}`,
      );
      target = targetResponse({ baselineSumMm, nadirMm, sumMm: sum.sumMm, partialSumMm: sum.partialSumMm, contributions: sum.contributions, targets });
    }
    explanation.push(target.explanation);
    const nonTarget = nonTargetResponse(nonTargets, tp.nonTarget);
    explanation.push(nonTarget.explanation);
    // RECIST 1.1 §4.3.5: the appearance of new malignant lesions denotes progression.
    explanation.push(
      unequivocalIds.length || tp.newLesions === true
        ? `New lesion(s)${unequivocalIds.length ? `: ${unequivocalIds.join(', ')}` : ''} → progression (RECIST 1.1 §4.3.5)`
        : confirmedHere.length
          ? 'No unequivocal new lesion seen first here'
          : 'No new lesions',
    );
    for (const id of confirmedHere)
      explanation.push(`New lesion ${id} was equivocal here and confirmed on ${confirmedOn.get(`${i}:${id}`)} → progression dated from this exam (RECIST 1.1 §4.3.5)`);
    if (equivocalNewLesionIds.length)
      explanation.push(
        `Equivocal new lesion(s): ${equivocalNewLesionIds.join(', ')} — not progression unless a later exam confirms ${equivocalNewLesionIds.length === 1 ? 'it' : 'them'}; progression would then be dated from this exam (RECIST 1.1 §4.3.5)`,
      );
    const overall = overallResponse(target.response, nonTarget.response, newLesions);
    let overallResult: OverallResponse = overall.response;
    explanation.push(overall.explanation);

    // EORTC RECIST FAQ ("does a new lesion always result in PD?") and RECIST 1.1 Table 3 note: once
    // the overall response was CR, disease that comes back — a target reappearing, a node back to
    // ≥ 10 mm, a non-target lesion present again — is progression, whatever the sum does.
    if (crDate !== null && overallResult !== 'PD') {
      const back: string[] = [];
      if (sum)
        for (let k = 0; k < targets.length; k++) {
          const contribution = sum.contributions[k];
          if (contribution.diameterMm === null) continue;
          if (targets[k].lymphNode ? contribution.diameterMm >= NODE_PATHOLOGICAL_SHORT_AXIS_MM : contribution.kind !== 'disappeared' && contribution.kind !== 'merged')
            back.push(`${targets[k].id} ${fmtMm(contribution.diameterMm)}`);
        }
      for (const l of nonTargets) if (nonTargetStatus(tp.nonTarget?.[l.id]) === 'present') back.push(`${l.id} present`);
      // Only what is seen again counts: a non-target left unevaluated after CR (Table 1 then says PR) is not a return.
      if (back.length > 0) {
        overallResult = 'PD';
        explanation.push(`Overall PD instead of ${overall.response}: disease reappeared after the CR of ${crDate} (${back.join(', ')}); reappearance after CR is progression`);
      }
    }
    if (overallResult === 'CR') crDate = tp.date;
    else if (overallResult === 'PD') crDate = null;

    const sumMm = sum?.sumMm ?? null;
    results.push({
      date: tp.date,
      baseline: false,
      sumMm,
      partialSumMm: sum ? sum.partialSumMm : null,
      nadirMm,
      changeFromBaselinePct: sumMm !== null && baselineSumMm !== null ? pctChange(baselineSumMm, sumMm) : null,
      changeFromNadirPct: sumMm !== null && nadirMm !== null ? pctChange(nadirMm, sumMm) : null,
      targetResponse: target.response,
      nonTargetResponse: nonTarget.response,
      newLesions,
      newLesionIds,
      equivocalNewLesionIds,
      overallResponse: overallResult,
      contributions: sum?.contributions ?? [],
      explanation,
    });
    followUps.push({ date: tp.date, response: overallResult });
    // The nadir is the smallest complete sum: an incomplete one is only a lower bound of the truth.
    if (sumMm !== null && nadirMm !== null && sumMm < nadirMm) nadirMm = sumMm;
  }

  const best = bestOverallResponse(c.timepoints[0].date, followUps, options, targets.length > 0);
  return { options, timepoints: results, bestOverallResponse: best.response, bestOverallResponseExplanation: best.explanation };
}

/**
 * RECIST 1.1 §4.3.5: an equivocal new lesion is not progression by itself; "if repeat scans
 * confirm there is definitely a new lesion, then progression should be declared using the date
 * of the initial scan". A lesion equivocal at timepoint i is confirmed by the first later
 * timepoint that lists it as an unequivocal new lesion. Keyed `${i}:${id}` → the confirming date.
 */
function confirmationsOfEquivocalNewLesions(c: RecistCase): Map<string, string> {
  const out = new Map<string, string>();
  c.timepoints.forEach((tp, i) => {
    for (const id of tp.equivocalNewLesions ?? []) {
      const later = c.timepoints.slice(i + 1).find((t) => Array.isArray(t.newLesions) && t.newLesions.includes(id));
      if (later) out.set(`${i}:${id}`, later.date);
    }
  });
  return out;
}
