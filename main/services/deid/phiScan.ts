/**
 * The last line of de-identification: every byte of every output file is searched for every
 * identifying value of every exported patient (and the original Study, Series, SOP Instance and
 * Frame of Reference UIDs), whatever attribute, sequence, private block or file meta element it
 * may hide in. A hit refuses the export. Nothing here trusts the engine's tables.
 *
 * The bytes are walked as DICOM (explicit or implicit VR little endian, nested sequences,
 * undefined lengths) only to name the attribute a hit lies in and to leave out the values of
 * Pixel Data (7FE0,0008/0009/0010): pixels are copied untouched, and compressed pixel bytes are
 * noise in which a three-letter name would turn up by chance. Text is compared ASCII
 * case-insensitively; every value is searched in its UTF-8 and, where different, Latin-1 bytes.
 */
import dcmjs from 'dcmjs';

const { DicomMetaDictionary } = dcmjs.data as unknown as {
  DicomMetaDictionary: { dictionary: Record<string, { vr: string; name: string } | undefined> };
};

/** What an identifying value is, for the refusal message (which names the kind, never the value). */
export type PhiKind =
  | "patient's name"
  | 'patient ID'
  | 'other patient ID'
  | 'issuer of patient ID'
  | 'birth date'
  | "patient's address"
  | "patient's telephone"
  | 'accession number'
  | "physician's name"
  | 'institution'
  | 'study ID'
  | 'medical record locator'
  | 'study date'
  | 'original UID';

export interface PhiValue {
  value: string;
  kind: PhiKind;
}

export interface PhiFinding {
  kind: PhiKind;
  /** The attribute the value was found in, e.g. `RequestAttributesSequence[1] > RequestedProcedureDescription (0032,1060)`; null where the walk could not place it. */
  attribute: string | null;
  /** For the local user only: never put it in a log. */
  value: string;
  offset: number;
}

// ---------------------------------------------------------------------------------------------
// Multi-pattern search (Aho–Corasick over bytes): one pass over a file whatever the number of
// values (an exam of 2000 slices has 2000 original SOP Instance UIDs to look for).

interface Pattern {
  bytes: Uint8Array;
  value: PhiValue;
  /**
   * Short names (under five characters) must stand alone as words, and all-digit IDs under eight
   * digits as numbers: "Ann" is not in "Annotation", and a five-digit ID turns up inside a
   * random 39-digit UID about once in 3000. Dates (eight digits) and everything else: anywhere.
   */
  boundary: 'none' | 'word' | 'digits';
}

const lowerAscii = (b: number) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
const isLetter = (b: number) => (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b >= 0x80;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

export class PhiMatcher {
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  private readonly out: number[][] = [[]];
  private readonly patterns: Pattern[] = [];
  readonly values: PhiValue[];

  constructor(values: readonly PhiValue[]) {
    const seen = new Set<string>();
    this.values = [];
    for (const v of values) {
      const text = v.value.trim();
      if (!searchable(v.kind, text)) continue;
      const key = `${v.kind}\u0000${text.toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      this.values.push({ kind: v.kind, value: text });
      const boundary: Pattern['boundary'] = /^\d+$/.test(text) && text.length < 8 && !isDateKind(v.kind) ? 'digits' : isNameKind(v.kind) && text.length < 5 ? 'word' : 'none';
      const encodings = new Set([Buffer.from(text, 'utf8').toString('hex')]);
      // Latin-1 only where every character has one.
      if ([...text].every((c) => c.charCodeAt(0) < 256)) encodings.add(Buffer.from(text, 'latin1').toString('hex'));
      for (const hex of encodings) this.add({ bytes: Uint8Array.from(Buffer.from(hex, 'hex'), lowerAscii), value: { kind: v.kind, value: text }, boundary });
    }
    this.build();
  }

  private add(p: Pattern): void {
    let s = 0;
    for (const b of p.bytes) {
      let t = this.next[s].get(b);
      if (t === undefined) {
        t = this.next.length;
        this.next.push(new Map());
        this.fail.push(0);
        this.out.push([]);
        this.next[s].set(b, t);
      }
      s = t;
    }
    this.out[s].push(this.patterns.length);
    this.patterns.push(p);
  }

  private build(): void {
    const queue: number[] = [];
    for (const t of this.next[0].values()) queue.push(t);
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi];
      for (const [b, t] of this.next[s]) {
        let f = this.fail[s];
        while (f !== 0 && !this.next[f].has(b)) f = this.fail[f];
        const g = this.next[f].get(b);
        this.fail[t] = g !== undefined && g !== t ? g : 0;
        this.out[t] = [...this.out[t], ...this.out[this.fail[t]]];
        queue.push(t);
      }
    }
  }

  /** Every occurrence in `bytes` outside `skip` (sorted, disjoint [start, end) ranges): pattern and start offset. */
  search(bytes: Uint8Array, skip: readonly [number, number][] = []): { pattern: Pattern; start: number }[] {
    const hits: { pattern: Pattern; start: number }[] = [];
    let s = 0;
    let k = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (k < skip.length && i >= skip[k][0]) {
        i = skip[k][1] - 1;
        k++;
        s = 0;
        continue;
      }
      const b = lowerAscii(bytes[i]);
      let t = this.next[s].get(b);
      while (t === undefined && s !== 0) {
        s = this.fail[s];
        t = this.next[s].get(b);
      }
      s = t ?? 0;
      for (const pi of this.out[s]) {
        const pattern = this.patterns[pi];
        const start = i - pattern.bytes.length + 1;
        if (pattern.boundary !== 'none') {
          const test = pattern.boundary === 'word' ? (x: number) => isLetter(x) || isDigit(x) : isDigit;
          if ((start > 0 && test(bytes[start - 1])) || (i + 1 < bytes.length && test(bytes[i + 1]))) continue;
        }
        hits.push({ pattern, start });
      }
    }
    return hits;
  }
}

function isDateKind(kind: PhiKind): boolean {
  return kind === 'birth date' || kind === 'study date';
}

function isNameKind(kind: PhiKind): boolean {
  return kind === "patient's name" || kind === "physician's name";
}

/**
 * Whether a value can be searched for without finding it everywhere: at least three characters
 * (an original UID at least eight).
 */
export function searchable(kind: PhiKind, text: string): boolean {
  if (text.replace(/[\s^=\\]/g, '').length < 3) return false;
  if (kind === 'original UID') return text.length >= 8;
  return true;
}

// ---------------------------------------------------------------------------------------------
// A walk over Part 10 bytes: the leaf elements with their value ranges, for naming a hit.

export interface Leaf {
  start: number;
  end: number;
  tag: string;
  vr: string;
  /** Where it sits, in tags: `00400275[1]>00321060` (named by `describePath` only when needed). */
  path: string;
}

/** A leaf's path in words: `RequestAttributesSequence (0040,0275)[1] > RequestedProcedureDescription (0032,1060)`. */
export function describePath(path: string): string {
  return path
    .split('>')
    .map((step) => {
      const m = /^([0-9A-F]{8})(\[\d+\])?$/.exec(step);
      return m ? `${attributeName(m[1])}${m[2] ?? ''}` : step;
    })
    .join(' > ');
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const PIXEL_TAGS = new Set(['7FE00008', '7FE00009', '7FE00010']);
const UNDEFINED = 0xffffffff;

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

export function attributeName(tag: string): string {
  const punct = `(${tag.slice(0, 4)},${tag.slice(4)})`;
  const group = parseInt(tag.slice(0, 4), 16);
  if (group % 2 === 1) return `private ${punct}`;
  const entry = DicomMetaDictionary.dictionary[punct];
  return entry ? `${entry.name} ${punct}` : punct;
}

function dictionaryVr(tag: string): string {
  if (parseInt(tag.slice(0, 4), 16) % 2 === 1) return 'UN';
  const vr = DicomMetaDictionary.dictionary[`(${tag.slice(0, 4)},${tag.slice(4)})`]?.vr ?? 'UN';
  return vr.length === 2 && vr === vr.toUpperCase() ? vr : 'OW';
}

class Walker {
  readonly leaves: Leaf[] = [];
  readonly pixels: [number, number][] = [];
  /** The whole top-level pixel data elements (tag to last byte, delimiters included). */
  readonly pixelElements: [number, number][] = [];
  private readonly view: DataView;

  constructor(private readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Elements from `pos` to `end` (or to an item delimiter); returns the position after them. */
  elements(pos: number, end: number, explicit: boolean, path: string, depth: number, untilGroupChange?: number): number {
    while (pos + 8 <= end) {
      const group = this.view.getUint16(pos, true);
      const element = this.view.getUint16(pos + 2, true);
      if (untilGroupChange !== undefined && group !== untilGroupChange) return pos;
      if (group === 0xfffe && element === 0xe00d) return pos + 8;
      const tag = `${hex4(group)}${hex4(element)}`;
      let vr: string;
      let length: number;
      let header: number;
      if (explicit) {
        vr = String.fromCharCode(this.b[pos + 4], this.b[pos + 5]);
        if (LONG_VRS.has(vr)) {
          length = this.view.getUint32(pos + 8, true);
          header = 12;
        } else {
          length = this.view.getUint16(pos + 6, true);
          header = 8;
        }
      } else {
        vr = dictionaryVr(tag);
        length = this.view.getUint32(pos + 4, true);
        header = 8;
      }
      const start = pos + header;
      const name = path ? `${path}>${tag}` : tag;
      if (length === UNDEFINED) {
        if (depth === 0 && PIXEL_TAGS.has(tag)) {
          const after = this.sequence(start, explicit, name, depth, true);
          this.pixels.push([start, after]);
          this.pixelElements.push([pos, after]);
          pos = after;
        } else {
          // A sequence (or UN of undefined length: a sequence in implicit VR, PS3.5 6.2.2).
          pos = this.sequence(start, vr === 'UN' ? false : explicit, name, depth, false);
        }
        continue;
      }
      if (start + length > this.b.length) throw new Error('element beyond the end of the file');
      if (vr === 'SQ') this.sequenceDefined(start, start + length, explicit, name, depth);
      else if (depth === 0 && PIXEL_TAGS.has(tag)) {
        this.pixels.push([start, start + length]);
        this.pixelElements.push([pos, start + length]);
      }
      else this.leaves.push({ start, end: start + length, tag, vr, path: name });
      pos = start + length;
    }
    return pos;
  }

  private item(pos: number, explicit: boolean, path: string, depth: number, index: number, fragments: boolean): number {
    const length = this.view.getUint32(pos + 4, true);
    const start = pos + 8;
    if (fragments) return start + length;
    const name = `${path}[${index}]`;
    if (length === UNDEFINED) return this.elements(start, this.b.length, explicit, name, depth + 1);
    this.elements(start, start + length, explicit, name, depth + 1);
    return start + length;
  }

  private sequence(pos: number, explicit: boolean, path: string, depth: number, fragments: boolean): number {
    for (let index = 1; pos + 8 <= this.b.length; index++) {
      const group = this.view.getUint16(pos, true);
      const element = this.view.getUint16(pos + 2, true);
      if (group === 0xfffe && element === 0xe0dd) return pos + 8;
      if (group !== 0xfffe || element !== 0xe000) throw new Error('malformed sequence');
      pos = this.item(pos, explicit, path, depth, index, fragments);
    }
    throw new Error('sequence without its delimiter');
  }

  private sequenceDefined(pos: number, end: number, explicit: boolean, path: string, depth: number): void {
    for (let index = 1; pos + 8 <= end; index++) pos = this.item(pos, explicit, path, depth, index, false);
  }
}

/** The Transfer Syntax UID of a Part 10 file's meta information, or null when there is none to read. */
export function transferSyntaxOf(bytes: Uint8Array): string | null {
  try {
    if (bytes.length < 132 || Buffer.from(bytes.subarray(128, 132)).toString('latin1') !== 'DICM') return null;
    const w = new Walker(bytes);
    w.elements(132, bytes.length, true, '', 0, 0x0002);
    const ts = w.leaves.find((l) => l.tag === '00020010');
    return ts ? Buffer.from(bytes.subarray(ts.start, ts.end)).toString('latin1').replace(/[\0 ]+$/, '') : null;
  } catch {
    return null;
  }
}

/**
 * The leaves and pixel ranges (values; whole elements) of a Part 10 file, null when it cannot be
 * walked (then all of it is searched).
 */
export function walkPart10(bytes: Uint8Array): { leaves: Leaf[]; pixels: [number, number][]; pixelElements: [number, number][] } | null {
  try {
    const w = new Walker(bytes);
    const preamble = bytes.length >= 132 && Buffer.from(bytes.subarray(128, 132)).toString('latin1') === 'DICM';
    const metaEnd = w.elements(preamble ? 132 : 0, bytes.length, true, '', 0, 0x0002);
    const ts = w.leaves.find((l) => l.tag === '00020010');
    const tsUid = ts ? Buffer.from(bytes.subarray(ts.start, ts.end)).toString('latin1').replace(/[\0 ]+$/, '') : '1.2.840.10008.1.2.1';
    if (tsUid === '1.2.840.10008.1.2.2' || tsUid === '1.2.840.10008.1.2.1.99') return null;
    w.elements(metaEnd, bytes.length, tsUid !== '1.2.840.10008.1.2', '', 0);
    return { leaves: w.leaves, pixels: w.pixels, pixelElements: w.pixelElements };
  } catch {
    return null;
  }
}

/**
 * The identifying values found in a file's bytes. A hit of a text value inside a UID-valued
 * element is not one (only original UIDs are looked for there: a replacement UID is a long random
 * number in which a short numeric ID may turn up), nor a hit inside a value that is the export's
 * own (`ownValues`: the pseudonyms; `ownAttributes`: the de-identification records (0012,0062–0064)).
 */
export function scanBytes(
  bytes: Uint8Array,
  matcher: PhiMatcher,
  own: { values: ReadonlySet<string>; attributes: ReadonlySet<string> } = { values: new Set(), attributes: new Set() },
): PhiFinding[] {
  const walked = walkPart10(bytes);
  const leaves = walked?.leaves.slice().sort((a, b) => a.start - b.start) ?? [];
  const hits = matcher.search(bytes, walked?.pixels.slice().sort((a, b) => a[0] - b[0]) ?? []);
  const findings: PhiFinding[] = [];
  const seen = new Set<string>();
  for (const hit of hits) {
    const leaf = leafAt(leaves, hit.start);
    if (leaf) {
      if (leaf.vr === 'UI' && hit.pattern.value.kind !== 'original UID') continue;
      if ([...own.attributes].some((t) => leaf.path.includes(t))) continue;
      const text = Buffer.from(bytes.subarray(leaf.start, leaf.end)).toString('latin1').replace(/[\0 ]+$/, '').trim();
      if (text.split('\\').every((v) => own.values.has(v.trim()))) continue;
    }
    const attribute = leaf ? describePath(leaf.path) : null;
    const key = `${hit.pattern.value.kind}|${hit.pattern.value.value}|${attribute}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push({ kind: hit.pattern.value.kind, attribute, value: hit.pattern.value.value, offset: hit.start });
  }
  return findings;
}

function leafAt(leaves: readonly Leaf[], offset: number): Leaf | null {
  let lo = 0;
  let hi = leaves.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const l = leaves[mid];
    if (offset < l.start) hi = mid - 1;
    else if (offset >= l.end) lo = mid + 1;
    else return l;
  }
  return null;
}
