/**
 * Reading TID 1500 Imaging Measurement Reports (PS3.16) written by Longitude and by others
 * (highdicom, dcmqi, OHIF) with dcmjs: the observers, and per measurement group its Tracking
 * Identifier and Tracking UID (the lesion's identity across exams), finding and finding site,
 * time point, the numeric measurements with their units and method, the image coordinates they
 * were made on, and the SEG segment a volumetric group refers to. Writers differ in details
 * (Finding Site under CONTAINS or HAS CONCEPT MOD, the SCOORD as a child of a NUM or beside it):
 * both are read.
 */
import dcmjs from 'dcmjs';

const { DicomMessage, DicomMetaDictionary } = dcmjs.data as unknown as {
  DicomMessage: { readFile(buffer: ArrayBuffer, options?: unknown): { dict: unknown } };
  DicomMetaDictionary: { naturalizeDataset(dict: unknown): Record<string, unknown> };
};

export interface SrCode {
  value: string;
  scheme: string;
  meaning: string;
}

export interface SrNumeric {
  concept: SrCode;
  value: number;
  unit: SrCode | null;
  method: SrCode | null;
  derivation: SrCode | null;
  /** Pixel coordinates on an image ((column, row) pairs) the value was measured along, if given. */
  graphic: { type: string; points: number[]; image: SrImageRef | null } | null;
}

export interface SrImageRef {
  sopClassUid: string;
  sopInstanceUid: string;
  frameNumber: number | null;
  segmentNumber: number | null;
}

export interface SrMeasurementGroup {
  trackingId: string | null;
  trackingUid: string | null;
  finding: SrCode | null;
  /** e.g. SCT 49755003 Morphologically abnormal structure, or 91723000 Anatomical structure. */
  findingCategory: SrCode | null;
  findingSite: SrCode | null;
  timePoint: string | null;
  method: SrCode | null;
  /** The region the group measures (TID 1410): e.g. a RECIST long axis polyline. */
  region: { type: string; points: number[]; image: SrImageRef | null } | null;
  referencedSegment: SrImageRef | null;
  measurements: SrNumeric[];
  /** TEXT items of the group by concept value (private concepts such as Longitude's RECIST role). */
  texts: Record<string, string>;
}

export interface SrDocument {
  file: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patientId: string;
  templateId: string | null;
  /** The document title (the root concept), e.g. "Imaging Measurement Report". */
  title: string;
  seriesDescription: string;
  /** Content Date and Time as stored (YYYYMMDD, HHMMSS…), or null. */
  contentDate: string | null;
  contentTime: string | null;
  completionFlag: string | null;
  verificationFlag: string | null;
  personObservers: string[];
  deviceObservers: string[];
  groups: SrMeasurementGroup[];
}

export class SrReadError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

type Item = Record<string, unknown>;

const seq = (v: unknown): Item[] => (Array.isArray(v) ? (v as Item[]) : v && typeof v === 'object' ? [v as Item] : []);
const str = (v: unknown): string => (Array.isArray(v) ? String(v[0] ?? '') : v === undefined || v === null ? '' : String(v));
function codeOf(v: unknown): SrCode | null {
  const c = seq(v)[0];
  if (!c) return null;
  return { value: str(c.CodeValue ?? c.LongCodeValue ?? c.URNCodeValue), scheme: str(c.CodingSchemeDesignator), meaning: str(c.CodeMeaning) };
}
const conceptOf = (item: Item): SrCode | null => codeOf(item.ConceptNameCodeSequence);
/** Whether an item's concept name is (value, scheme); SRT and SCT codes of the same concept differ, so both are given where it matters. */
const is = (item: Item, ...codes: [string, string][]): boolean => {
  const c = conceptOf(item);
  return !!c && codes.some(([v, s]) => c.value === v && c.scheme === s);
};
function personName(v: unknown): string {
  const p = Array.isArray(v) ? v[0] : v;
  if (p && typeof p === 'object' && 'Alphabetic' in (p as Record<string, unknown>)) return String((p as { Alphabetic: string }).Alphabetic);
  return str(p);
}
function imageRef(item: Item | undefined): SrImageRef | null {
  const r = item ? seq(item.ReferencedSOPSequence)[0] : undefined;
  if (!r) return null;
  const frame = r.ReferencedFrameNumber;
  const segment = r.ReferencedSegmentNumber;
  return {
    sopClassUid: str(r.ReferencedSOPClassUID),
    sopInstanceUid: str(r.ReferencedSOPInstanceUID),
    frameNumber: frame === undefined ? null : Number(Array.isArray(frame) ? frame[0] : frame),
    segmentNumber: segment === undefined ? null : Number(Array.isArray(segment) ? segment[0] : segment),
  };
}
function graphicOf(item: Item): { type: string; points: number[]; image: SrImageRef | null } {
  const data = item.GraphicData;
  const points = (Array.isArray(data) ? data : [data]).map(Number);
  return { type: str(item.GraphicType), points, image: imageRef(seq(item.ContentSequence).find((c) => c.ValueType === 'IMAGE')) };
}

function readNumeric(item: Item): SrNumeric | null {
  const mv = seq(item.MeasuredValueSequence)[0];
  const concept = conceptOf(item);
  if (!mv || !concept) return null;
  const value = Number(str(mv.NumericValue));
  if (!Number.isFinite(value)) return null;
  const children = seq(item.ContentSequence);
  const mod = (v: string, s: string) => codeOf(children.find((c) => c.ValueType === 'CODE' && is(c, [v, s]))?.ConceptCodeSequence);
  const scoord = children.find((c) => c.ValueType === 'SCOORD');
  return {
    concept,
    value,
    unit: codeOf(mv.MeasurementUnitsCodeSequence),
    method: mod('370129005', 'SCT') ?? mod('G-C036', 'SRT'),
    derivation: mod('121401', 'DCM'),
    graphic: scoord ? graphicOf(scoord) : null,
  };
}

function readGroup(g: Item): SrMeasurementGroup {
  const items = seq(g.ContentSequence);
  const text = (v: string, s: string) => {
    const i = items.find((c) => is(c, [v, s]));
    return i ? str(i.TextValue ?? i.UID) : null;
  };
  const codeItem = (...codes: [string, string][]) => codeOf(items.find((c) => c.ValueType === 'CODE' && is(c, ...codes))?.ConceptCodeSequence);
  const region = items.find((c) => c.ValueType === 'SCOORD' && c.RelationshipType === 'CONTAINS');
  const segmentItem = items.find((c) => c.ValueType === 'IMAGE' && is(c, ['121191', 'DCM']));
  return {
    trackingId: text('112039', 'DCM'),
    trackingUid: text('112040', 'DCM'),
    finding: codeItem(['121071', 'DCM']),
    findingCategory: codeItem(['276214006', 'SCT']),
    findingSite: codeItem(['363698007', 'SCT'], ['G-C0E3', 'SRT']),
    timePoint: text('C2348792', 'UMLS'),
    method: codeItem(['370129005', 'SCT'], ['G-C036', 'SRT']),
    region: region ? graphicOf(region) : null,
    referencedSegment: imageRef(segmentItem),
    measurements: items.filter((c) => c.ValueType === 'NUM').map(readNumeric).filter((n): n is SrNumeric => n !== null),
    texts: Object.fromEntries(items.filter((c) => c.ValueType === 'TEXT' && conceptOf(c)).map((c) => [conceptOf(c)!.value, str(c.TextValue)])),
  };
}

/** Measurement groups anywhere under the report (writers nest them under Imaging Measurements, or deeper). */
function collectGroups(items: Item[], out: Item[]): Item[] {
  for (const c of items) {
    if (c.ValueType !== 'CONTAINER') continue;
    if (is(c, ['125007', 'DCM'])) out.push(c);
    else collectGroups(seq(c.ContentSequence), out);
  }
  return out;
}

export function parseSr(bytes: Uint8Array, file: string): SrDocument {
  let ds: Record<string, unknown>;
  try {
    const message = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    ds = DicomMetaDictionary.naturalizeDataset(message.dict);
  } catch (e) {
    throw new SrReadError(file, `not a readable DICOM file (${e instanceof Error ? e.message : String(e)})`);
  }
  if (str(ds.Modality) !== 'SR' && str(ds.ValueType) !== 'CONTAINER') throw new SrReadError(file, `not a structured report (Modality ${str(ds.Modality) || 'missing'})`);
  const root = conceptOf(ds);
  if (!root || root.value !== '126000') throw new SrReadError(file, `not a TID 1500 Imaging Measurement Report (the root is ${root ? `${root.value} "${root.meaning}"` : 'unnamed'})`);
  const top = seq(ds.ContentSequence);
  // PNAME by the standard; some writers (highdicom's example) put the name in a TEXT item.
  const persons = top.filter((c) => is(c, ['121008', 'DCM'])).map((c) => (c.ValueType === 'PNAME' ? personName(c.PersonName) : str(c.TextValue)));
  const devices = top.filter((c) => is(c, ['121013', 'DCM']) || is(c, ['121012', 'DCM'])).map((c) => str(c.TextValue ?? c.UID));
  return {
    file,
    sopClassUid: str(ds.SOPClassUID),
    sopInstanceUid: str(ds.SOPInstanceUID),
    studyInstanceUid: str(ds.StudyInstanceUID),
    seriesInstanceUid: str(ds.SeriesInstanceUID),
    patientId: str(ds.PatientID),
    templateId: str(seq(ds.ContentTemplateSequence)[0]?.TemplateIdentifier) || null,
    title: root.meaning,
    seriesDescription: str(ds.SeriesDescription),
    contentDate: str(ds.ContentDate) || null,
    contentTime: str(ds.ContentTime) || null,
    completionFlag: str(ds.CompletionFlag) || null,
    verificationFlag: str(ds.VerificationFlag) || null,
    personObservers: persons,
    deviceObservers: devices,
    groups: collectGroups(top, []).map(readGroup),
  };
}
