/**
 * What identifies the patient of a DICOM file, read from its header (dcmjs's denaturalized
 * dataset): the values the engine must take out of kept free text and that the output bytes are
 * searched for, the patient key that chooses the pseudonym, and the original UIDs.
 */
import { createHash } from 'node:crypto';
import { uidFromHashHex } from '../../../core/dicom/uids';
import type { DicomDict } from '../../../core/deid/types';
import { isoDate } from '../dicom/header';
import type { PhiKind, PhiValue } from './phiScan';

/** Every value of an element as text: PN objects give their component groups joined by '='. */
export function texts(dict: DicomDict | undefined, tag: string): string[] {
  const el = dict?.[tag];
  if (!el?.Value) return [];
  return el.Value.flatMap((v) => {
    if (v === null || v === undefined) return [];
    if (typeof v === 'string') return [v.replace(/[\0 ]+$/, '').trim()];
    if (typeof v === 'number') return [String(v)];
    if (typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)) {
      const pn = v as { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
      if ('Alphabetic' in pn || 'Ideographic' in pn || 'Phonetic' in pn) return [[pn.Alphabetic ?? '', pn.Ideographic ?? '', pn.Phonetic ?? ''].join('=').replace(/=+$/, '')];
    }
    return [];
  }).filter((s) => s !== '');
}

export function text(dict: DicomDict | undefined, tag: string): string {
  return texts(dict, tag)[0] ?? '';
}

function items(dict: DicomDict | undefined, tag: string): DicomDict[] {
  return ((dict?.[tag]?.Value ?? []) as unknown[]).filter((v): v is DicomDict => typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer));
}

/** A date (YYYYMMDD) as it may be written elsewhere: YYYYMMDD, YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY. */
export function dateForms(da: string): string[] {
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(da.trim());
  if (!m) return [];
  const [, y, mo, d] = m;
  return [...new Set([`${y}${mo}${d}`, `${y}-${mo}-${d}`, `${d}.${mo}.${y}`, `${d}/${mo}/${y}`, `${mo}/${d}/${y}`])];
}

/** A person's name and its parts: the whole value, each ^ component (and its words) of three characters or more. */
export function nameForms(pn: string): string[] {
  const out = new Set<string>();
  for (const group of pn.split('=')) {
    const whole = group.replace(/\^+$/, '').trim();
    if (whole.length >= 3) out.add(whole);
    for (const component of group.split('^')) {
      const c = component.trim();
      if (c.length >= 3) out.add(c);
      for (const word of c.split(/[\s,.]+/)) if (word.length >= 3) out.add(word);
    }
  }
  return [...out];
}

const NAME_TAGS: [string, PhiKind][] = [
  ['00100010', "patient's name"],
  ['00101001', "patient's name"], // Other Patient Names
  ['00101005', "patient's name"], // Patient's Birth Name
  ['00101060', "patient's name"], // Patient's Mother's Birth Name
  ['00080090', "physician's name"], // Referring
  ['00081048', "physician's name"], // Physician(s) of Record
  ['00081050', "physician's name"], // Performing
  ['00081060', "physician's name"], // Reading
  ['00081070', "physician's name"], // Operators
  ['00321032', "physician's name"], // Requesting
];

const TEXT_TAGS: [string, PhiKind][] = [
  ['00100020', 'patient ID'],
  ['00101000', 'other patient ID'],
  ['00100021', 'issuer of patient ID'],
  ['00101040', "patient's address"],
  ['00102154', "patient's telephone"],
  ['00080050', 'accession number'],
  ['00080080', 'institution'],
  ['00080081', 'institution'],
  ['00200010', 'study ID'],
  ['00101090', 'medical record locator'],
];

const STUDY_DATE_TAGS = ['00080020', '00080021', '00080022', '00080023'];

export interface HeaderFacts {
  patientKey: string;
  patientId: string;
  patientName: string;
  /** Identifying values of this file's patient (deduplicated). */
  values: PhiValue[];
  /** The original Study, Series, SOP Instance and Frame of Reference UIDs (those present). */
  originalUids: string[];
  /** UIDs the file lacks, derived as the library derives them (a file without a SOP Instance UID still gets one). */
  derived: { study?: string; series?: string; sop?: string };
  modality: string;
  transferSyntaxUid: string;
  mediaStorageSopClassUid: string;
}

/**
 * The patient key of the key map: the library's own patient identity (catalog.patientKey, the
 * `patient_key` of the patients table), so that a patient gets one pseudonym whether its files or
 * its library exams are exported, and the cohort export's folders (keyed by the library's patient)
 * carry the pseudonym of the files inside them: `id:<Patient ID>`, or without an ID
 * `anon:<name>|<birth date YYYY-MM-DD>`. The Issuer of Patient ID is not part of it, as it is
 * not part of the library's identity (two issuers' same ID are one patient in the library too).
 */
export function patientKeyOf(dataset: DicomDict): string {
  const id = text(dataset, '00100020');
  if (id) return `id:${id}`;
  const pn = dataset['00100010']?.Value?.[0];
  const name = (typeof pn === 'object' && pn !== null ? String((pn as { Alphabetic?: string }).Alphabetic ?? '') : String(pn ?? '')).trim().replace(/\^+$/, '');
  return `anon:${name}|${isoDate(text(dataset, '00100030')) ?? ''}`;
}

const sha = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');

export function headerFacts(meta: DicomDict, dataset: DicomDict, fileBytes: Uint8Array): HeaderFacts {
  const values: PhiValue[] = [];
  const add = (kind: PhiKind, v: string) => {
    if (v.trim()) values.push({ kind, value: v.trim() });
  };
  for (const [tag, kind] of NAME_TAGS) for (const v of texts(dataset, tag)) for (const f of nameForms(v)) add(kind, f);
  for (const [tag, kind] of TEXT_TAGS) for (const v of texts(dataset, tag)) add(kind, v);
  for (const item of items(dataset, '00101002')) {
    for (const v of texts(item, '00100020')) add('other patient ID', v);
    for (const v of texts(item, '00100021')) add('issuer of patient ID', v);
  }
  for (const v of texts(dataset, '00100030')) for (const f of dateForms(v)) add('birth date', f);
  for (const tag of STUDY_DATE_TAGS) for (const v of texts(dataset, tag)) for (const f of dateForms(v)) add('study date', f);

  const patientKey = patientKeyOf(dataset);
  const study = text(dataset, '0020000D');
  const series = text(dataset, '0020000E');
  const sop = text(dataset, '00080018');
  const originalUids = [study, series, sop, text(dataset, '00200052'), text(meta, '00020003')].filter(Boolean);
  const derived: HeaderFacts['derived'] = {};
  if (!study) derived.study = uidFromHashHex(sha(['study', patientKey, text(dataset, '00080020'), text(dataset, '00080030'), text(dataset, '00080050'), text(dataset, '00200010'), text(dataset, '00081030')].join('|')));
  if (!series) derived.series = uidFromHashHex(sha(['series', study || derived.study, text(dataset, '00080060'), text(dataset, '00200011'), text(dataset, '0008103E'), text(dataset, '00200052')].join('|')));
  if (!sop) derived.sop = uidFromHashHex(sha(fileBytes));
  return {
    patientKey,
    patientId: text(dataset, '00100020'),
    patientName: text(dataset, '00100010'),
    values: dedupe(values),
    originalUids: [...new Set(originalUids)],
    derived,
    modality: text(dataset, '00080060'),
    transferSyntaxUid: text(meta, '00020010'),
    mediaStorageSopClassUid: text(meta, '00020002'),
  };
}

export function dedupe(values: readonly PhiValue[]): PhiValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = `${v.kind}\u0000${v.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
