/**
 * A planted-PHI set for the de-identification tests: phantom CTs (tools/phantom) rewritten with
 * dcmjs to carry identifying data everywhere it hides in practice — names with ^ components, IDs,
 * other IDs (also in a sequence), birth date, address, telephone, institution, physicians, free
 * text naming the patient (Study Description, Image Comments, Additional Patient History), a
 * private block with a creator and a private sequence, nested sequences (Request Attributes >
 * Scheduled Protocol Code, Referenced Study with UIDs), references to other instances — for two
 * exams of one patient and one exam of a second patient; a burned-in secondary capture; a text
 * file. Every planted string is returned so a test can grep the output bytes for it.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { writePatient } from '../../../../tools/phantom/index';
import type { DicomDict } from '../../../../core/deid/types';

const { DicomMessage, DicomDict: DcmjsDict } = dcmjs.data as unknown as {
  DicomMessage: { readFile(buffer: ArrayBuffer): { meta: DicomDict; dict: DicomDict } };
  DicomDict: new (meta: DicomDict) => { dict: DicomDict; write(): ArrayBuffer };
};

export interface PlantedPatient {
  name: string;
  id: string;
  /** Series folders, one per exam. */
  exams: string[];
  studyDates: string[];
  /** Every identifying string planted for this patient. */
  phi: string[];
}

export interface PlantedSet {
  root: string;
  a: PlantedPatient;
  b: PlantedPatient;
  /** A secondary capture with Burned In Annotation YES, in patient A's first exam folder. */
  burnedIn: string;
  /** A text file (not DICOM) naming patient A. */
  notes: string;
  /** Original Study, Series, SOP Instance and Frame of Reference UIDs of every DICOM file written. */
  uids: string[];
}

const pn = (v: string) => ({ vr: 'PN', Value: [{ Alphabetic: v }] });
const lo = (v: string, vr = 'LO') => ({ vr, Value: [v] });

export function readDicom(file: string): { meta: DicomDict; dict: DicomDict } {
  const b = readFileSync(file);
  return DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
}

export function writeDicom(file: string, meta: DicomDict, dict: DicomDict): void {
  const out = new DcmjsDict(meta);
  out.dict = dict;
  writeFileSync(file, new Uint8Array(out.write()));
}

/** Rewrites a DICOM file in place (or to `dest`) after `edit` changed its dataset. */
export function editDicom(file: string, edit: (dict: DicomDict, meta: DicomDict) => void, dest = file): void {
  const { meta, dict } = readDicom(file);
  edit(dict, meta);
  writeDicom(dest, meta, dict);
}

const first = (dict: DicomDict, tag: string) => String(dict[tag]?.Value?.[0] ?? '');

interface PatientSpec {
  seed: string;
  name: string;
  id: string;
  issuer: string;
  otherId: string;
  seqId: string;
  birth: string;
  birthForms: string[];
  address: string;
  phone: string;
  institution: string;
  institutionAddress: string;
  referring: string;
  performing: string;
  operator: string;
  accession: string;
  studyId: string;
  mrl: string;
  timepoints: number;
}

async function plantPatient(root: string, s: PatientSpec, uids: Set<string>): Promise<PlantedPatient> {
  const written = await writePatient(root, { seed: s.seed, patientId: s.id, size: 64, slices: 20, sliceMm: 5, timepoints: s.timepoints });
  const [family, given, middle] = s.name.split('^');
  const studyDates: string[] = [];
  for (const [t, dir] of written.seriesDirs.entries()) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.dcm')).sort();
    const sops = files.map((f) => first(readDicom(join(dir, f)).dict, '00080018'));
    for (const [i, f] of files.entries()) {
      editDicom(join(dir, f), (d) => {
        const study = first(d, '0020000D');
        [study, first(d, '0020000E'), first(d, '00080018'), first(d, '00200052')].forEach((u) => uids.add(u));
        if (i === 0) studyDates.push(first(d, '00080020'));
        Object.assign(d, {
          '00080050': lo(`${s.accession}${t}`, 'SH'),
          '00080080': lo(s.institution),
          '00080081': lo(s.institutionAddress, 'ST'),
          '00080090': pn(s.referring),
          '00081030': lo(`CT abdomen for ${given} ${family} ${s.id}`),
          '00081050': pn(s.performing),
          '00081070': pn(s.operator),
          '00100010': pn(s.name),
          '00100020': lo(s.id),
          '00100021': lo(s.issuer),
          '00100030': lo(s.birth, 'DA'),
          '00101000': lo(s.otherId),
          '00101002': { vr: 'SQ', Value: [{ '00100020': lo(s.seqId), '00100021': lo(`${s.issuer}-LAB`) }] },
          '00101040': lo(s.address),
          '00101090': lo(s.mrl),
          '00102154': lo(s.phone, 'SH'),
          '001021B0': lo(`${middle ?? given} ${family}, ID ${s.id}, lives at ${s.address}`, 'LT'),
          '00104000': lo(`${family} family; born ${s.birthForms[1]}`, 'LT'),
          '00200010': lo(s.studyId, 'SH'),
          '00204000': lo(`pt ${family} DOB ${s.birthForms[2]}`, 'LT'),
          // A private block with its creator, a private text and a private sequence holding the name.
          '00090010': lo('ACME PRIVATE'),
          '00091001': lo(`${family} ${given} ${s.id}`),
          '00091002': { vr: 'SQ', Value: [{ '00100010': pn(s.name), '00100020': lo(s.id) }] },
          // Nested: Request Attributes > Scheduled Protocol Code, and a Referenced Study with the study's UID.
          '00400275': {
            vr: 'SQ',
            Value: [
              {
                '00321060': lo(`Staging for ${family}`),
                '00400007': lo(`${family} abdomen`),
                '00400008': { vr: 'SQ', Value: [{ '00080100': lo('P1', 'SH'), '00080102': lo('99ACME', 'SH'), '00080104': lo(`Protocol for ${given} ${family}`) }] },
                '00400009': lo(`SPS-${s.id}`, 'SH'),
                '00401001': lo(`RQ-${s.id}`, 'SH'),
                '00081110': { vr: 'SQ', Value: [{ '00081150': lo('1.2.840.10008.3.1.2.3.1', 'UI'), '00081155': lo(study, 'UI') }] },
              },
            ],
          },
          // The neighbouring slice, by its SOP Instance UID.
          '00081140': { vr: 'SQ', Value: [{ '00081150': lo('1.2.840.10008.5.1.4.1.1.2', 'UI'), '00081155': lo(sops[(i + 1) % sops.length], 'UI') }] },
        });
        // The phantom's name contains PHANTOM, which its Manufacturer ("Longitude phantom") also does.
        d['00080070'] = lo('Acme Scanners');
      });
    }
  }
  const phi = [
    s.name,
    family,
    given,
    ...(middle ? [middle] : []),
    s.id,
    s.issuer,
    s.otherId,
    s.seqId,
    ...s.birthForms,
    s.address,
    s.phone,
    s.institution,
    s.institutionAddress,
    ...s.referring.split('^'),
    ...s.performing.split('^'),
    ...s.operator.split('^'),
    s.accession,
    s.studyId,
    s.mrl,
    ...studyDates,
  ];
  return { name: s.name, id: s.id, exams: written.seriesDirs, studyDates, phi: [...new Set(phi)] };
}

export async function writePlantedPhi(root: string): Promise<PlantedSet> {
  mkdirSync(root, { recursive: true });
  const uids = new Set<string>();
  const a = await plantPatient(
    root,
    {
      seed: 'deid-a',
      name: 'Hargreaves^Philippa^Ottoline',
      id: 'HX-4471923',
      issuer: 'QUEENSWAY-MRN',
      otherId: 'OPX-991725',
      seqId: 'SEQID-551237',
      birth: '19571123',
      birthForms: ['19571123', '1957-11-23', '23.11.1957', '23/11/1957'],
      address: '17 Larkspur Crescent, Dunmore',
      phone: '+44 1632 960417',
      institution: 'Queensway Royal Infirmary',
      institutionAddress: '1 Infirmary Row, Dunmore',
      referring: 'Okonkwo^Adaeze',
      performing: 'Vasquez-Tiller^Ramon',
      operator: 'Brightwater^Celeste',
      accession: 'ACC778120',
      studyId: 'STU8841',
      mrl: 'MRL-33019',
      timepoints: 2,
    },
    uids,
  );
  const b = await plantPatient(
    root,
    {
      seed: 'deid-b',
      name: 'Lindqvist^Bertil',
      id: 'LQ-2209871',
      issuer: 'NORTHGATE-MRN',
      otherId: 'NGX-480017',
      seqId: 'SEQID-730044',
      birth: '19630302',
      birthForms: ['19630302', '1963-03-02', '02.03.1963', '02/03/1963'],
      address: '4 Quarry Lane, Eastwick',
      phone: '+44 1632 960981',
      institution: 'Northgate Clinic',
      institutionAddress: '88 Mill Street, Eastwick',
      referring: 'Fairbrother^Imogen',
      performing: 'Achterberg^Wouter',
      operator: 'Pemberton^Lucius',
      accession: 'ACC441907',
      studyId: 'STU2290',
      mrl: 'MRL-61880',
      timepoints: 1,
    },
    uids,
  );
  // A screenshot of patient A: a Secondary Capture with Burned In Annotation YES.
  const firstExam = a.exams[0];
  const burnedIn = join(firstExam, 'SC0001.dcm');
  const scUid = `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString(10)}`;
  editDicom(
    join(firstExam, readdirSync(firstExam).filter((f) => f.endsWith('.dcm')).sort()[0]),
    (d, meta) => {
      d['00080016'] = lo('1.2.840.10008.5.1.4.1.1.7', 'UI');
      d['00080018'] = lo(scUid, 'UI');
      d['00080060'] = lo('OT', 'CS');
      d['00080064'] = lo('WSD', 'CS');
      d['00280301'] = lo('YES', 'CS');
      meta['00020002'] = lo('1.2.840.10008.5.1.4.1.1.7', 'UI');
      meta['00020003'] = lo(scUid, 'UI');
    },
    burnedIn,
  );
  uids.add(scUid);
  const notes = join(root, 'notes.txt');
  writeFileSync(notes, `Hargreaves, Philippa (HX-4471923): CT follow-up\n`);
  return { root, a, b, burnedIn, notes, uids: [...uids].filter(Boolean) };
}

/**
 * The needles found in a file's bytes (or any text), ASCII case-insensitively. An all-digit needle
 * shorter than a date (a numeric ID) counts only as a number of its own: inside a longer number
 * (a random 39-digit UID holds a given five-digit string about once in 3000) it is not that ID.
 */
export function grepBytes(bytes: Uint8Array | string, needles: readonly string[]): string[] {
  const hay = (typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1')).toLowerCase();
  return needles.filter((n) => {
    if (n.length === 0) return false;
    const needle = n.toLowerCase();
    if (!/^\d{1,7}$/.test(n)) return hay.includes(needle);
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
      if (!/\d/.test(hay[i - 1] ?? '') && !/\d/.test(hay[i + needle.length] ?? '')) return true;
    }
    return false;
  });
}

/** Every file under a folder, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}
