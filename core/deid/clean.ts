/**
 * The C (clean) action on free text (PS3.15 E.3.5 Clean Descriptors and the options that clean):
 * the text is kept with the patient's own identifying values taken out, whole words only and
 * case-insensitively. A name is also taken out by its parts ("Doe^John" takes "Doe" and "John"),
 * an ID also without its leading zeros, a date also in the other ways dates are written.
 */
import { dateSpellings } from './dates';

/** The strings to take out of free text for these identifying values, longest first. */
export function identifyingStrings(identifyingValues: readonly string[]): string[] {
  const out = new Set<string>();
  const add = (s: string) => {
    const t = s.trim();
    // One character is no identifier, and taking every "a" out of a sentence helps nobody.
    if (t.length >= 2) out.add(t);
  };
  for (const raw of identifyingValues) {
    if (typeof raw !== 'string') continue;
    add(raw);
    // A PN: "Family^Given^Middle^Prefix^Suffix", groups split by '='; spoken forms use spaces.
    const parts = raw.split(/[\^=\s,]+/).filter(Boolean);
    // A part is a name ("Doe", "Smith-Jones" and "Jones") or a long number (a house or phone
    // number); short numbers alone are measurements far more often than identity ("30 mm").
    const addPart = (p: string) => {
      if (/\p{L}/u.test(p) || /^\d{5,}$/.test(p)) add(p);
    };
    for (const p of parts) {
      addPart(p);
      for (const q of p.split('-')) addPart(q);
    }
    if (parts.length > 1) {
      add(parts.join(' '));
      add([...parts].reverse().join(' '));
      add(`${parts[0]}, ${parts.slice(1).join(' ')}`);
    }
    if (/^0+\d{2,}$/.test(raw.trim())) add(raw.trim().replace(/^0+/, ''));
    for (const d of dateSpellings(raw)) add(d);
  }
  return [...out].sort((a, b) => b.length - a.length || a.localeCompare(b));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A function that cleans one text value; it returns the text unchanged when nothing identifying is in it. */
export function makeCleaner(identifyingValues: readonly string[]): (text: string) => string {
  const strings = identifyingStrings(identifyingValues);
  if (strings.length === 0) return (text) => text;
  // Whole words: no letter or digit just before or after, so "Li" leaves "Liver" alone.
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${strings.map(escape).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  return (text: string) => {
    if (typeof text !== 'string' || text === '') return text;
    const removed = text.replace(re, '');
    if (removed === text) return text;
    return removed
      .replace(/[ \t]{2,}/g, ' ')
      .replace(/[ \t]+([,.;:!?)])/g, '$1')
      .replace(/\([ \t]+/g, '(')
      .replace(/^[ \t]+|[ \t]+$/gm, '');
  };
}

/** A PN value cleaned component by component ("Doe^John^^Dr" with Doe and John identifying → "^^^Dr"), trailing separators dropped. */
export function cleanPersonName(name: string, clean: (text: string) => string): string {
  return name
    .split('=')
    .map((group) =>
      group
        .split('^')
        .map((c) => clean(c))
        .join('^')
        .replace(/\^+$/, ''),
    )
    .join('=')
    .replace(/=+$/, '');
}
