import { describe, expect, it } from 'vitest';
import { defaultRecistRole } from './defaultRole';

const liver = (n: number) => Array.from({ length: n }, () => ({ site: 'liver' }));

describe('defaultRecistRole (RECIST 1.1 §3.1.1, §3.2.1)', () => {
  it('makes a measurable lesion (long axis ≥ 10 mm) a target, a smaller or unmeasured one a non-target', () => {
    expect(defaultRecistRole({ site: 'liver', longAxisMm: 10, lesionType: 'metastasis', targets: [] })).toBe('target');
    expect(defaultRecistRole({ site: 'liver', longAxisMm: 9.9, lesionType: 'metastasis', targets: [] })).toBe('non-target');
    expect(defaultRecistRole({ site: 'liver', longAxisMm: null, lesionType: null, targets: [] })).toBe('non-target');
  });

  it('needs twice the slice thickness on slices thicker than 5 mm', () => {
    // 7 mm slices: 14 mm minimum; 5 mm slices: still 10 mm.
    expect(defaultRecistRole({ site: 'liver', longAxisMm: 12, lesionType: 'metastasis', sliceThicknessMm: 7, targets: [] })).toBe('non-target');
    expect(defaultRecistRole({ site: 'liver', longAxisMm: 14, lesionType: 'metastasis', sliceThicknessMm: 7, targets: [] })).toBe('target');
    expect(defaultRecistRole({ site: 'liver', longAxisMm: 10, lesionType: 'metastasis', sliceThicknessMm: 5, targets: [] })).toBe('target');
  });

  it('never makes a benign lesion a target', () => {
    expect(defaultRecistRole({ site: 'liver', longAxisMm: 40, lesionType: 'cyst', targets: [] })).toBe('non-target');
    expect(defaultRecistRole({ site: 'liver', longAxisMm: 40, lesionType: 'hemangioma', targets: [] })).toBe('non-target');
  });

  it('keeps to 5 targets in all and 2 per organ', () => {
    expect(defaultRecistRole({ site: 'liver', longAxisMm: 30, lesionType: 'metastasis', targets: liver(1) })).toBe('target');
    expect(defaultRecistRole({ site: 'liver', longAxisMm: 30, lesionType: 'metastasis', targets: liver(2) })).toBe('non-target');
    expect(defaultRecistRole({ site: 'lung', longAxisMm: 30, lesionType: 'metastasis', targets: liver(2) })).toBe('target');
    const five = [...liver(2), { site: 'lung' }, { site: 'lung' }, { site: 'peritoneum' }];
    expect(defaultRecistRole({ site: 'adrenal', longAxisMm: 30, lesionType: 'metastasis', targets: five })).toBe('non-target');
  });
});
