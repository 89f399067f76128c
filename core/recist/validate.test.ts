import { describe, expect, it } from 'vitest';
import { classifyBaselineLesion, measurableMinimumMm, validateRecistCase } from './validate';

const liver = (id: string, role = 'target', organ = 'liver') => ({ id, organ, role, lymphNode: false });
const node = (id: string, role = 'target', organ = 'para-aortic') => ({ id, organ, role, lymphNode: true });

/** A valid two-exam case; tests break one thing at a time. */
function validCase() {
  return {
    lesions: [liver('L1'), liver('L2'), node('N1'), liver('L5', 'non-target', 'peritoneum'), liver('X1', 'new', 'lung')],
    timepoints: [
      {
        date: '2024-01-10',
        target: { L1: { longAxisMm: 32, shortAxisMm: 20 }, L2: { longAxisMm: 18 }, N1: { longAxisMm: 25, shortAxisMm: 17 } } as Record<string, unknown>,
        nonTarget: { L5: 'present' } as Record<string, unknown>,
        newLesions: false as unknown,
      },
      {
        date: '2024-03-10',
        target: { L1: { longAxisMm: 20 }, L2: { status: 'too-small' }, N1: { shortAxisMm: 9 } } as Record<string, unknown>,
        nonTarget: { L5: 'absent' } as Record<string, unknown>,
        newLesions: ['X1'] as unknown,
      },
    ],
  };
}

function errorsOf(input: unknown): string[] {
  const r = validateRecistCase(input);
  return r.ok ? [] : r.errors;
}

describe('baseline eligibility (RECIST 1.1 §3.1.1, §4.2)', () => {
  it('a non-nodal lesion is measurable from 10 mm long axis', () => {
    expect(classifyBaselineLesion(false, { longAxisMm: 10 })).toMatchObject({ category: 'measurable', targetEligible: true, minimumMm: 10 });
    expect(classifyBaselineLesion(false, { longAxisMm: 9.9 })).toMatchObject({ category: 'non-measurable', targetEligible: false });
  });
  it('with a slice interval > 5 mm the floor is twice the interval; up to 5 mm it stays 10 mm', () => {
    expect(measurableMinimumMm(5)).toBe(10);
    expect(measurableMinimumMm(7.5)).toBe(15);
    expect(classifyBaselineLesion(false, { longAxisMm: 14 }, 7.5)).toMatchObject({ category: 'non-measurable', minimumMm: 15 });
    expect(classifyBaselineLesion(false, { longAxisMm: 15 }, 7.5).category).toBe('measurable');
    // The per-lesion interval overrides the exam's.
    expect(classifyBaselineLesion(false, { longAxisMm: 12, sliceIntervalMm: 3 }, 7.5).category).toBe('measurable');
  });
  it('a node is a target from 15 mm short axis, pathological non-target from 10 mm, normal below', () => {
    expect(classifyBaselineLesion(true, { longAxisMm: 30, shortAxisMm: 15 })).toMatchObject({ category: 'measurable', axis: 'short', diameterMm: 15 });
    expect(classifyBaselineLesion(true, { longAxisMm: 30, shortAxisMm: 14.9 })).toMatchObject({ category: 'pathological-node', targetEligible: false });
    expect(classifyBaselineLesion(true, { shortAxisMm: 10 }).category).toBe('pathological-node');
    expect(classifyBaselineLesion(true, { shortAxisMm: 9.9 }).category).toBe('normal-node');
  });
});

describe('validateRecistCase', () => {
  it('accepts a valid case and fills the default options', () => {
    const r = validateRecistCase(validCase());
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.options).toEqual({ tooSmallMm: 5, requireConfirmation: false, confirmationMinDays: 28, sdMinDays: 42 });
      expect(r.value.timepoints[1].newLesions).toEqual(['X1']);
    }
  });

  it('names an unknown lesion id', () => {
    const c = validCase();
    c.timepoints[1].target.L9 = { longAxisMm: 12 };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/timepoint 2 \(2024-03-10\): target L9: unknown lesion id/)]);
  });

  it('refuses an entry for an undeclared non-target lesion, and a role mismatch', () => {
    const c = validCase();
    c.timepoints[0].nonTarget.L6 = 'present';
    c.timepoints[1].nonTarget.L1 = 'absent';
    const errors = errorsOf(c);
    expect(errors).toContainEqual(expect.stringMatching(/non-target L6: unknown lesion id; declare it in "lesions" \(role "non-target"\)/));
    expect(errors).toContainEqual(expect.stringMatching(/non-target L1: lesion L1 is declared with role "target"/));
  });

  it('refuses six targets', () => {
    const c = validCase();
    const organs = ['lung', 'lung', 'adrenal', 'spleen', 'kidney', 'bone'];
    c.lesions = organs.map((o, i) => liver(`T${i + 1}`, 'target', o));
    c.timepoints = [{ date: '2024-01-10', target: Object.fromEntries(organs.map((_, i) => [`T${i + 1}`, { longAxisMm: 20 }])), nonTarget: {}, newLesions: false }];
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^6 target lesions \(T1, T2, T3, T4, T5, T6\): RECIST 1.1 allows at most 5/)]);
  });

  it('refuses three targets in one organ, whatever the capitalisation', () => {
    const c = validCase();
    c.lesions.push(liver('L3', 'target', 'Liver'));
    c.timepoints[0].target.L3 = { longAxisMm: 20 };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^3 target lesions in liver \(L1, L2, L3\): RECIST 1.1 allows at most 2 per organ/)]);
  });

  it('counts all lymph nodes as one organ', () => {
    const c = validCase();
    c.lesions.push(node('N2', 'target', 'mesenteric'), node('N3', 'target', 'hepatic hilum'));
    c.timepoints[0].target.N2 = { shortAxisMm: 16 };
    c.timepoints[0].target.N3 = { shortAxisMm: 18 };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/3 target lesions in lymph nodes \(N1, N2, N3\).*all lymph nodes count as one organ/)]);
  });

  it('refuses a target below 10 mm at baseline, and below twice a thick slice interval', () => {
    const c = validCase();
    c.timepoints[0].target.L2 = { longAxisMm: 9 };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/baseline \(2024-01-10\): target L2 is not eligible as a target — long axis 9 mm < 10 mm: not measurable; declare it non-target/)]);
    const thick = validCase();
    Object.assign(thick.timepoints[0], { sliceIntervalMm: 10 });
    expect(errorsOf(thick)).toEqual([expect.stringMatching(/target L2 .* long axis 18 mm < 20 mm \(2 × slice interval 10 mm\)/)]);
  });

  it('refuses a nodal target below 15 mm short axis', () => {
    const c = validCase();
    c.timepoints[0].target.N1 = { longAxisMm: 25, shortAxisMm: 12 };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/target N1 is not eligible as a target — node short axis 12 mm is 10–<15 mm: pathological, non-target only/)]);
  });

  it('requires every target to be measured at baseline', () => {
    const c = validCase();
    delete c.timepoints[0].target.L2;
    c.timepoints[0].target.N1 = { status: 'too-small' };
    const errors = errorsOf(c);
    expect(errors).toContainEqual(expect.stringMatching(/target L2 has no measurement/));
    expect(errors).toContainEqual(expect.stringMatching(/target N1 must be measured at baseline \(not "too-small"\)/));
  });

  it('requires the axis the lesion is followed by, and catches swapped axes', () => {
    const c = validCase();
    c.timepoints[1].target.N1 = { longAxisMm: 9 };
    c.timepoints[1].target.L1 = { longAxisMm: 10, shortAxisMm: 12 };
    const errors = errorsOf(c);
    expect(errors).toContainEqual(expect.stringMatching(/target N1: shortAxisMm is required \(nodes are followed by the short axis\)/));
    expect(errors).toContainEqual(expect.stringMatching(/target L1: short axis 12 mm is longer than the long axis 10 mm/));
  });

  it('refuses zero, negative and non-numeric diameters, and unknown fields', () => {
    const c = validCase();
    c.timepoints[1].target.L1 = { longAxisMm: 0 };
    c.timepoints[1].target.L2 = { longAxisMm: '12', note: 'x' };
    const errors = errorsOf(c);
    expect(errors).toContainEqual(expect.stringMatching(/target L1: longAxisMm must be a number > 0 mm \(use \{ "status": "disappeared" \}/));
    expect(errors).toContainEqual(expect.stringMatching(/target L2: unknown field\(s\) "note"/));
  });

  it('checks the split and merge forms', () => {
    const c = validCase();
    c.timepoints[1].target.L1 = { fragments: [{ longAxisMm: 8 }] };
    c.timepoints[1].target.L2 = { mergedInto: 'L2' };
    expect(errorsOf(c)).toEqual([
      expect.stringMatching(/target L1: fragments must list at least two measurements/),
      expect.stringMatching(/target L2 cannot be merged into itself/),
    ]);
    const m = validCase();
    m.timepoints[1].target.L1 = { mergedInto: 'L2' };
    expect(errorsOf(m)).toEqual([expect.stringMatching(/target L1 is merged into L2, so L2 must carry the measurement of the merged lesion on this exam \(it is "too-small"\)/)]);
    const unknown = validCase();
    unknown.timepoints[1].target.L1 = { mergedInto: 'L5' };
    expect(errorsOf(unknown)).toEqual([expect.stringMatching(/merged into "L5", which is not a declared target lesion/)]);
    const mixed = validCase();
    mixed.timepoints[1].target.L1 = { status: 'disappeared', longAxisMm: 4 };
    expect(errorsOf(mixed)).toEqual([expect.stringMatching(/"status" cannot be combined with "longAxisMm"/)]);
  });

  it('refuses split or merged entries at baseline', () => {
    const c = validCase();
    c.timepoints[0].target.L1 = { fragments: [{ longAxisMm: 18 }, { longAxisMm: 14 }] };
    expect(errorsOf(c)).toEqual([expect.stringMatching(/target L1 must be measured at baseline \(not split into fragments\)/)]);
  });

  it('checks non-target entries: the four statuses, a node by its short axis, nothing else', () => {
    const c = validCase();
    c.timepoints[1].nonTarget.L5 = 'gone';
    expect(errorsOf(c)).toEqual([expect.stringMatching(/non-target L5: must be one of present, absent, unequivocal-progression, not-evaluated \(got "gone"\)/)]);
    const nodal = validCase();
    nodal.lesions.push(node('N5', 'non-target'));
    nodal.timepoints[0].nonTarget.N5 = { shortAxisMm: 8 };
    nodal.timepoints[1].nonTarget.N5 = { shortAxisMm: 8 };
    expect(errorsOf(nodal)).toEqual([expect.stringMatching(/baseline \(2024-01-10\): non-target node N5 has a short axis of 8 mm \(< 10 mm is non-pathological/)]);
    const nonNodal = validCase();
    nonNodal.timepoints[1].nonTarget.L5 = { shortAxisMm: 8 };
    expect(errorsOf(nonNodal)).toHaveLength(1);
  });

  it('refuses a non-target that is not present at baseline', () => {
    const c = validCase();
    c.timepoints[0].nonTarget.L5 = 'absent';
    expect(errorsOf(c)).toEqual([expect.stringMatching(/non-target L5 is "absent"; at baseline a non-target lesion is present by definition/)]);
  });

  it('checks new lesions: not at baseline, only ids declared with role "new"', () => {
    const c = validCase();
    c.timepoints[0].newLesions = true;
    c.timepoints[1].newLesions = ['L1', 'X9'];
    const errors = errorsOf(c);
    expect(errors).toContainEqual(expect.stringMatching(/baseline \(2024-01-10\): new lesions cannot be reported at baseline/));
    expect(errors).toContainEqual(expect.stringMatching(/new lesion L1: lesion L1 is declared with role "target", not "new"/));
    expect(errors).toContainEqual(expect.stringMatching(/new lesion X9: unknown lesion id/));
  });

  it('checks dates: real calendar dates, strictly increasing', () => {
    const c = validCase();
    c.timepoints[1].date = '2024-01-10';
    expect(errorsOf(c)).toEqual([expect.stringMatching(/timepoint 2 \(2024-01-10\): dates must be strictly increasing/)]);
    c.timepoints[1].date = '2024-02-30';
    expect(errorsOf(c)).toEqual([expect.stringMatching(/timepoint 2 \(2024-02-30\): "date" must be a calendar date YYYY-MM-DD/)]);
  });

  it('checks lesion declarations', () => {
    expect(errorsOf({ lesions: [{ id: 'L1', organ: 'liver', role: 'main', lymphNode: false }], timepoints: [] })).toEqual([
      expect.stringMatching(/lesion L1: role must be one of target, non-target, new \(got "main"\)/),
      expect.stringMatching(/"timepoints" must be a non-empty array/),
    ]);
    expect(errorsOf({ lesions: [{ id: 'L1', organ: 'liver', role: 'target' }], timepoints: [{ date: '2024-01-01', target: {} }] })).toContainEqual(
      expect.stringMatching(/lesion L1: "lymphNode" \(true or false\) is required for a target lesion/),
    );
    const dup = validCase();
    dup.lesions.push(liver('L1', 'non-target'));
    expect(errorsOf(dup)).toEqual([expect.stringMatching(/lesion L1: declared twice/)]);
    expect(errorsOf({ lesions: [liver('X1', 'new')], timepoints: [{ date: '2024-01-01', target: {} }] })).toEqual([
      expect.stringMatching(/no target or non-target lesion is declared/),
    ]);
  });

  it('checks options, and lets overrides win over the case', () => {
    expect(errorsOf({ ...validCase(), options: { tooSmall: 5 } })).toEqual([expect.stringMatching(/options: unknown option "tooSmall"/)]);
    expect(errorsOf({ ...validCase(), options: { sdMinDays: -1 } })).toEqual([expect.stringMatching(/options: sdMinDays must be a number ≥ 0/)]);
    const r = validateRecistCase({ ...validCase(), options: { sdMinDays: 56, tooSmallMm: 4 } }, { sdMinDays: 49 });
    expect(r.ok && r.options).toMatchObject({ sdMinDays: 49, tooSmallMm: 4 });
  });

  it('reports every problem at once, not only the first', () => {
    const c = validCase();
    c.timepoints[0].target.L2 = { longAxisMm: 9 };
    c.timepoints[1].target.L9 = { longAxisMm: 12 };
    c.timepoints[1].nonTarget.L5 = 'gone';
    expect(errorsOf(c).length).toBeGreaterThanOrEqual(2);
    expect(errorsOf('not an object')).toEqual([expect.stringMatching(/the case must be a JSON object/)]);
  });
});
