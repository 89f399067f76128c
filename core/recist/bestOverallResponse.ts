import { daysBetween } from '../dates';
import type { OverallResponse, RecistOptions } from './types';

export interface DatedResponse {
  date: string;
  response: OverallResponse;
}

export interface BestOverallResponse {
  response: OverallResponse;
  explanation: string[];
}

const RANK: Record<OverallResponse, number> = { CR: 4, PR: 3, SD: 2, 'non-CR/non-PD': 2, PD: 1, NE: 0 };

/**
 * Best overall response over the follow-up timepoints (baseline excluded).
 *
 * RECIST 1.1 §4.4.3 and Table 3: the best response recorded until progression; SD (and non-CR/non-PD)
 * counts only once it is at least `sdMinDays` after baseline — otherwise the best response is PD if PD
 * follows, else NE. §4.6.1: where confirmation is required, a CR or PR counts only when a later
 * assessment at least `confirmationMinDays` (4 weeks) after it shows the same or a better response,
 * with nothing worse in between; an unconfirmed CR/PR falls back to SD.
 *
 * `targetDisease` false (non-target disease only, Table 2) names the stable category non-CR/non-PD.
 */
export function bestOverallResponse(
  baselineDate: string,
  followUps: readonly DatedResponse[],
  options: Pick<RecistOptions, 'requireConfirmation' | 'confirmationMinDays' | 'sdMinDays'>,
  targetDisease = true,
): BestOverallResponse {
  const explanation: string[] = [];
  if (followUps.length === 0) return { response: 'NE', explanation: ['BOR NE: no follow-up assessment after baseline'] };

  const pdIndex = followUps.findIndex((f) => f.response === 'PD');
  const considered = pdIndex < 0 ? followUps : followUps.slice(0, pdIndex);
  if (pdIndex >= 0 && pdIndex < followUps.length - 1)
    explanation.push(`PD on ${followUps[pdIndex].date} ends the assessment; ${followUps.length - pdIndex - 1} later timepoint(s) do not count`);

  const stable: OverallResponse = targetDisease ? 'SD' : 'non-CR/non-PD';
  const top: { response: OverallResponse | null; reason: string } = { response: null, reason: '' };
  const offer = (response: OverallResponse, reason: string) => {
    if (top.response === null || RANK[response] > RANK[top.response]) {
      top.response = response;
      top.reason = reason;
    }
  };

  for (let i = 0; i < considered.length; i++) {
    const { date, response } = considered[i];
    const dayFromBaseline = daysBetween(baselineDate, date);
    const stableEnough = dayFromBaseline >= options.sdMinDays;
    const stableNote = `${dayFromBaseline} days after baseline, ${stableEnough ? '≥' : '<'} the ${options.sdMinDays}-day minimum for ${stable}`;
    if (response === 'CR' || response === 'PR') {
      if (!options.requireConfirmation) {
        offer(response, `${response} on ${date}`);
        continue;
      }
      const asCr = response === 'CR' ? confirmation(considered, i, ['CR'], options.confirmationMinDays) : null;
      const asPr = asCr ? null : confirmation(considered, i, ['CR', 'PR'], options.confirmationMinDays);
      if (asCr) offer('CR', `CR on ${date} confirmed by CR on ${asCr.date} (${asCr.days} days later, ≥ ${options.confirmationMinDays})`);
      else if (asPr)
        offer(
          'PR',
          `${response} on ${date} confirmed ${response === 'CR' ? 'only as PR ' : ''}by ${asPr.response} on ${asPr.date} (${asPr.days} days later, ≥ ${options.confirmationMinDays})`,
        );
      else {
        explanation.push(`${response} on ${date} is not confirmed (no CR${response === 'PR' ? '/PR' : ''} ≥ ${options.confirmationMinDays} days later before progression or the last exam)`);
        if (stableEnough) offer(stable, `unconfirmed ${response} on ${date} counts as ${stable}: ${stableNote}`);
        else explanation.push(`unconfirmed ${response} on ${date} does not count as ${stable}: ${stableNote}`);
      }
    } else if (response === 'SD' || response === 'non-CR/non-PD') {
      if (stableEnough) offer(response, `${response} on ${date}: ${stableNote}`);
      else explanation.push(`${response} on ${date} does not count: ${stableNote}`);
    }
  }

  const mode = options.requireConfirmation ? `confirmation required (≥ ${options.confirmationMinDays} days)` : 'no confirmation required';
  if (top.response !== null) return { response: top.response, explanation: [`BOR ${top.response} (RECIST 1.1 §4.4.3, ${mode}): ${top.reason}`, ...explanation] };
  if (pdIndex >= 0) return { response: 'PD', explanation: [`BOR PD (RECIST 1.1 §4.4.3, ${mode}): PD on ${followUps[pdIndex].date} with no qualifying response or ${stable} before it`, ...explanation] };
  return { response: 'NE', explanation: [`BOR NE (RECIST 1.1 §4.4.3, ${mode}): no qualifying response or ${stable}, and no progression`, ...explanation] };
}

/** The first later assessment ≥ minDays after `i` with a response in `accepted`, or null when a worse one comes first. */
function confirmation(seq: readonly DatedResponse[], i: number, accepted: readonly OverallResponse[], minDays: number): (DatedResponse & { days: number }) | null {
  for (let j = i + 1; j < seq.length; j++) {
    const r = seq[j].response;
    if (r === 'NE') continue;
    if (!accepted.includes(r)) return null;
    const days = daysBetween(seq[i].date, seq[j].date);
    if (days >= minDays) return { ...seq[j], days };
  }
  return null;
}
