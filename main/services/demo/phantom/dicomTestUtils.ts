/**
 * Test support: read phantom files back with dcmjs, an independent parser,
 * so the tests check the writer against someone else's reading of DICOM.
 * dcmjs ships no type declarations; it is loaded through require and given
 * the small shape used here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface DcmjsElement {
  vr: string;
  Value?: unknown[];
}
interface Dcmjs {
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer): { meta: Record<string, DcmjsElement>; dict: Record<string, DcmjsElement> } };
    DicomMetaDictionary: { naturalizeDataset(dict: Record<string, DcmjsElement>): Record<string, unknown> };
  };
}

const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;

export interface ReadSlice {
  meta: Record<string, DcmjsElement>;
  /** Raw elements by tag ("00280103"), with VRs. */
  dict: Record<string, DcmjsElement>;
  /** dcmjs's naturalized dataset (keyword → value). */
  dataset: Record<string, unknown>;
  /** Pixel values with rescale applied (HU), row-major. */
  hu: Float64Array;
}

export function readSlice(path: string): ReadSlice {
  const bytes = readFileSync(path);
  const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
  const pixelData = (dataset.PixelData as ArrayBuffer[])[0];
  const signed = dataset.PixelRepresentation === 1;
  const bitsStored = dataset.BitsStored as number;
  const raw = signed ? new Int16Array(pixelData) : new Uint16Array(pixelData);
  const slope = Number(dataset.RescaleSlope);
  const intercept = Number(dataset.RescaleIntercept);
  const hu = new Float64Array(raw.length);
  const mask = 2 ** bitsStored - 1;
  for (let i = 0; i < raw.length; i++) {
    // Only the low BitsStored bits carry the value (PS3.5 8.1.1); sign-extend for signed data.
    let v = raw[i] & mask;
    if (signed && v >= 2 ** (bitsStored - 1)) v -= 2 ** bitsStored;
    hu[i] = v * slope + intercept;
  }
  return { meta: message.meta, dict: message.dict, dataset, hu };
}
