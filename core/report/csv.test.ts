import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv';

describe('CSV per RFC 4180', () => {
  it('quotes a field with a comma, a quote or a line break, and doubles quotes', () => {
    expect(csvField('liver')).toBe('liver');
    expect(csvField('Doe, Jane')).toBe('"Doe, Jane"');
    expect(csvField('the "big" one')).toBe('"the ""big"" one"');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('ends every line with CRLF, the header first', () => {
    expect(toCsv(['a', 'b'], [{ a: 'x,y', b: 1 }, { a: null, b: 'z' }])).toBe('a,b\r\n"x,y",1\r\n,z\r\n');
  });
});
