import { describe, expect, it } from 'vitest';
import type { LesionTable } from '../api/types';
import { growthBetween } from '../volumetry/volumetry';
import { mlText, recistByStudy, responseClass, vdtText } from './tableText';

describe('lesion table words', () => {
  it('colours responses: response green, stable amber, progression red', () => {
    expect(responseClass('PR')).toContain('resp-pr');
    expect(responseClass('CR')).toContain('resp-cr');
    expect(responseClass('SD')).toContain('resp-sd');
    expect(responseClass('PD')).toContain('resp-pd');
    expect(responseClass('non-CR/non-PD')).toContain('resp-noncr');
    expect(responseClass(null)).toContain('resp-na');
  });

  it('pairs RECIST timepoints with the exams they came from', () => {
    const a = {
      recistStudyRowIds: [5, 9],
      recist: { timepoints: [{ date: '2024-01-02' }, { date: '2024-04-01' }] },
      recistErrors: [],
      volumetry: { exams: [], growth: {} },
    } as unknown as LesionTable['assessment'];
    const m = recistByStudy(a);
    expect(m.get(9)?.date).toBe('2024-04-01');
    expect(m.has(6)).toBe(false);
  });

  it('keeps two decimals for small volumes', () => {
    expect(mlText(0.42)).toBe('0.42 mL');
    expect(mlText(33.333)).toBe('33.3 mL');
    expect(mlText(null)).toBe('—');
  });

  it('gives doubling time when growing and halving time when shrinking', () => {
    // 1 → 2 mL in 90 days doubles in 90 days.
    expect(vdtText(growthBetween(1, 2, 90))).toBe('VDT 90 d');
    expect(vdtText(growthBetween(2, 1, 60))).toBe('halves in 60 d');
    expect(vdtText(growthBetween(2, 2, 60))).toBe('no change');
  });
});
