// Test support: small DICOM SEG files built in code (Explicit VR Little Endian), for
// the cases real data does not cover: frames whose bits straddle bytes, missing
// functional groups, wrong orientation, frames off the grid.
import { writePart10, type DatasetSpec, type ElementSpec } from './dicomWriter';
import { SEGMENTATION_STORAGE } from '../services/dicom/seg/readSeg';
import { packBinaryFrames } from '../../core/dicom/segEncoding';

export interface TestSegFrame {
  segmentNumber: number;
  positionMm: [number, number, number];
  /** rows × columns values: 0/1 for BINARY, 0…max for FRACTIONAL. */
  pixels: ArrayLike<number>;
  orientation?: number[];
}

export interface TestSegSpec {
  rows: number;
  columns: number;
  type?: 'BINARY' | 'FRACTIONAL';
  maxFractionalValue?: number;
  pixelSpacingMm?: [number, number];
  orientation?: number[];
  frameOfReferenceUid?: string;
  segments?: { number: number; label: string }[];
  frames: TestSegFrame[];
  /** Leave out the Per-Frame Functional Groups Sequence. */
  omitPerFrame?: boolean;
  sopClassUid?: string;
  /** Pixel Data bytes to write instead of the packed frames (e.g. a truncated copy). */
  pixelDataOverride?: Uint8Array;
}

const ds = (values: number[]) => values.map((v) => String(v)).join('\\');
const seq = (tag: number, itemsList: DatasetSpec[]): ElementSpec => ({ tag, vr: 'SQ', value: itemsList });
const codeItem = (value: string, scheme: string, meaning: string): DatasetSpec => [
  { tag: 0x00080100, vr: 'SH', value },
  { tag: 0x00080102, vr: 'SH', value: scheme },
  { tag: 0x00080104, vr: 'LO', value: meaning },
];

/** BINARY pixels packed one bit per pixel, least significant bit first, frames back to back (PS3.5 8.1.1). */
export const packBits = packBinaryFrames;

export function buildSeg(spec: TestSegSpec): Uint8Array {
  return buildSegBytes(spec, '1.2.840.10008.1.2.1');
}

/** The Part 10 bytes with `transferSyntaxUid` in the meta header; the data set is always written in Explicit VR LE. */
export function buildSegBytes(spec: TestSegSpec, transferSyntaxUid: string): Uint8Array {
  const type = spec.type ?? 'BINARY';
  const segments = spec.segments ?? [{ number: 1, label: 'Lesion' }];
  const pixelData = spec.pixelDataOverride ??
    (type === 'BINARY' ? packBits(spec.frames.map((f) => f.pixels)) : Uint8Array.from(spec.frames.flatMap((f) => Array.from(f.pixels))));
  const dataset: DatasetSpec = [
    { tag: 0x00080016, vr: 'UI', value: spec.sopClassUid ?? SEGMENTATION_STORAGE },
    { tag: 0x00080018, vr: 'UI', value: '1.2.826.0.1.3680043.10.9.1' },
    { tag: 0x00080060, vr: 'CS', value: 'SEG' },
    { tag: 0x0020000d, vr: 'UI', value: '1.2.826.0.1.3680043.10.9.2' },
    { tag: 0x0020000e, vr: 'UI', value: '1.2.826.0.1.3680043.10.9.3' },
    { tag: 0x00200052, vr: 'UI', value: spec.frameOfReferenceUid ?? '1.2.826.0.1.3680043.10.9.4' },
    { tag: 0x00280002, vr: 'US', value: [1] },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280008, vr: 'IS', value: String(spec.frames.length) },
    { tag: 0x00280010, vr: 'US', value: [spec.rows] },
    { tag: 0x00280011, vr: 'US', value: [spec.columns] },
    { tag: 0x00280100, vr: 'US', value: [type === 'BINARY' ? 1 : 8] },
    { tag: 0x00280101, vr: 'US', value: [type === 'BINARY' ? 1 : 8] },
    { tag: 0x00280102, vr: 'US', value: [type === 'BINARY' ? 0 : 7] },
    { tag: 0x00280103, vr: 'US', value: [0] },
    { tag: 0x00620001, vr: 'CS', value: type },
    seq(
      0x00620002,
      segments.map((s) => [
        { tag: 0x00620004, vr: 'US', value: [s.number] },
        { tag: 0x00620005, vr: 'LO', value: s.label },
        { tag: 0x00620008, vr: 'CS', value: 'MANUAL' },
        seq(0x00620003, [codeItem('49755003', 'SCT', 'Morphologically Altered Structure')]),
        seq(0x0062000f, [codeItem('4147007', 'SCT', 'Mass')]),
      ]),
    ),
    seq(0x52009229, [
      [
        seq(0x00209116, [[{ tag: 0x00200037, vr: 'DS', value: ds(spec.orientation ?? [1, 0, 0, 0, 1, 0]) }]]),
        seq(0x00289110, [[{ tag: 0x00280030, vr: 'DS', value: ds(spec.pixelSpacingMm ?? [1, 1]) }, { tag: 0x00180050, vr: 'DS', value: '1' }]]),
      ],
    ]),
    { tag: 0x7fe00010, vr: 'OB', value: pixelData },
  ];
  if (type === 'FRACTIONAL') {
    dataset.push({ tag: 0x00620010, vr: 'CS', value: 'PROBABILITY' }, { tag: 0x0062000e, vr: 'US', value: [spec.maxFractionalValue ?? 255] });
  }
  if (!spec.omitPerFrame) {
    dataset.push(
      seq(
        0x52009230,
        spec.frames.map((f) => {
          const item: DatasetSpec = [
            seq(0x00209113, [[{ tag: 0x00200032, vr: 'DS', value: ds(f.positionMm) }]]),
            seq(0x0062000a, [[{ tag: 0x0062000b, vr: 'US', value: [f.segmentNumber] }]]),
          ];
          if (f.orientation) item.push(seq(0x00209116, [[{ tag: 0x00200037, vr: 'DS', value: ds(f.orientation) }]]));
          return item;
        }),
      ),
    );
  }
  return writePart10(dataset, transferSyntaxUid);
}
