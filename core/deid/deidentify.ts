/**
 * De-identification of one DICOM dataset per PS3.15 Annex E: the Basic Application Level
 * Confidentiality Profile (Table E.1-1, tableE11.generated.ts) with the options of DeidOptions.
 * Pure: a dcmjs denaturalized dataset in, a new one out (the input is not modified), every
 * patient-specific choice (pseudonym, date offset, UID mapping) made by the caller's
 * PatientPseudonym, so the same patient gets the same answers in every export.
 *
 * Beyond the table's rows, each for a reason given where it is done: UI attributes it does not
 * list are remapped unless they name a class or syntax; DA/DT attributes it does not list are
 * shifted (or dummied); SR Text Value and presentation-state text are cleaned; an overlay group
 * goes whole with its Overlay Data; group lengths and the meta's AE titles and private
 * information go; D on a sequence of codes puts one dummy code in their place.
 */
import { cleanPersonName, makeCleaner } from './clean';
import { shiftDA, shiftDT } from './dates';
import { SAFE_PRIVATE_ATTRIBUTES, safePrivateTags } from './safePrivate';
import { actionFor, isPrivateTag, ruleForTag, tableVr, type DeidAction, type DeidRule } from './table';
import type { DeidInput, DeidOptions, DeidResult, DicomDict, DicomElement, PatientPseudonym, SafePrivateAttribute } from './types';

type Counts = DeidResult['counts'];

const PATIENT_NAME = '00100010';
const PATIENT_ID = '00100020';

/**
 * The D action's values (PS3.15 E.1.1: "replace with a non-zero length value that may be a dummy
 * value and consistent with the VR"), one fixed value per VR so nothing about the original
 * survives, not even its length. The date is an ordinary, plainly artificial day rather than
 * 19000101, which software takes for "unknown" or turns into 124-year intervals; with the
 * Modified Dates option dates are shifted instead (action C), never dummied.
 */
export const DUMMY = {
  /** AE, CS, LO, LT, SH, ST, UC, UR, UT and PN: upper case and 10 characters, valid for every text VR (CS and AE allow 16). */
  text: 'ANONYMIZED',
  DA: '20000101',
  DT: '20000101000000',
  TM: '000000',
  AS: '000Y',
  number: 0,
  /** OB, OW, UN, …: two zero bytes (an even length, PS3.5 7.1.1). */
  binaryBytes: 2,
  /** A code item standing in for an identifying code (Institution Code Sequence, Person Identification Code Sequence): a local scheme ("99…", PS3.3 8.2). */
  code: { value: 'ANONYMIZED', scheme: '99LONGITUDE', meaning: 'Anonymized' },
} as const;

const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'LO', 'LT', 'SH', 'ST', 'UC', 'UR', 'UT']);
const NUMERIC_VRS = new Set(['DS', 'IS', 'FL', 'FD', 'SL', 'SS', 'UL', 'US', 'SV', 'UV']);

/**
 * UID-valued attributes the table does not list that name a class, a syntax, a coding scheme or
 * another well-known thing, never an instance: kept (replacing them would break the object, and
 * they identify no one). Every other UI attribute the table does not list is remapped like a U
 * row, so an instance UID the 2023 table does not name yet (SOP Instance UID of Concatenation
 * Source, Multi-frame Source SOP Instance UID, …) cannot survive.
 */
const CLASS_UID_TAGS = new Set([
  '00000002', // Affected SOP Class UID
  '00000003', // Requested SOP Class UID
  '00020002', // Media Storage SOP Class UID
  '00020010', // Transfer Syntax UID
  '00020012', // Implementation Class UID
  '00041510', // Referenced SOP Class UID in File
  '00041512', // Referenced Transfer Syntax UID in File
  '0004151A', // Referenced Related General SOP Class UID in File
  '00080016', // SOP Class UID
  '0008001A', // Related General SOP Class UID
  '0008001B', // Original Specialized SOP Class UID
  '00080062', // SOP Classes in Study
  '0008010C', // Coding Scheme UID
  '00080117', // Context UID
  '00080118', // Mapping Resource UID
  '0008040E', // Stored Instance Transfer Syntax UID
  '00081150', // Referenced SOP Class UID
  '0008115A', // SOP Classes Supported
  '00083002', // Available Transfer Syntax UID
  '00089123', // Creator-Version UID
  '00340003', // Flow Transfer Syntax UID
  '04000010', // MAC Calculation Transfer Syntax UID
  '04000510', // Encrypted Content Transfer Syntax UID
  '3010001F', // Segmentation Template UID
  '30100052', // Pertinent SOP Classes in Study
  '30100053', // Pertinent SOP Classes in Series
]);

/** UIDs registered by DICOM (SOP classes, well-known frames of reference, coding schemes): kept wherever they occur. */
const WELL_KNOWN_UID_ROOT = '1.2.840.10008.';

/**
 * Free text inside sequence items that the table does not list (it lists the sequences: Content
 * Sequence D, Graphic Annotation Sequence D): cleaned of the patient's identifying values, since
 * a dummy would destroy the report's text and keeping it verbatim could keep a name.
 */
const FREE_TEXT_IN_ITEMS = new Set([
  '0040A160', // Text Value (SR TEXT content items)
  '00700006', // Unformatted Text Value (presentation state text objects)
]);

/** File Meta attributes naming the sending systems and private meta data: removed (PS3.10 7.1; not in Table E.1-1). */
const META_REMOVED = new Set([
  '00020016', // Source Application Entity Title
  '00020017', // Sending Application Entity Title
  '00020018', // Receiving Application Entity Title
  '00020100', // Private Information Creator UID
  '00020102', // Private Information
]);

const SECONDARY_CAPTURE = new Set([
  '1.2.840.10008.5.1.4.1.1.7', // Secondary Capture Image
  '1.2.840.10008.5.1.4.1.1.7.1', // Multi-frame Single Bit SC
  '1.2.840.10008.5.1.4.1.1.7.2', // Multi-frame Grayscale Byte SC
  '1.2.840.10008.5.1.4.1.1.7.3', // Multi-frame Grayscale Word SC
  '1.2.840.10008.5.1.4.1.1.7.4', // Multi-frame True Color SC
]);

/** Documents and videos: their content (a PDF's text, a video's frames) may carry identity the profile cannot clean. */
const DOCUMENT_OR_VIDEO: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF',
  '1.2.840.10008.5.1.4.1.1.104.2': 'Encapsulated CDA',
  '1.2.840.10008.5.1.4.1.1.104.3': 'Encapsulated STL',
  '1.2.840.10008.5.1.4.1.1.104.4': 'Encapsulated OBJ',
  '1.2.840.10008.5.1.4.1.1.104.5': 'Encapsulated MTL',
  '1.2.840.10008.5.1.4.1.1.77.1.1.1': 'Video Endoscopic Image',
  '1.2.840.10008.5.1.4.1.1.77.1.2.1': 'Video Microscopic Image',
  '1.2.840.10008.5.1.4.1.1.77.1.4.1': 'Video Photographic Image',
};

/** CID 7050 De-identification Method (PS3.16), scheme DCM. */
export const DEID_METHOD_CODES = {
  basic: { value: '113100', meaning: 'Basic Application Confidentiality Profile' },
  cleanDescriptors: { value: '113105', meaning: 'Clean Descriptors Option' },
  retainLongitudinalModifiedDates: { value: '113107', meaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
  retainPatientCharacteristics: { value: '113108', meaning: 'Retain Patient Characteristics Option' },
  retainDeviceIdentity: { value: '113109', meaning: 'Retain Device Identity Option' },
  retainSafePrivate: { value: '113111', meaning: 'Retain Safe Private Option' },
} as const;

/** The CID 7050 codes recorded for these options: 113100, then one per option used, in code order. */
export function methodCodes(options: DeidOptions): { value: string; meaning: string }[] {
  const codes: { value: string; meaning: string }[] = [DEID_METHOD_CODES.basic];
  for (const option of ['cleanDescriptors', 'retainLongitudinalModifiedDates', 'retainPatientCharacteristics', 'retainDeviceIdentity', 'retainSafePrivate'] as const) {
    if (options[option]) codes.push(DEID_METHOD_CODES[option]);
  }
  return codes;
}

interface Context {
  options: DeidOptions;
  pseudonym: PatientPseudonym;
  clean: (text: string) => string;
  safePrivate: readonly SafePrivateAttribute[];
  counts: Counts;
}

/** Why this dataset must not be exported by the profile (pixels or content that may carry identity), or null. */
export function exclusionReason(dataset: DicomDict, meta?: DicomDict): string | null {
  const first = (ds: DicomDict | undefined, tag: string) => {
    const v = ds?.[tag]?.Value?.[0];
    return typeof v === 'string' ? v.trim() : undefined;
  };
  if (first(dataset, '00280301')?.toUpperCase() === 'YES') {
    return 'Burned In Annotation (0028,0301) is YES: the pixels carry text that may identify the patient';
  }
  const sopClass = first(dataset, '00080016') ?? first(meta, '00020002');
  if (sopClass && SECONDARY_CAPTURE.has(sopClass)) {
    return `a Secondary Capture (${sopClass}): screenshots and scanned documents often show identifying text in the pixels`;
  }
  if (sopClass && DOCUMENT_OR_VIDEO[sopClass]) {
    return `an ${DOCUMENT_OR_VIDEO[sopClass]} (${sopClass}): its document or video content may identify the patient`;
  }
  if (first(dataset, '00080060')?.toUpperCase() === 'OT') {
    return 'Modality OT: other/secondary images often carry identifying text in the pixels';
  }
  const imageType = (dataset['00080008']?.Value ?? []).filter((v): v is string => typeof v === 'string');
  if (imageType.some((v) => /SCREEN/i.test(v))) {
    return `Image Type ${imageType.join('\\')}: a screen capture may show identifying text`;
  }
  return null;
}

const zeroCounts = (): Counts => ({ D: 0, Z: 0, X: 0, K: 0, C: 0, U: 0, private: 0 });

/**
 * De-identify one dataset (and its File Meta Information). Every attribute the table lists gets
 * its action at every sequence depth; attributes it does not list are kept, except private ones
 * (removed with their creators unless listed as safe under Retain Safe Private), UIDs that are
 * not classes (remapped) and dates (shifted or dummied); Patient ID and Patient's Name become the
 * pseudonym; the de-identification attributes of PS3.15 E.1.1 and PS3.3 C.12.1 are added.
 * An excluded dataset (burned-in text, documents, videos) comes back empty, with the reason.
 */
export function deidentify(input: DeidInput): DeidResult {
  const counts = zeroCounts();
  const { options, pseudonym } = input;
  if (!options.includeBurnedIn) {
    const excluded = exclusionReason(input.dataset, input.meta);
    if (excluded) return { dataset: {}, excluded, counts };
  }
  const ctx: Context = {
    options,
    pseudonym,
    clean: makeCleaner(input.identifyingValues),
    safePrivate: input.safePrivateAttributes ?? SAFE_PRIVATE_ATTRIBUTES,
    counts,
  };
  const dataset = processDataset(input.dataset, ctx);

  // The pseudonym is the patient's identity in every export, even where the source lacked it (PS3.3 C.7.1.1: Type 2).
  dataset[PATIENT_NAME] ??= { vr: 'PN', Value: pseudonym.pseudonymName ? [{ Alphabetic: pseudonym.pseudonymName }] : [] };
  dataset[PATIENT_ID] ??= { vr: 'LO', Value: [pseudonym.pseudonymId] };
  // PS3.15 E.1.1 and PS3.3 C.12.1 (SOP Common): say that, and how, identity was removed.
  dataset['00120062'] = { vr: 'CS', Value: ['YES'] };
  const codes = methodCodes(options);
  dataset['00120063'] = {
    vr: 'LO',
    Value: ['DICOM PS3.15 Basic Application Level Confidentiality Profile', ...codes.slice(1).map((c) => c.meaning), input.software]
      .map((s) => s.replace(/\\/g, '/').slice(0, 64))
      .filter((s) => s.length > 0),
  };
  dataset['00120064'] = {
    vr: 'SQ',
    Value: codes.map((c) => ({
      '00080100': { vr: 'SH', Value: [c.value] },
      '00080102': { vr: 'SH', Value: ['DCM'] },
      '00080104': { vr: 'LO', Value: [c.meaning] },
    })),
  };
  // PS3.3 C.12.1 (SOP Common): UNMODIFIED, MODIFIED or REMOVED. Without the option every date is dummied, emptied or removed.
  dataset['00280303'] = { vr: 'CS', Value: [options.retainLongitudinalModifiedDates ? 'MODIFIED' : 'REMOVED'] };

  const meta = input.meta ? processMeta(input.meta, ctx) : undefined;
  return { dataset: sortByTag(dataset), ...(meta ? { meta: sortByTag(meta) } : {}), excluded: null, counts };
}

function sortByTag(ds: DicomDict): DicomDict {
  const out: DicomDict = {};
  for (const tag of Object.keys(ds).sort()) out[tag] = ds[tag];
  return out;
}

const isGroupLength = (tag: string) => tag.endsWith('0000');

function processMeta(meta: DicomDict, ctx: Context): DicomDict {
  const out: DicomDict = {};
  for (const [tag, el] of Object.entries(meta)) {
    const key = tag.toUpperCase();
    // (0002,0000) is stale once anything changes; writers compute it (dcmjs does).
    if (isGroupLength(key)) continue;
    if (META_REMOVED.has(key)) {
      ctx.counts.X++;
      continue;
    }
    const result = processElement(key, el, ctx);
    if (result) out[key] = result;
  }
  return out;
}

/** One dataset or sequence item, recursively. */
function processDataset(ds: DicomDict, ctx: Context): DicomDict {
  const out: DicomDict = {};
  const keptPrivate = ctx.options.retainSafePrivate ? safePrivateTags(ds, ctx.safePrivate) : new Set<string>();
  const overlayGroupsRemoved = removedOverlayGroups(ds, ctx.options);
  for (const [tag, el] of Object.entries(ds)) {
    const key = tag.toUpperCase();
    if (isPrivateTag(key)) {
      // Table E.1-1 "(gggg,eeee) where gggg is odd": X, or C (kept when known safe) under Retain Safe Private.
      if (keptPrivate.has(key)) {
        ctx.counts.C++;
        out[key] = el.vr === 'SQ' ? { ...el, Value: items(el).map((item) => processDataset(item, ctx)) } : copy(el);
      } else {
        ctx.counts.private++;
      }
      continue;
    }
    // Group lengths (retired outside group 0002, PS3.5 7.2) would be wrong once attributes go.
    if (isGroupLength(key)) continue;
    if (overlayGroupsRemoved.has(key.slice(0, 4))) {
      ctx.counts.X++;
      continue;
    }
    const result = processElement(key, el, ctx);
    if (result) out[key] = result;
  }
  return out;
}

/**
 * Overlay groups (60xx) whose Overlay Data (60xx,3000) the profile removes: removed whole, since
 * an overlay's rows, columns and origin without its bits would describe an overlay that is not
 * there (PS3.3 C.9.2: Overlay Data is Type 1).
 */
function removedOverlayGroups(ds: DicomDict, options: DeidOptions): Set<string> {
  const groups = new Set<string>();
  for (const tag of Object.keys(ds)) {
    const key = tag.toUpperCase();
    if (!/^60[0-9A-F][02468ACE]3000$/.test(key)) continue;
    const rule = ruleForTag(key);
    if (rule && actionFor(rule, options) === 'X') groups.add(key.slice(0, 4));
  }
  return groups;
}

function processElement(tag: string, el: DicomElement, ctx: Context): DicomElement | null {
  if (tag === PATIENT_ID || tag === PATIENT_NAME) {
    ctx.counts.D++;
    return pseudonymElement(tag, el, ctx.pseudonym);
  }
  const rule = ruleForTag(tag);
  const action = rule ? actionFor(rule, ctx.options) : defaultAction(tag, el, ctx.options);
  if (action === null) return el.vr === 'SQ' ? { ...el, Value: items(el).map((item) => processDataset(item, ctx)) } : copy(el);
  return apply(action, tag, el, rule, ctx);
}

/** What happens to an attribute the table does not list: kept (null), except UIDs, dates and free text in items. */
function defaultAction(tag: string, el: DicomElement, options: DeidOptions): DeidAction | null {
  if (el.vr === 'UI') return CLASS_UID_TAGS.has(tag) ? null : 'U';
  // A date the table does not list yet is treated like its dated rows (X/D, Modified Dates C): no original date survives.
  if (el.vr === 'DA' || el.vr === 'DT') return options.retainLongitudinalModifiedDates ? 'C' : 'D';
  if (FREE_TEXT_IN_ITEMS.has(tag)) return 'C';
  // Any other text the table does not list (Code Meaning, Manufacturer, …) is kept, but never with
  // the patient's own identifying values in it: a name or ID typed into a code meaning would
  // otherwise leave with the data (beyond Table E.1-1, on the side of confidentiality).
  if (FREE_TEXT_VRS.has(el.vr)) return 'C';
  return null;
}

const FREE_TEXT_VRS = new Set(['LO', 'SH', 'ST', 'LT', 'UT', 'UC', 'PN']);

function apply(action: DeidAction, tag: string, el: DicomElement, rule: DeidRule | undefined, ctx: Context): DicomElement | null {
  const vr = vrOf(tag, el);
  switch (action) {
    case 'X':
      ctx.counts.X++;
      return null;
    case 'Z':
      // X/Z on a sequence: an empty sequence is only valid where it is Type 2, and where it is Type 3
      // (Referenced Study Sequence in General Study, PS3.3 C.7.2.1) zero items are an error: removed.
      if (vr === 'SQ' && rule?.row.basic.startsWith('X/')) {
        ctx.counts.X++;
        return null;
      }
      ctx.counts.Z++;
      return { vr, Value: [] };
    case 'K':
      ctx.counts.K++;
      return vr === 'SQ' ? { vr, Value: items(el).map((item) => processDataset(item, ctx)) } : copy(el);
    case 'U':
      ctx.counts.U++;
      if (vr === 'SQ') return { vr, Value: items(el).map((item) => processDataset(item, ctx)) };
      if (vr === 'UI') return { vr, Value: strings(el).map((uid) => mapUid(uid, ctx.pseudonym)) };
      return dummy(el, vr, ctx);
    case 'D':
      ctx.counts.D++;
      return dummy(el, vr, ctx);
    case 'C': {
      const cleaned = clean(el, vr, ctx);
      if (cleaned !== CANNOT_CLEAN) {
        ctx.counts.C++;
        return cleaned;
      }
      // What cannot be cleaned (binary Maker Note, a date without the dates option) gets the Basic Profile action.
      const basic = rule?.basic ?? 'X';
      return apply(basic === 'C' ? 'X' : basic, tag, el, rule, ctx);
    }
  }
}

/** The VR to write: the element's, or the table's when the element was read as UN. */
function vrOf(tag: string, el: DicomElement): string {
  if (el.vr && el.vr !== 'UN') return el.vr;
  return tableVr(tag) ?? el.vr ?? 'UN';
}

function copy(el: DicomElement): DicomElement {
  return el.Value ? { ...el, Value: [...el.Value] } : { ...el };
}

function items(el: DicomElement): DicomDict[] {
  return (el.Value ?? []).filter((v): v is DicomDict => typeof v === 'object' && v !== null && !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v));
}

/** The element's values as strings; a value read as UN (bytes) decoded as ASCII and split at '\'. */
function strings(el: DicomElement): string[] {
  const out: string[] = [];
  for (const v of el.Value ?? []) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number') out.push(String(v));
    else if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
      const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      out.push(...s.replace(/[\0 ]+$/, '').split('\\'));
    }
  }
  return out;
}

function mapUid(value: string, pseudonym: PatientPseudonym): string {
  const uid = value.replace(/[\0 ]+$/, '').trim();
  if (uid === '' || uid.startsWith(WELL_KNOWN_UID_ROOT)) return uid;
  return pseudonym.uid(uid);
}

/** A PN value in the form the element already uses (dcmjs: { Alphabetic }; older callers: a string). */
function personName(name: string, like: unknown[] | undefined): unknown {
  return typeof like?.[0] === 'string' ? name : { Alphabetic: name };
}

function pseudonymElement(tag: string, el: DicomElement, pseudonym: PatientPseudonym): DicomElement {
  if (tag === PATIENT_ID) return { vr: 'LO', Value: [pseudonym.pseudonymId] };
  return { vr: 'PN', Value: pseudonym.pseudonymName ? [personName(pseudonym.pseudonymName, el.Value)] : [] };
}

function dummy(el: DicomElement, vr: string, ctx: Context): DicomElement {
  if (vr === 'SQ') {
    const list = items(el);
    // A code stands for an institution or a person (Institution Code Sequence, Person Identification
    // Code Sequence): one dummy code replaces them. Other items (Content Sequence, Verifying Observer
    // Sequence, …) keep their structure and get the profile themselves.
    if (list.some((item) => '00080100' in item || '00080119' in item || '00080120' in item)) {
      return {
        vr,
        Value: [
          {
            '00080100': { vr: 'SH', Value: [DUMMY.code.value] },
            '00080102': { vr: 'SH', Value: [DUMMY.code.scheme] },
            '00080104': { vr: 'LO', Value: [DUMMY.code.meaning] },
          },
        ],
      };
    }
    return { vr, Value: list.map((item) => processDataset(item, ctx)) };
  }
  if (vr === 'UI') return { vr, Value: strings(el).map((uid) => mapUid(uid, ctx.pseudonym)) };
  if (vr === 'PN') return { vr, Value: [personName(DUMMY.text, el.Value)] };
  if (vr === 'DA' || vr === 'DT' || vr === 'TM' || vr === 'AS') return { vr, Value: [DUMMY[vr]] };
  if (NUMERIC_VRS.has(vr)) return { vr, Value: [DUMMY.number] };
  if (vr === 'AT') return { vr, Value: [] };
  if (/^O[BDFLVW]$|^UN$/.test(vr)) return { vr, Value: [new ArrayBuffer(DUMMY.binaryBytes)] };
  return { vr, Value: [DUMMY.text] };
}

const CANNOT_CLEAN = Symbol('cannot clean');

/** The C action: what it means depends on the VR (and, for dates, on the Modified Dates option). */
function clean(el: DicomElement, vr: string, ctx: Context): DicomElement | typeof CANNOT_CLEAN {
  if (vr === 'SQ') return { vr, Value: items(el).map((item) => processDataset(item, ctx)) };
  if (vr === 'DA' || vr === 'DT') {
    // PS3.15 E.3.6: dates shifted by the patient's offset; without the option a date cannot be "cleaned".
    if (!ctx.options.retainLongitudinalModifiedDates) return CANNOT_CLEAN;
    const shift = vr === 'DA' ? shiftDA : shiftDT;
    return { vr, Value: strings(el).map((v) => shift(v, ctx.pseudonym.dateOffsetDays)) };
  }
  // A whole-day offset leaves the time of day as it was.
  if (vr === 'TM') return { ...copy(el), vr };
  if (vr === 'PN') {
    return {
      vr,
      Value: (el.Value ?? []).map((v) => {
        if (typeof v === 'string') return cleanPersonName(v, ctx.clean);
        if (typeof v === 'object' && v !== null) {
          const pn = { ...(v as Record<string, unknown>) };
          for (const k of ['Alphabetic', 'Ideographic', 'Phonetic']) if (typeof pn[k] === 'string') pn[k] = cleanPersonName(pn[k] as string, ctx.clean);
          return pn;
        }
        return v;
      }),
    };
  }
  if (TEXT_VRS.has(vr)) return { vr, Value: strings(el).map(ctx.clean) };
  return CANNOT_CLEAN;
}
