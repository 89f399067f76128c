import { describe, expect, it } from 'vitest';
import { assessRecist } from './assess';
import type { RecistCase, RecistLesion, RecistTimepoint } from './types';
import { validateRecistCase } from './validate';

const target = (id: string, lymphNode = false, organ = 'liver'): RecistLesion => ({ id, organ: lymphNode ? 'nodes' : organ, role: 'target', lymphNode });
const nonTarget = (id: string, lymphNode = false): RecistLesion => ({ id, organ: 'peritoneum', role: 'non-target', lymphNode });

/** Validates first, as every caller must, so a broken fixture fails loudly. */
function assess(c: RecistCase, overrides = {}) {
  const v = validateRecistCase(c, overrides);
  if (!v.ok) throw new Error(v.errors.join('\n'));
  return assessRecist(v.value, v.options);
}

describe('assessRecist', () => {
  // Hand-computed: sums 90 → 57 → 44 → 58 mm.
  const course: RecistCase = {
    lesions: [target('L1'), target('L2'), target('N1', true), nonTarget('L5')],
    timepoints: [
      { date: '2024-01-01', target: { L1: { longAxisMm: 40 }, L2: { longAxisMm: 30 }, N1: { longAxisMm: 30, shortAxisMm: 20 } }, nonTarget: { L5: 'present' } },
      { date: '2024-03-01', target: { L1: { longAxisMm: 25 }, L2: { longAxisMm: 20 }, N1: { shortAxisMm: 12 } }, nonTarget: { L5: 'present' } },
      { date: '2024-05-01', target: { L1: { longAxisMm: 20 }, L2: { longAxisMm: 15 }, N1: { shortAxisMm: 9 } }, nonTarget: { L5: 'present' } },
      { date: '2024-07-01', target: { L1: { longAxisMm: 28 }, L2: { longAxisMm: 20 }, N1: { shortAxisMm: 10 } }, nonTarget: { L5: 'present' } },
    ],
  };

  it('tracks sum, nadir and changes from baseline and from the nadir', () => {
    const r = assess(course);
    expect(r.timepoints.map((t) => [t.sumMm, t.nadirMm, t.changeFromBaselinePct, t.changeFromNadirPct])).toEqual([
      [90, 90, 0, 0],
      [57, 90, -36.67, -36.67], // (57 − 90) / 90
      [44, 57, -51.11, -22.81], // (44 − 90) / 90, (44 − 57) / 57
      [58, 44, -35.56, 31.82], // (58 − 90) / 90, (58 − 44) / 44: +14 mm
    ]);
    expect(r.timepoints.map((t) => [t.targetResponse, t.nonTargetResponse, t.overallResponse])).toEqual([
      [null, null, null],
      ['PR', 'non-CR/non-PD', 'PR'],
      ['PR', 'non-CR/non-PD', 'PR'],
      ['PD', 'non-CR/non-PD', 'PD'],
    ]);
    expect(r.bestOverallResponse).toBe('PR');
    expect(r.timepoints[3].explanation).toEqual([
      'Sum of diameters 58 mm = L1 28 mm + L2 20 mm + N1 10 mm (short axis); −35.6% from baseline 90 mm, +31.8% from nadir 44 mm',
      'Target PD (RECIST 1.1 §4.3.1): sum 58 mm is +31.8% and +14 mm over the nadir 44 mm (PD needs ≥ +20% and ≥ +5 mm)',
      'Non-target non-CR/non-PD (RECIST 1.1 §4.3.3): L5 persists without unequivocal progression',
      'No new lesions',
      'Overall PD — RECIST 1.1 Table 1, row target PD / non-target any / new lesions yes or no → PD (here: target PD, non-target non-CR/non-PD, no new lesions)',
    ]);
  });

  it('confirms the PR 61 days later when confirmation is required', () => {
    const r = assess(course, { requireConfirmation: true });
    expect(r.bestOverallResponse).toBe('PR');
    expect(r.bestOverallResponseExplanation[0]).toMatch(/PR on 2024-03-01 confirmed by PR on 2024-05-01 \(61 days later/);
  });

  it('new lesions make the timepoint PD', () => {
    const c: RecistCase = { ...course, lesions: [...course.lesions, { id: 'X1', organ: 'lung', role: 'new', lymphNode: false }] };
    c.timepoints = course.timepoints.map((t, i) => (i === 1 ? { ...t, newLesions: ['X1'] } : t));
    const tp = assess(c).timepoints[1];
    expect(tp).toMatchObject({ targetResponse: 'PR', newLesions: true, newLesionIds: ['X1'], overallResponse: 'PD' });
    expect(tp.explanation).toContain('New lesion(s): X1 → progression (RECIST 1.1 §4.3.5)');
  });

  it('keeps an incomplete sum out of the nadir', () => {
    const r = assess({
      lesions: [target('L1'), target('L2')],
      timepoints: [
        { date: '2024-01-01', target: { L1: { longAxisMm: 30 }, L2: { longAxisMm: 20 } } },
        { date: '2024-03-01', target: { L1: { longAxisMm: 10 }, L2: { status: 'not-evaluated' } } },
        { date: '2024-05-01', target: { L1: { longAxisMm: 30 }, L2: { longAxisMm: 20 } } },
      ],
    });
    expect(r.timepoints[1]).toMatchObject({ sumMm: null, partialSumMm: 10, targetResponse: 'NE', overallResponse: 'NE', changeFromBaselinePct: null });
    // Against a nadir of 10 mm this would be PD; the nadir is still the baseline 50 mm.
    expect(r.timepoints[2]).toMatchObject({ sumMm: 50, nadirMm: 50, targetResponse: 'SD' });
  });

  it('PD despite an unevaluated target when the others already progressed', () => {
    const r = assess({
      lesions: [target('L1'), target('L2')],
      timepoints: [
        { date: '2024-01-01', target: { L1: { longAxisMm: 30 }, L2: { longAxisMm: 20 } } },
        { date: '2024-03-01', target: { L1: { longAxisMm: 70 } } },
      ],
    });
    expect(r.timepoints[1]).toMatchObject({ sumMm: null, partialSumMm: 70, targetResponse: 'PD', overallResponse: 'PD' });
  });

  it('split and merged lesions enter the sum as RECIST says', () => {
    const r = assess({
      lesions: [target('L1'), target('L2')],
      timepoints: [
        { date: '2024-01-01', target: { L1: { longAxisMm: 30 }, L2: { longAxisMm: 20 } } },
        { date: '2024-03-01', target: { L1: { fragments: [{ longAxisMm: 14 }, { longAxisMm: 11 }] }, L2: { longAxisMm: 18 } } },
        { date: '2024-05-01', target: { L1: { longAxisMm: 47 }, L2: { mergedInto: 'L1' } } },
      ],
    });
    expect(r.timepoints.map((t) => t.sumMm)).toEqual([50, 43, 47]);
    expect(r.timepoints[2].explanation[0]).toBe('Sum of diameters 47 mm = L1 47 mm + L2 0 mm (merged into L1); −6% from baseline 50 mm, +9.3% from nadir 43 mm');
  });

  describe('disease reappearing after a CR is progression', () => {
    const base: RecistTimepoint = { date: '2024-01-01', target: { L1: { longAxisMm: 20 }, N1: { shortAxisMm: 16 } } };
    const cr: RecistTimepoint = { date: '2024-03-01', target: { L1: { status: 'disappeared' }, N1: { shortAxisMm: 8 } } };
    const lesions = [target('L1'), target('N1', true)];

    it('a target back at 3 mm: the sum rule alone says PR (+3 mm over the 8 mm nadir), overall is PD', () => {
      const r = assess({ lesions, timepoints: [base, cr, { date: '2024-05-01', target: { L1: { longAxisMm: 3 }, N1: { shortAxisMm: 8 } } }] });
      expect(r.timepoints[1]).toMatchObject({ sumMm: 8, targetResponse: 'CR', overallResponse: 'CR' });
      expect(r.timepoints[2]).toMatchObject({ sumMm: 11, targetResponse: 'PR', overallResponse: 'PD' });
      expect(r.timepoints[2].explanation.at(-1)).toBe('Overall PD instead of PR: disease reappeared after the CR of 2024-03-01 (L1 3 mm); reappearance after CR is progression');
    });

    it('a node counts as back only from 10 mm short axis', () => {
      const nine = assess({ lesions, timepoints: [base, cr, { date: '2024-05-01', target: { L1: { status: 'disappeared' }, N1: { shortAxisMm: 9.5 } } }] });
      expect(nine.timepoints[2]).toMatchObject({ targetResponse: 'CR', overallResponse: 'CR' });
      const eleven = assess({ lesions, timepoints: [base, cr, { date: '2024-05-01', target: { L1: { status: 'disappeared' }, N1: { shortAxisMm: 11 } } }] });
      expect(eleven.timepoints[2]).toMatchObject({ targetResponse: 'PR', overallResponse: 'PD' });
    });

    it('a non-target left unevaluated after CR is not a reappearance', () => {
      const r = assess({
        lesions: [target('L1'), nonTarget('L5')],
        timepoints: [
          { date: '2024-01-01', target: { L1: { longAxisMm: 20 } }, nonTarget: { L5: 'present' } },
          { date: '2024-03-01', target: { L1: { status: 'disappeared' } }, nonTarget: { L5: 'absent' } },
          { date: '2024-05-01', target: { L1: { status: 'disappeared' } }, nonTarget: { L5: 'not-evaluated' } },
          { date: '2024-07-01', target: { L1: { status: 'disappeared' } }, nonTarget: { L5: 'present' } },
        ],
      });
      // Seen again on the next exam, it is a return after the CR.
      expect(r.timepoints.slice(1).map((t) => t.overallResponse)).toEqual(['CR', 'PR', 'PD']);
      expect(r.timepoints[3].explanation.at(-1)).toMatch(/disease reappeared after the CR of 2024-03-01 \(L5 present\)/);
    });
  });

  it('non-target disease only: RECIST 1.1 Table 2', () => {
    const r = assess({
      lesions: [nonTarget('L5'), nonTarget('N5', true)],
      timepoints: [
        { date: '2024-01-01', target: {}, nonTarget: { L5: 'present', N5: { shortAxisMm: 12 } } },
        { date: '2024-03-01', target: {}, nonTarget: { L5: 'present', N5: { shortAxisMm: 9 } } },
        { date: '2024-05-01', target: {}, nonTarget: { L5: 'absent', N5: { shortAxisMm: 8 } } },
      ],
    });
    expect(r.timepoints.map((t) => [t.sumMm, t.targetResponse, t.nonTargetResponse, t.overallResponse])).toEqual([
      [null, null, null, null],
      [null, 'NA', 'non-CR/non-PD', 'non-CR/non-PD'],
      [null, 'NA', 'CR', 'CR'],
    ]);
    expect(r.bestOverallResponse).toBe('CR');
  });

  it('too-small targets count 5 mm by default, or what the case options say', () => {
    const c: RecistCase = {
      lesions: [target('L1'), target('L2')],
      timepoints: [
        { date: '2024-01-01', target: { L1: { longAxisMm: 30 }, L2: { longAxisMm: 20 } } },
        { date: '2024-03-01', target: { L1: { longAxisMm: 20 }, L2: { status: 'too-small' } } },
      ],
    };
    expect(assess(c).timepoints[1].sumMm).toBe(25);
    expect(assess({ ...c, options: { tooSmallMm: 3 } }).timepoints[1].sumMm).toBe(23);
  });

  it('recomputes a 10-lesion, 5-exam patient far within 5 ms (1000 validations + assessments < 2 s)', () => {
    const organs = ['liver', 'liver', 'lung', 'adrenal', 'nodes'];
    const lesions: RecistLesion[] = [
      ...organs.map((o, i) => target(`T${i}`, o === 'nodes', o)),
      ...[0, 1, 2, 3].map((i) => nonTarget(`NT${i}`)),
      { id: 'X0', organ: 'bone', role: 'new', lymphNode: false },
    ];
    const timepoints: RecistTimepoint[] = [0, 1, 2, 3, 4].map((e) => ({
      date: `2024-${String(1 + 2 * e).padStart(2, '0')}-01`,
      target: Object.fromEntries(organs.map((o, i) => [`T${i}`, o === 'nodes' ? { shortAxisMm: 20 - 2 * e } : { longAxisMm: 30 - 4 * e + i }])),
      nonTarget: { NT0: 'present', NT1: 'present', NT2: e > 2 ? 'absent' : 'present', NT3: 'present' },
      newLesions: e === 4 ? ['X0'] : false,
    }));
    const c: RecistCase = { lesions, timepoints };
    expect(assess(c).timepoints.map((t) => t.overallResponse)).toEqual([null, 'SD', 'SD', 'PR', 'PD']);
    const start = performance.now();
    for (let i = 0; i < 1000; i++) assess(c);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
