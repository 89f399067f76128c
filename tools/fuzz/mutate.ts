/**
 * Deterministic mutations of real DICOM files for the import fuzz harness: what a broken
 * network transfer, a bad disk or a hostile sender produces. Every choice comes from the
 * seeded generator, so a seed reproduces the same files byte for byte.
 */
import dcmjs from 'dcmjs';
import { deflateRawSync } from 'node:zlib';
import type { Rng } from '../../core/metrics/prng';

export const MUTATIONS = [
  'truncate',
  'bit-flips',
  'corrupt-length',
  'zeroed-run',
  'duplicated-run',
  'deflate-bomb',
  'deflated',
  'absurd-dimensions',
  'wrong-vr',
  'endless-sequence',
  'deep-nesting',
  'forbidden-undefined-length',
  'corrupt-pixels',
  'new-uids',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** How often each mutation is drawn (relative). */
const WEIGHTS: Record<Mutation, number> = {
  truncate: 10,
  'bit-flips': 12,
  'corrupt-length': 14,
  'zeroed-run': 8,
  'duplicated-run': 8,
  'deflate-bomb': 3,
  deflated: 3,
  'absurd-dimensions': 8,
  'wrong-vr': 8,
  'endless-sequence': 5,
  'deep-nesting': 4,
  'forbidden-undefined-length': 6,
  'corrupt-pixels': 8,
  'new-uids': 6,
};

const TS_DEFLATED = '1.2.840.10008.1.2.1.99';
const TS_IMPLICIT = '1.2.840.10008.1.2';
const TS_EXPLICIT_BE = '1.2.840.10008.1.2.2';
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;

const dictionary = (dcmjs.data as unknown as { DicomMetaDictionary: { dictionary: Record<string, { vr?: string } | undefined> } }).DicomMetaDictionary.dictionary;
function dictVr(tag: number): string | undefined {
  const hex = tag.toString(16).toUpperCase().padStart(8, '0');
  return dictionary[`(${hex.slice(0, 4)},${hex.slice(4)})`]?.vr;
}

/** One element header found by the tolerant walker. */
export interface ElementRef {
  tag: number;
  /** Explicit VR code, or '' (implicit, items). */
  vr: string;
  /** Offset of the tag. */
  offset: number;
  lengthOffset: number;
  /** 2 or 4. */
  lengthSize: number;
  length: number;
  valueOffset: number;
  depth: number;
}

export interface ParsedSeed {
  bytes: Buffer;
  syntax: string;
  metaEnd: number;
  elements: ElementRef[];
  pixelDataOffset: number | null;
}

/** Walks a Part 10 file tolerantly (stops at the first inconsistency), entering sequences. */
export function walkSeed(bytes: Buffer): ParsedSeed | null {
  if (bytes.length < 144 || bytes.toString('latin1', 128, 132) !== 'DICM') return null;
  const metaLength = bytes.readUInt32LE(140);
  const metaEnd = 144 + metaLength;
  if (metaEnd > bytes.length) return null;
  let syntax = '';
  const elements: ElementRef[] = [];
  let pixelDataOffset: number | null = null;
  // Meta (explicit LE).
  for (let off = 144; off + 8 <= metaEnd; ) {
    const tag = ((bytes.readUInt16LE(off) << 16) | bytes.readUInt16LE(off + 2)) >>> 0;
    const vr = bytes.toString('latin1', off + 4, off + 6);
    const long = LONG_VRS.has(vr);
    const length = long ? bytes.readUInt32LE(off + 8) : bytes.readUInt16LE(off + 6);
    const valueOffset = off + (long ? 12 : 8);
    if (tag === 0x00020010) syntax = bytes.toString('latin1', valueOffset, valueOffset + length).replace(/[\0 ]+$/, '');
    off = valueOffset + length;
  }
  if (syntax === TS_DEFLATED || syntax === TS_EXPLICIT_BE) return { bytes, syntax, metaEnd, elements, pixelDataOffset };
  const implicit = syntax === TS_IMPLICIT;
  let off = metaEnd;
  let depth = 0;
  try {
    while (off + 8 <= bytes.length && elements.length < 20_000) {
      const tag = ((bytes.readUInt16LE(off) << 16) | bytes.readUInt16LE(off + 2)) >>> 0;
      if (tag >>> 16 === 0xfffe) {
        const length = bytes.readUInt32LE(off + 4);
        elements.push({ tag, vr: '', offset: off, lengthOffset: off + 4, lengthSize: 4, length, valueOffset: off + 8, depth });
        if (tag === 0xfffee0dd) depth = Math.max(0, depth - 1);
        off += 8; // enter items; delimiters are 8 bytes
        continue;
      }
      let vr: string;
      let length: number;
      let lengthOffset: number;
      let lengthSize: number;
      let valueOffset: number;
      if (implicit) {
        vr = '';
        lengthOffset = off + 4;
        lengthSize = 4;
        length = bytes.readUInt32LE(off + 4);
        valueOffset = off + 8;
      } else {
        vr = bytes.toString('latin1', off + 4, off + 6);
        if (!/^[A-Z]{2}$/.test(vr)) break;
        const long = LONG_VRS.has(vr);
        lengthOffset = long ? off + 8 : off + 6;
        lengthSize = long ? 4 : 2;
        length = long ? bytes.readUInt32LE(off + 8) : bytes.readUInt16LE(off + 6);
        valueOffset = off + (long ? 12 : 8);
      }
      elements.push({ tag, vr, offset: off, lengthOffset, lengthSize, length, valueOffset, depth });
      if (tag === 0x7fe00010 && depth === 0) {
        pixelDataOffset = off;
        break;
      }
      const isSequence = vr === 'SQ' || (implicit && (length === UNDEFINED || dictVr(tag) === 'SQ'));
      if (isSequence) {
        depth++;
        off = valueOffset; // walk into the items
        continue;
      }
      if (length === UNDEFINED) break;
      off = valueOffset + length;
    }
  } catch {
    // A seed that cannot be walked further still has the elements found so far.
  }
  return { bytes, syntax, metaEnd, elements, pixelDataOffset };
}

function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}
function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}
/** An offset, half the time in the header (where the parser lives), else anywhere. */
function offsetIn(rng: Rng, seed: ParsedSeed): number {
  const headerEnd = seed.pixelDataOffset ?? Math.min(seed.bytes.length, 8192);
  return rng() < 0.5 ? int(rng, 128, Math.max(128, headerEnd - 1)) : int(rng, 0, seed.bytes.length - 1);
}

function drawMutation(rng: Rng): Mutation {
  const total = MUTATIONS.reduce((s, m) => s + WEIGHTS[m], 0);
  let r = rng() * total;
  for (const m of MUTATIONS) {
    r -= WEIGHTS[m];
    if (r < 0) return m;
  }
  return 'bit-flips';
}

/** Builds a Part 10 file from the seed's meta group with another transfer syntax and a given data set. */
function withSyntax(seed: ParsedSeed, syntax: string, dataset: Buffer): Buffer {
  const elems: Buffer[] = [];
  const b = seed.bytes;
  for (let off = 144; off + 8 <= seed.metaEnd; ) {
    const tag = ((b.readUInt16LE(off) << 16) | b.readUInt16LE(off + 2)) >>> 0;
    const vr = b.toString('latin1', off + 4, off + 6);
    const long = LONG_VRS.has(vr);
    const length = long ? b.readUInt32LE(off + 8) : b.readUInt16LE(off + 6);
    const end = off + (long ? 12 : 8) + length;
    if (tag === 0x00020010) {
      const value = Buffer.from(syntax.length % 2 ? `${syntax}\0` : syntax, 'latin1');
      const h = Buffer.alloc(8);
      h.writeUInt16LE(0x0002, 0);
      h.writeUInt16LE(0x0010, 2);
      h.write('UI', 4, 'latin1');
      h.writeUInt16LE(value.length, 6);
      elems.push(h, value);
    } else elems.push(b.subarray(off, end));
    off = end;
  }
  const meta = Buffer.concat(elems);
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt16LE(0x0002, 0);
  groupLength.write('UL', 4, 'latin1');
  groupLength.writeUInt16LE(4, 6);
  groupLength.writeUInt32LE(meta.length, 8);
  return Buffer.concat([b.subarray(0, 132), groupLength, meta, dataset]);
}

/** Shared, expensive parts of some mutations (built once per run). */
export interface MutationAssets {
  /** A raw deflate stream that inflates to far more than the header reader accepts. */
  deflateBomb: Buffer;
}

export async function buildAssets(): Promise<MutationAssets> {
  // 400 MB of zeros, deflated a megabyte at a time (the input is never held in memory).
  const { createDeflateRaw } = await import('node:zlib');
  const z = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    z.on('end', resolve);
    z.on('error', reject);
  });
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < 400; i++) {
    if (!z.write(chunk)) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await done;
  return { deflateBomb: Buffer.concat(out) };
}

function setLength(out: Buffer, e: ElementRef, value: number): void {
  if (e.lengthSize === 4) out.writeUInt32LE(value >>> 0, e.lengthOffset);
  else out.writeUInt16LE(value & 0xffff, e.lengthOffset);
}

/** Replaces an element's value (top level, explicit or implicit LE), fixing its length. */
function replaceValue(seed: ParsedSeed, e: ElementRef, value: Buffer): Buffer {
  const padded = value.length % 2 ? Buffer.concat([value, Buffer.from(' ')]) : value;
  const header = Buffer.from(seed.bytes.subarray(e.offset, e.valueOffset));
  const h: ElementRef = { ...e, lengthOffset: e.lengthOffset - e.offset };
  if (h.lengthSize === 4) header.writeUInt32LE(padded.length, h.lengthOffset);
  else header.writeUInt16LE(Math.min(0xffff, padded.length), h.lengthOffset);
  return Buffer.concat([seed.bytes.subarray(0, e.offset), header, padded, seed.bytes.subarray(e.valueOffset + e.length)]);
}

function topLevel(seed: ParsedSeed, tag: number): ElementRef | undefined {
  return seed.elements.find((e) => e.depth === 0 && e.tag === tag && e.length !== UNDEFINED && e.valueOffset + e.length <= seed.bytes.length);
}

/** A private sequence of `levels` nested undefined-length sequences and items, closed or not. */
function nestedSequences(levels: number, explicit: boolean, closed: boolean): Buffer {
  const parts: Buffer[] = [];
  const open = Buffer.alloc(explicit ? 20 : 16);
  open.writeUInt16LE(0x0029, 0);
  open.writeUInt16LE(0x1010, 2);
  let o = 4;
  if (explicit) {
    open.write('SQ', 4, 'latin1');
    o = 8;
  }
  open.writeUInt32LE(UNDEFINED, o);
  open.writeUInt16LE(0xfffe, o + 4);
  open.writeUInt16LE(0xe000, o + 6);
  open.writeUInt32LE(UNDEFINED, o + 8);
  for (let i = 0; i < levels; i++) parts.push(open);
  if (closed) {
    const close = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    for (let i = 0; i < levels; i++) parts.push(close);
  }
  return Buffer.concat(parts);
}

/** Inserts bytes at the top level just before the Pixel Data (or at the end). */
function insertBeforePixels(seed: ParsedSeed, bytes: Buffer): Buffer {
  const at = seed.pixelDataOffset ?? seed.bytes.length;
  return Buffer.concat([seed.bytes.subarray(0, at), bytes, seed.bytes.subarray(at)]);
}

function applyOne(rng: Rng, seed: ParsedSeed, kind: Mutation, assets: MutationAssets): Buffer {
  const b = seed.bytes;
  const explicit = seed.syntax !== TS_IMPLICIT;
  switch (kind) {
    case 'truncate':
      return Buffer.from(b.subarray(0, offsetIn(rng, seed)));
    case 'bit-flips': {
      const out = Buffer.from(b);
      const flips = int(rng, 1, 16);
      for (let i = 0; i < flips; i++) {
        const at = offsetIn(rng, seed);
        out[at] ^= 1 << int(rng, 0, 7);
      }
      return out;
    }
    case 'corrupt-length': {
      const out = Buffer.from(b);
      const candidates = seed.elements;
      if (candidates.length === 0) return applyOne(rng, seed, 'bit-flips', assets);
      const times = int(rng, 1, 3);
      for (let i = 0; i < times; i++) {
        const e = pick(rng, candidates);
        const choices = e.lengthSize === 4 ? [UNDEFINED, 0xfffffffe, 0, e.length + 2, e.length * 7, b.length * 2, int(rng, 0, 0xffffffff)] : [0xffff, 0xfffe, 0, e.length + 2, e.length * 7, int(rng, 0, 0xffff)];
        setLength(out, e, pick(rng, choices));
      }
      return out;
    }
    case 'zeroed-run': {
      const out = Buffer.from(b);
      const at = offsetIn(rng, seed);
      out.fill(0, at, Math.min(out.length, at + (rng() < 0.7 ? int(rng, 1, 512) : int(rng, 512, 65536))));
      return out;
    }
    case 'duplicated-run': {
      const from = offsetIn(rng, seed);
      const run = b.subarray(from, Math.min(b.length, from + int(rng, 4, 4096)));
      const to = offsetIn(rng, seed);
      if (rng() < 0.5) return Buffer.concat([b.subarray(0, to), run, b.subarray(to)]);
      const out = Buffer.from(b);
      run.copy(out, to);
      return out;
    }
    case 'deflate-bomb': {
      // The seed's meta group, declaring Deflated Explicit VR Little Endian, then a stream of zeros that never ends soon enough.
      const bomb = rng() < 0.5 ? assets.deflateBomb : assets.deflateBomb.subarray(0, int(rng, 1024, assets.deflateBomb.length));
      return withSyntax(seed, TS_DEFLATED, bomb);
    }
    case 'deflated': {
      // A well-formed deflated file (explicit seeds), sometimes cut short or with a flipped byte.
      if (seed.syntax === TS_IMPLICIT || seed.syntax === TS_DEFLATED || seed.syntax === TS_EXPLICIT_BE) return applyOne(rng, seed, 'truncate', assets);
      const deflated = deflateRawSync(b.subarray(seed.metaEnd));
      const out = withSyntax(seed, TS_DEFLATED, deflated);
      const r = rng();
      if (r < 0.3) return out.subarray(0, int(rng, 132, out.length - 1));
      if (r < 0.6) out[int(rng, out.length - deflated.length, out.length - 1)] ^= 0xff;
      return out;
    }
    case 'absurd-dimensions': {
      const target = pick(rng, [0x00280010, 0x00280011, 0x00280008, 0x00280100, 0x00280002, 0x00280101, 0x00280102]);
      const e = topLevel(seed, target);
      if (!e) return applyOne(rng, seed, 'corrupt-length', assets);
      if (target === 0x00280008) {
        return replaceValue(seed, e, Buffer.from(pick(rng, ['2147483647', '-1', '0', '1e9', '3.5', '99999', 'NaN', '4294967297']), 'latin1'));
      }
      const out = Buffer.from(b);
      if (e.length >= 2) out.writeUInt16LE(pick(rng, [0, 1, 3, 13, 64, 0x7fff, 0xffff]), e.valueOffset);
      return out;
    }
    case 'wrong-vr': {
      if (!explicit) return applyOne(rng, seed, 'corrupt-length', assets);
      const candidates = seed.elements.filter((e) => e.vr !== '');
      if (candidates.length === 0) return applyOne(rng, seed, 'bit-flips', assets);
      const out = Buffer.from(b);
      const times = int(rng, 1, 3);
      for (let i = 0; i < times; i++) {
        const e = pick(rng, candidates);
        out.write(pick(rng, ['SQ', 'UN', 'OB', 'OW', 'US', 'FD', 'FL', 'UT', 'AT', 'XX', 'ox', '\0\0', 'DS']), e.offset + 4, 'latin1');
      }
      return out;
    }
    case 'endless-sequence': {
      // A sequence whose length becomes undefined with no delimiter, or a sequence left open at the end.
      const sequences = seed.elements.filter((e) => e.vr === 'SQ' || (e.vr === '' && e.tag >>> 16 !== 0xfffe && e.length === UNDEFINED));
      if (sequences.length > 0 && rng() < 0.6) {
        const out = Buffer.from(b);
        const e = pick(rng, sequences);
        setLength(out, e, UNDEFINED);
        // Remove every sequence delimiter after it, so it never ends.
        for (let at = out.indexOf(Buffer.from([0xfe, 0xff, 0xdd, 0xe0]), e.valueOffset); at >= 0; at = out.indexOf(Buffer.from([0xfe, 0xff, 0xdd, 0xe0]), at + 4)) out.writeUInt16LE(0x1234, at + 2);
        return out;
      }
      return Buffer.concat([b.subarray(0, seed.pixelDataOffset ?? b.length), nestedSequences(int(rng, 1, 4), explicit, false)]);
    }
    case 'deep-nesting':
      return insertBeforePixels(seed, nestedSequences(pick(rng, [30, 200, 2000, 20000]), explicit, rng() < 0.5));
    case 'forbidden-undefined-length': {
      const out = Buffer.from(b);
      const candidates = seed.elements.filter((e) => e.depth === 0 && e.lengthSize === 4 && e.vr !== 'SQ' && e.tag !== 0x7fe00010 && e.tag >>> 16 !== 0xfffe && e.tag >>> 16 !== 0x0002);
      if (candidates.length === 0) {
        // An explicit short-length element turned into UT with an undefined length.
        const short = seed.elements.filter((e) => e.depth === 0 && e.lengthSize === 2);
        if (short.length === 0) return applyOne(rng, seed, 'corrupt-length', assets);
        const e = pick(rng, short);
        const header = Buffer.alloc(12);
        header.writeUInt16LE(e.tag >>> 16, 0);
        header.writeUInt16LE(e.tag & 0xffff, 2);
        header.write(pick(rng, ['UT', 'UC', 'OB', 'OD']), 4, 'latin1');
        header.writeUInt32LE(UNDEFINED, 8);
        return Buffer.concat([b.subarray(0, e.offset), header, b.subarray(e.valueOffset)]);
      }
      setLength(out, pick(rng, candidates), UNDEFINED);
      return out;
    }
    case 'corrupt-pixels': {
      // Damage inside the pixel data only: codec input (JPEG 2000 codestreams, RLE, raw samples).
      if (seed.pixelDataOffset === null) return applyOne(rng, seed, 'bit-flips', assets);
      const out = Buffer.from(b);
      const start = seed.pixelDataOffset + 12;
      const r = rng();
      if (r < 0.4) {
        const n = int(rng, 1, 64);
        for (let i = 0; i < n; i++) out[int(rng, start, out.length - 1)] = int(rng, 0, 255);
      } else if (r < 0.7) {
        const at = int(rng, start, out.length - 1);
        out.fill(pick(rng, [0, 0xff]), at, Math.min(out.length, at + int(rng, 16, 4096)));
      } else {
        // Overwrite the first bytes of the first fragment (the codestream header).
        const at = start + int(rng, 8, 64);
        for (let i = 0; i < 32 && at + i < out.length; i++) out[at + i] = int(rng, 0, 255);
      }
      return out;
    }
    case 'new-uids':
      // An intact copy under a fresh SOP Instance UID: the control that must import.
      return freshUids(rng, seed, b);
  }
}

/** A fresh SOP Instance UID of the same length (its last digits redrawn), so the mutant is imported as a new instance. */
function freshUids(rng: Rng, seed: ParsedSeed, bytes: Buffer): Buffer {
  const e = topLevel(seed, 0x00080018);
  if (!e || e.length < 4 || e.valueOffset + e.length > bytes.length) return bytes;
  const out = Buffer.from(bytes);
  const value = out.toString('latin1', e.valueOffset, e.valueOffset + e.length).replace(/\0$/, '');
  const keep = Math.max(2, value.length - 8);
  let tail = '';
  for (let i = keep; i < value.length; i++) tail += String(int(rng, 1, 9));
  out.write(value.slice(0, keep) + tail, e.valueOffset, 'latin1');
  return out;
}

export interface MutantSpec {
  bytes: Buffer;
  mutations: Mutation[];
}

/** One mutant of `seed`: one mutation, sometimes two, and a third of the time a fresh SOP Instance UID first. */
export function mutate(rng: Rng, seed: ParsedSeed, assets: MutationAssets): MutantSpec {
  const mutations: Mutation[] = [];
  let current = seed;
  if (rng() < 0.35) {
    current = walkSeed(freshUids(rng, seed, seed.bytes)) ?? seed;
    mutations.push('new-uids');
  }
  const first = drawMutation(rng);
  let bytes = applyOne(rng, current, first, assets);
  mutations.push(first);
  if (rng() < 0.2 && first !== 'deflate-bomb') {
    const again = walkSeed(bytes);
    if (again) {
      const second = drawMutation(rng);
      if (second !== 'deflate-bomb') {
        bytes = applyOne(rng, again, second, assets);
        mutations.push(second);
      }
    }
  }
  return { bytes, mutations };
}
