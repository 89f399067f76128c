/**
 * Words and numbers of the lesion table: RECIST categories with their colours, volumes,
 * growth. Pure functions, tested beside this file.
 */
import type { LesionTable } from '../api/types';
import type { NonTargetResponse, OverallResponse, RecistTimepointResult, TargetResponse } from '../recist/types';
import type { Growth } from '../volumetry/volumetry';

export type AnyResponse = TargetResponse | NonTargetResponse | OverallResponse;

export const RESPONSE_WORDS: Record<AnyResponse, string> = {
  CR: 'complete response',
  PR: 'partial response',
  SD: 'stable disease',
  PD: 'progressive disease',
  NE: 'not evaluable',
  NA: 'no lesions of this kind at baseline',
  'non-CR/non-PD': 'neither complete response nor progression',
};

/** CSS class of a response badge: green for response, amber for stable, red for progression. */
export function responseClass(r: AnyResponse | null): string {
  switch (r) {
    case 'CR':
      return 'resp resp-cr';
    case 'PR':
      return 'resp resp-pr';
    case 'SD':
      return 'resp resp-sd';
    case 'non-CR/non-PD':
      return 'resp resp-noncr';
    case 'PD':
      return 'resp resp-pd';
    case 'NE':
      return 'resp resp-ne';
    default:
      return 'resp resp-na';
  }
}

/** The RECIST result of each assessed exam, by study row id. */
export function recistByStudy(a: LesionTable['assessment']): Map<number, RecistTimepointResult> {
  const out = new Map<number, RecistTimepointResult>();
  if (!a.recist) return out;
  a.recistStudyRowIds.forEach((id, i) => {
    const tp = a.recist!.timepoints[i];
    if (tp) out.set(id, tp);
  });
  return out;
}

/** "12.3 mL"; small volumes keep two decimals so a 0.4 mL lesion is not "0 mL". */
export function mlText(ml: number | null | undefined): string {
  if (ml === null || ml === undefined) return '—';
  return `${ml < 10 ? ml.toFixed(2) : ml.toFixed(1)} mL`;
}

export function mmText(mm: number | null | undefined): string {
  return mm === null || mm === undefined ? '—' : `${mm.toFixed(1)} mm`;
}

/** Doubling time as read in follow-up: "VDT 84 d", "halves in 120 d", or what happened instead. */
export function vdtText(g: Growth): string {
  switch (g.kind) {
    case 'growing':
      return `VDT ${Math.round(g.doublingTimeDays!)} d`;
    case 'shrinking':
      return `halves in ${Math.round(-g.doublingTimeDays!)} d`;
    case 'stable':
      return 'no change';
    case 'appeared':
      return 'appeared';
    case 'vanished':
      return 'vanished';
    default:
      return 'absent';
  }
}
