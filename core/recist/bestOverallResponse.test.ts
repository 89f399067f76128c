import { describe, expect, it } from 'vitest';
import { bestOverallResponse, type DatedResponse } from './bestOverallResponse';
import type { OverallResponse } from './types';

const BASELINE = '2024-01-01';
const CONFIRM = { requireConfirmation: true, confirmationMinDays: 28, sdMinDays: 42 };
const NO_CONFIRM = { ...CONFIRM, requireConfirmation: false };

/** Follow-ups on the given days after baseline (2024-01-01). */
function seq(...points: [number, OverallResponse][]): DatedResponse[] {
  return points.map(([day, response]) => ({ date: new Date(Date.UTC(2024, 0, 1 + day)).toISOString().slice(0, 10), response }));
}

describe('best overall response with confirmation — RECIST 1.1 Table 3, every row', () => {
  // First and subsequent assessments 8 weeks apart, the first 8 weeks after baseline: SD duration met.
  it.each([
    ['CR', 'CR', 'CR'],
    ['CR', 'PR', 'PR'], // "SD, PD or PR": an unconfirmable CR is re-read as PR (note a) and confirmed as such
    ['CR', 'SD', 'SD'],
    ['CR', 'PD', 'SD'],
    ['CR', 'NE', 'SD'],
    ['PR', 'CR', 'PR'],
    ['PR', 'PR', 'PR'],
    ['PR', 'SD', 'SD'],
    ['PR', 'PD', 'SD'],
    ['PR', 'NE', 'SD'],
    ['NE', 'NE', 'NE'],
  ] as const)('%s then %s → %s (minimum SD duration met)', (first, second, expected) => {
    expect(bestOverallResponse(BASELINE, seq([56, first], [112, second]), CONFIRM).response).toBe(expected);
  });

  it.each([
    ['CR', 'PD', 'PD'],
    ['CR', 'NE', 'NE'],
    ['PR', 'PD', 'PD'],
    ['PR', 'NE', 'NE'],
  ] as const)('%s then %s → %s when the minimum SD duration is not met', (first, second, expected) => {
    // Day 21 and day 35: neither reaches the 42-day SD minimum. (Table 3's "CR then SD, otherwise PD"
    // arrives here as CR then PD: assessRecist reports disease reappearing after a CR as PD.)
    expect(bestOverallResponse(BASELINE, seq([21, first], [35, second]), CONFIRM).response).toBe(expected);
  });

  it('a confirmation needs ≥ 28 days and nothing worse in between', () => {
    expect(bestOverallResponse(BASELINE, seq([56, 'PR'], [77, 'PR']), CONFIRM).response).toBe('SD'); // 21 days apart
    expect(bestOverallResponse(BASELINE, seq([56, 'PR'], [70, 'PR'], [84, 'PR']), CONFIRM).response).toBe('PR'); // 28 days
    expect(bestOverallResponse(BASELINE, seq([56, 'PR'], [70, 'NE'], [112, 'PR']), CONFIRM).response).toBe('PR'); // NE skipped
    expect(bestOverallResponse(BASELINE, seq([56, 'PR'], [84, 'SD'], [112, 'PR']), CONFIRM).response).toBe('SD'); // SD breaks it
  });

  it('explains the confirmation', () => {
    const r = bestOverallResponse(BASELINE, seq([56, 'CR'], [112, 'CR']), CONFIRM);
    expect(r.explanation[0]).toBe('BOR CR (RECIST 1.1 §4.4.3, confirmation required (≥ 28 days)): CR on 2024-02-26 confirmed by CR on 2024-04-22 (56 days later, ≥ 28)');
    const u = bestOverallResponse(BASELINE, seq([56, 'PR'], [112, 'PD']), CONFIRM);
    expect(u.explanation).toEqual([
      'BOR SD (RECIST 1.1 §4.4.3, confirmation required (≥ 28 days)): unconfirmed PR on 2024-02-26 counts as SD: 56 days after baseline, ≥ the 42-day minimum for SD',
      'PR on 2024-02-26 is not confirmed (no CR/PR ≥ 28 days later before progression or the last exam)',
    ]);
  });
});

describe('best overall response without confirmation', () => {
  it('is the best response of the sequence', () => {
    expect(bestOverallResponse(BASELINE, seq([56, 'SD'], [112, 'PR'], [168, 'SD']), NO_CONFIRM).response).toBe('PR');
    expect(bestOverallResponse(BASELINE, seq([56, 'PR'], [112, 'CR']), NO_CONFIRM).response).toBe('CR');
  });
  it('stops at the first PD', () => {
    const r = bestOverallResponse(BASELINE, seq([56, 'SD'], [112, 'PD'], [168, 'CR']), NO_CONFIRM);
    expect(r.response).toBe('SD');
    expect(r.explanation).toContain('PD on 2024-04-22 ends the assessment; 1 later timepoint(s) do not count');
  });
  it('PD when progression comes first, or before SD lasted the minimum', () => {
    expect(bestOverallResponse(BASELINE, seq([56, 'PD']), NO_CONFIRM).response).toBe('PD');
    const r = bestOverallResponse(BASELINE, seq([28, 'SD'], [56, 'PD']), NO_CONFIRM);
    expect(r.response).toBe('PD');
    expect(r.explanation).toContain('SD on 2024-01-29 does not count: 28 days after baseline, < the 42-day minimum for SD');
  });
  it('NE when SD is too early and nothing follows, or nothing was evaluable', () => {
    expect(bestOverallResponse(BASELINE, seq([28, 'SD']), NO_CONFIRM).response).toBe('NE');
    expect(bestOverallResponse(BASELINE, seq([56, 'NE'], [112, 'NE']), NO_CONFIRM).response).toBe('NE');
    expect(bestOverallResponse(BASELINE, [], NO_CONFIRM)).toEqual({ response: 'NE', explanation: ['BOR NE: no follow-up assessment after baseline'] });
  });
  it('the SD minimum is configurable (0 turns it off)', () => {
    expect(bestOverallResponse(BASELINE, seq([28, 'SD']), { ...NO_CONFIRM, sdMinDays: 0 }).response).toBe('SD');
    expect(bestOverallResponse(BASELINE, seq([49, 'SD']), { ...NO_CONFIRM, sdMinDays: 56 }).response).toBe('NE');
  });
  it('non-target-only disease: non-CR/non-PD is the stable category', () => {
    expect(bestOverallResponse(BASELINE, seq([56, 'non-CR/non-PD'], [112, 'PD']), NO_CONFIRM, false).response).toBe('non-CR/non-PD');
    expect(bestOverallResponse(BASELINE, seq([56, 'CR'], [112, 'PD']), CONFIRM, false).response).toBe('non-CR/non-PD');
  });
});
