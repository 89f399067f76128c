/**
 * Is a file with the SOP Instance UID of a stored instance, but other bytes, the same image
 * in another encoding? Compares the identity and image header first (cheap), then the
 * decoded pixels (Int16 HU, the values the viewer shows): lossless encodings give identical
 * pixels; a lossy one is accepted as the same image only when its 8×8 block means stay
 * within its quantisation step of the other's, which a neighbouring slice or an edited
 * image does not. Runs in a worker thread (compareSameSop); the rest is pure.
 */
import { readFileSync } from 'node:fs';
import { parsePart10, readString } from '../dicom/decode/dicomParse';
import { TransferSyntax, transferSyntaxName } from '../dicom/decode/transferSyntaxes';
import { DicomReadError, readDicomHeader, type DicomHeader } from '../dicom/header';

/** Transfer syntaxes whose encoders may change pixel values (PS3.5 8.2). */
const LOSSY_SYNTAXES = new Set<string>([TransferSyntax.jpegBaseline, TransferSyntax.jpegExtended, TransferSyntax.jpegLsNearLossless, TransferSyntax.jpeg2000]);

/** Lossy Image Compression (0028,2110): "01" once an image has been through lossy compression, whatever its encoding now. */
const LOSSY_IMAGE_COMPRESSION = 0x00282110;

export interface CompareFile {
  path: string;
  label: string;
}

/** What the importer needs to know of one file of the pair. */
export interface ComparedSide {
  transferSyntaxUid: string;
  /** Lossy transfer syntax, or Lossy Image Compression "01". */
  lossy: boolean;
}

export type SameSopVerdict =
  | { kind: 'same-pixels'; stored: ComparedSide; incoming: ComparedSide }
  | {
      kind: 'lossy';
      stored: ComparedSide;
      incoming: ComparedSide;
      /** Largest difference of one pixel, and of the mean of an 8×8 block, in HU. */
      maxDiffHu: number;
      maxBlockDiffHu: number;
    }
  | { kind: 'different'; stored?: ComparedSide; incoming?: ComparedSide; what: string };

const near = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol;
const fmt = (v: readonly number[]) => v.map((x) => +x.toFixed(4)).join('\\');

/**
 * Why two headers cannot belong to the same image, or [] when they can. Bits are compared
 * only between lossless encodings: a lossy encoder may need fewer (JPEG baseline is 8-bit).
 */
export function headerDifferences(stored: DicomHeader, incoming: DicomHeader, opts: { lossy: boolean }): string[] {
  const out: string[] = [];
  const same = (name: string, a: string | number, b: string | number) => {
    if (a !== b) out.push(`${name} ${a === '' ? '(empty)' : a} vs ${b === '' ? '(empty)' : b}`);
  };
  same('SOP Class UID', incoming.sopClassUid, stored.sopClassUid);
  same('Study Instance UID', incoming.studyInstanceUid, stored.studyInstanceUid);
  same('Series Instance UID', incoming.seriesInstanceUid, stored.seriesInstanceUid);
  same('Frame of Reference UID', incoming.frameOfReferenceUid, stored.frameOfReferenceUid);
  same('Patient ID', incoming.patientId, stored.patientId);
  same('Rows×Columns', `${incoming.rows}×${incoming.columns}`, `${stored.rows}×${stored.columns}`);
  same('Number of Frames', incoming.numberOfFrames, stored.numberOfFrames);
  if (!opts.lossy) {
    same('Bits Allocated', incoming.bitsAllocated, stored.bitsAllocated);
    same('Bits Stored', incoming.bitsStored, stored.bitsStored);
  }
  same('pixel data', incoming.hasPixelData ? 'present' : 'absent', stored.hasPixelData ? 'present' : 'absent');
  if (incoming.frames.length !== stored.frames.length) {
    out.push(`image planes: ${incoming.frames.length} vs ${stored.frames.length}`);
    return out;
  }
  const frameName = (i: number) => (incoming.frames.length > 1 ? ` (frame ${i + 1})` : '');
  for (let i = 0; i < incoming.frames.length; i++) {
    const a = incoming.frames[i];
    const b = stored.frames[i];
    if (!a.positionMm.every((v, k) => near(v, b.positionMm[k], 1e-3))) out.push(`Image Position (Patient)${frameName(i)} ${fmt(a.positionMm)} vs ${fmt(b.positionMm)}`);
    if (!a.orientation.every((v, k) => near(v, b.orientation[k], 1e-5))) out.push(`Image Orientation (Patient)${frameName(i)} ${fmt(a.orientation)} vs ${fmt(b.orientation)}`);
    if (!a.pixelSpacingMm.every((v, k) => near(v, b.pixelSpacingMm[k], 1e-5))) out.push(`Pixel Spacing${frameName(i)} ${fmt(a.pixelSpacingMm)} vs ${fmt(b.pixelSpacingMm)}`);
    if (out.length > 4) break; // enough to say why
  }
  return out;
}

export interface PixelComparison {
  /** Pixels whose values differ, of all pixels. */
  differing: number;
  total: number;
  maxDiffHu: number;
  /** Largest difference between the means of co-located 8×8 blocks (edge blocks smaller). */
  maxBlockDiffHu: number;
}

/** Compare decoded frames of the same size, pixel by pixel and by 8×8 block means. */
export function comparePixels(a: readonly Int16Array[], b: readonly Int16Array[], rows: number, columns: number): PixelComparison {
  const B = 8;
  let differing = 0;
  let maxDiffHu = 0;
  let maxBlockDiffHu = 0;
  let total = 0;
  for (let f = 0; f < a.length; f++) {
    const x = a[f];
    const y = b[f];
    total += x.length;
    for (let by = 0; by < rows; by += B) {
      const yEnd = Math.min(rows, by + B);
      for (let bx = 0; bx < columns; bx += B) {
        const xEnd = Math.min(columns, bx + B);
        let sum = 0;
        for (let r = by; r < yEnd; r++) {
          for (let c = bx, i = r * columns + bx; c < xEnd; c++, i++) {
            const d = x[i] - y[i];
            if (d !== 0) {
              differing++;
              sum += d;
              const ad = d < 0 ? -d : d;
              if (ad > maxDiffHu) maxDiffHu = ad;
            }
          }
        }
        const blockDiff = Math.abs(sum / ((yEnd - by) * (xEnd - bx)));
        if (blockDiff > maxBlockDiffHu) maxBlockDiffHu = blockDiff;
      }
    }
  }
  return { differing, total, maxDiffHu, maxBlockDiffHu };
}

/**
 * The largest 8×8 block-mean difference a lossy re-encoding of the same image may show: two
 * quantisation steps of the coarser lossy file (its Rescale Slope, in HU; 1 for 16-bit CT)
 * plus 4 HU. Measured on the dcmqi GE CT slice: JPEG baseline (slope 32.1) ≤ 34 HU,
 * JPEG extended (slope 2.0) ≤ 2 HU; the next slice, 1 mm away, differs by up to 342 HU.
 */
export function lossyBlockTolerance(lossySlopes: readonly number[]): number {
  const step = Math.max(1, ...lossySlopes.map((s) => Math.abs(s)));
  return 2 * step + 4;
}

function maxSlope(h: DicomHeader): number {
  return Math.max(1, ...h.frames.map((f) => Math.abs(f.rescaleSlope)));
}

function readSide(file: CompareFile): { bytes: Uint8Array; header: DicomHeader; side: ComparedSide } {
  const buf = readFileSync(file.path);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const header = readDicomHeader(bytes, file.label);
  let flagged = false;
  try {
    flagged = readString(parsePart10(bytes).dataset, LOSSY_IMAGE_COMPRESSION) === '01';
  } catch {
    // The header reader accepted the file; the pixel decoder will name any problem.
  }
  return { bytes, header, side: { transferSyntaxUid: header.transferSyntaxUid, lossy: flagged || LOSSY_SYNTAXES.has(header.transferSyntaxUid) } };
}

/** Compare a stored file with an incoming one of the same SOP Instance UID. Runs in a worker thread. */
export async function compareSameSop(arg: { stored: CompareFile; incoming: CompareFile }): Promise<SameSopVerdict> {
  let stored: ReturnType<typeof readSide>;
  let incoming: ReturnType<typeof readSide>;
  try {
    stored = readSide(arg.stored);
    incoming = readSide(arg.incoming);
  } catch (err) {
    const why = err instanceof DicomReadError ? err.reason : err instanceof Error ? err.message : String(err);
    return { kind: 'different', what: `the two files could not be compared (${why})` };
  }
  const sides = { stored: stored.side, incoming: incoming.side };
  const eitherLossy = stored.side.lossy || incoming.side.lossy;
  const differences = headerDifferences(stored.header, incoming.header, { lossy: eitherLossy });
  if (differences.length) return { kind: 'different', ...sides, what: differences.join('; ') };
  if (!stored.header.hasPixelData) return { kind: 'different', ...sides, what: 'neither file holds an image, so they cannot be compared by their pixels' };

  // Loaded on first use: import-only workers never initialise the WASM codecs.
  const { decodeFile } = await import('../dicom/decode/index');
  let a: Int16Array[];
  let b: Int16Array[];
  try {
    a = (await decodeFile(stored.bytes, { fileLabel: arg.stored.label })).frames;
    b = (await decodeFile(incoming.bytes, { fileLabel: arg.incoming.label })).frames;
  } catch (err) {
    return { kind: 'different', ...sides, what: `the pixels could not be compared (${err instanceof Error ? err.message : String(err)})` };
  }
  const cmp = comparePixels(a, b, stored.header.rows, stored.header.columns);
  if (cmp.differing === 0) return { kind: 'same-pixels', ...sides };
  const pixels = `${cmp.differing} of ${cmp.total} pixels differ, by up to ${cmp.maxDiffHu} HU`;
  if (!eitherLossy) return { kind: 'different', ...sides, what: `pixel values differ (${pixels}) although both encodings are lossless` };
  const tolerance = lossyBlockTolerance([stored, incoming].filter((s) => s.side.lossy).map((s) => maxSlope(s.header)));
  if (cmp.maxBlockDiffHu > tolerance) {
    return {
      kind: 'different',
      ...sides,
      what: `pixel values differ beyond the error of lossy compression (8×8 block means differ by up to ${cmp.maxBlockDiffHu.toFixed(1)} HU, more than ${tolerance.toFixed(1)} HU; ${pixels})`,
    };
  }
  return { kind: 'lossy', ...sides, maxDiffHu: cmp.maxDiffHu, maxBlockDiffHu: cmp.maxBlockDiffHu };
}

/** Where the instance the incoming file collides with is. */
export type CollisionPlace = { where: 'library' } | { where: 'batch'; label: string };

/** The report line for a collision: a duplicate (same image in another encoding) or a conflict. */
export function collisionOutcome(sop: string, place: CollisionPlace, verdict: SameSopVerdict): { outcome: 'duplicate' | 'skipped'; reason: string } {
  const there = place.where === 'library' ? 'already in the library' : `earlier in this import (${place.label})`;
  if (verdict.kind === 'different') {
    const whom = place.where === 'library' ? 'is already in the library' : `came earlier in this import (${place.label})`;
    return { outcome: 'skipped', reason: `a different file with SOP Instance UID ${sop} ${whom}: ${verdict.what}; not imported` };
  }
  const inName = transferSyntaxName(verdict.incoming.transferSyntaxUid);
  const storedName = transferSyntaxName(verdict.stored.transferSyntaxUid);
  const kept = place.where === 'library' ? 'kept the one already stored' : 'kept the first';
  if (verdict.kind === 'same-pixels') {
    if (inName === storedName) {
      return { outcome: 'duplicate', reason: `duplicate of ${sop} ${there}, in the same encoding (${inName}) with other bytes: same image header and pixels; ${kept}` };
    }
    return { outcome: 'duplicate', reason: `duplicate of ${sop} ${there}, in another encoding (${inName} vs ${storedName}): same pixels; ${kept}` };
  }
  const by = `pixels differ by up to ${verdict.maxDiffHu} HU, 8×8 block means by up to ${verdict.maxBlockDiffHu.toFixed(1)} HU`;
  const { incoming, stored } = verdict;
  if (incoming.lossy && !stored.lossy) {
    return { outcome: 'duplicate', reason: `same instance ${sop} ${there}, lossy re-encoding (${inName} vs ${storedName}; ${by}) — kept the original` };
  }
  if (stored.lossy && !incoming.lossy) {
    return {
      outcome: 'duplicate',
      reason: `same instance ${sop} ${there}, which is a lossy re-encoding of this file (${storedName} vs ${inName}; ${by}) — ${kept}; the lossless original was not imported`,
    };
  }
  return { outcome: 'duplicate', reason: `same instance ${sop} ${there}, both lossy encodings (${inName} vs ${storedName}; ${by}) — ${kept}` };
}
