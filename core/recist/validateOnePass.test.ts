/** The RECIST validator names every problem in one pass, an unknown lesion id included. */
import { describe, expect, it } from 'vitest';
import { validateRecistCase } from './validate';

const lesion = (id: string, organ = 'liver', role = 'target') => ({ id, organ, role, lymphNode: false });

function errorsOf(input: unknown): string[] {
  const r = validateRecistCase(input);
  return r.ok ? [] : r.errors;
}

describe('every problem in one pass', () => {
  it('an unknown lesion id on the baseline does not hide the baseline rules', () => {
    const errors = errorsOf({
      lesions: [lesion('L1'), lesion('L2'), lesion('L3', 'lung')],
      timepoints: [
        // L9 is unknown; L2 is below 10 mm; L3 has no baseline measurement.
        { date: '2024-01-10', target: { L1: { longAxisMm: 30 }, L2: { longAxisMm: 9 }, L9: { longAxisMm: 20 } } },
        { date: '2024-03-10', target: { L1: { longAxisMm: 20 }, L7: { longAxisMm: 5 } } },
      ],
    });
    expect(errors).toEqual([
      expect.stringMatching(/timepoint 1 \(2024-01-10\): target L9: unknown lesion id/),
      expect.stringMatching(/timepoint 2 \(2024-03-10\): target L7: unknown lesion id/),
      expect.stringMatching(/baseline \(2024-01-10\): target L2 is not eligible as a target/),
      expect.stringMatching(/baseline \(2024-01-10\): target L3 has no measurement/),
    ]);
  });

  it('an invalid baseline entry is named once, not again as missing', () => {
    const errors = errorsOf({
      lesions: [lesion('L1')],
      timepoints: [{ date: '2024-01-10', target: { L1: { longAxisMm: -4 } } }],
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/target L1/);
  });
});
