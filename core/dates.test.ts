import { describe, expect, it } from 'vitest';
import { daysBetween, daysBetweenOrNull, isoDateToDay } from './dates';

describe('calendar dates', () => {
  it('counts whole days across a leap day and a year end', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2023-12-31', '2024-01-01')).toBe(1);
    expect(daysBetween('2024-04-01', '2024-01-01')).toBe(-91);
    expect(isoDateToDay('1970-01-02')).toBe(1);
  });

  it('refuses what is not a calendar date', () => {
    expect(isoDateToDay('2024-02-30')).toBeNull();
    expect(isoDateToDay('20240101')).toBeNull();
    expect(() => daysBetween('2024-01-01', '2024-13-01')).toThrow(/not a calendar date.*2024-13-01/);
  });

  it('has no interval when a date is missing or invalid (a study without a date)', () => {
    expect(daysBetweenOrNull('2024-01-10', '2024-04-10')).toBe(91);
    expect(daysBetweenOrNull(null, '2024-04-10')).toBeNull();
    expect(daysBetweenOrNull('2024-01-10', '')).toBeNull();
    expect(daysBetweenOrNull('2024-02-30', '2024-04-10')).toBeNull();
  });
});
