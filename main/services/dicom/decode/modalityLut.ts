// Stored pixel values → Hounsfield units through the modality LUT
// (DICOM PS3.3 C.11.1: HU = stored value × Rescale Slope + Rescale Intercept).
//
// Masking to Bits Stored, sign extension, rescale, rounding and clamping to
// Int16 are folded into one lookup table indexed by the stored bits, so the
// per-pixel loop is a single load and store. For 16-bit data the table has
// 65,536 entries, a quarter of a 512×512 frame, and it is cached by rescale so
// a series that shares one rescale builds it once.

export interface RescaleValues {
  slope: number;
  intercept: number;
}

export interface StoredValueLayout {
  /** Bits Stored; the table covers 2^bitsStored codes. */
  bitsStored: number;
  /** Pixel Representation 1: stored values are two's complement. */
  signed: boolean;
  /** Right shift that brings the stored bits down to bit 0 (High Bit + 1 − Bits Stored for native data). */
  shiftBits: number;
}

const INT16_MIN = -32768;
const INT16_MAX = 32767;
const MAX_CACHED_TABLES = 8;
const tableCache = new Map<string, Int16Array>();

/** Lookup table from stored bits (already shifted and masked) to HU. */
export function huLookupTable(bitsStored: number, signed: boolean, rescale: RescaleValues): Int16Array {
  const key = `${bitsStored}|${signed ? 1 : 0}|${rescale.slope}|${rescale.intercept}`;
  const cached = tableCache.get(key);
  if (cached) return cached;

  const size = 2 ** bitsStored;
  const half = size / 2;
  const table = new Int16Array(size);
  const { slope, intercept } = rescale;
  for (let code = 0; code < size; code++) {
    const stored = signed && code >= half ? code - size : code;
    const hu = Math.round(stored * slope + intercept);
    table[code] = hu < INT16_MIN ? INT16_MIN : hu > INT16_MAX ? INT16_MAX : hu;
  }
  if (tableCache.size >= MAX_CACHED_TABLES) {
    const oldest = tableCache.keys().next().value;
    if (oldest !== undefined) tableCache.delete(oldest);
  }
  tableCache.set(key, table);
  return table;
}

/** Converts one frame of stored samples (any container width) to HU. */
export function storedToHu(
  samples: Uint8Array | Uint16Array,
  layout: StoredValueLayout,
  rescale: RescaleValues,
): Int16Array {
  const table = huLookupTable(layout.bitsStored, layout.signed, rescale);
  const count = samples.length;
  const hu = new Int16Array(count);
  const mask = table.length - 1;
  const shift = layout.shiftBits;
  const containerMask = samples instanceof Uint16Array ? 0xffff : 0xff;
  if (shift === 0 && mask === containerMask) {
    for (let i = 0; i < count; i++) hu[i] = table[samples[i]];
  } else {
    for (let i = 0; i < count; i++) hu[i] = table[(samples[i] >> shift) & mask];
  }
  return hu;
}
