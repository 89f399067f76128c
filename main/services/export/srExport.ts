/**
 * DICOM SR TID 1500 (Imaging Measurement Report, PS3.16) for one exam, as a Comprehensive 3D SR
 * (PS3.3 A.35.13): the reader as person observer, the models as device observers, the image
 * library, and per lesion a TID 1501 group (RECIST 1.1 long and short axes with their
 * coordinates on the image they were drawn on) and, where it has a mask, a TID 1411 volumetric
 * group (volume and mean HU, referencing its SEG segment). Every group carries the lesion's label
 * as Tracking Identifier and its stable Tracking UID (TID 1501/1411, PS3.17 Annex TTTT), the time
 * point (TID 1502), and, where it applies, its lineage; the exam's RECIST responses close the
 * report as qualitative evaluations.
 */
import type { Vec3, VolumeGeometry } from '../../../core/api/types';
import { lpsToIndex } from '../../../core/dicom/geometry';
import { ds, sourceModules, writerModules, type Code } from './segExport';

export const COMPREHENSIVE_3D_SR_UID = '1.2.840.10008.5.1.4.1.1.88.34';

const DCM = (value: string, meaning: string): Code => ({ value, scheme: 'DCM', meaning });
const SCT = (value: string, meaning: string): Code => ({ value, scheme: 'SCT', meaning });
const UCUM = (value: string, meaning: string): Code => ({ value, scheme: 'UCUM', meaning });
/** Concepts DICOM has no code for (the RECIST response lines, lineage): Longitude's private scheme (PS3.16 8.2). */
const LNG = (value: string, meaning: string): Code => ({ value, scheme: '99LNG', meaning });

/** Code values are SH: at most 16 characters. */
export const RESPONSE_CODES = {
  'overall response': 'RC-OVERALL',
  'target response': 'RC-TARGET',
  'non-target response': 'RC-NONTARGET',
  'new lesions': 'RC-NEW',
  'sum of diameters': 'RC-SUM',
  'baseline sum': 'RC-BASELINE-SUM',
} as const;

const code = (c: Code) => ({ CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning });

type Item = Record<string, unknown>;
type Rel = 'CONTAINS' | 'HAS OBS CONTEXT' | 'HAS CONCEPT MOD' | 'INFERRED FROM' | 'SELECTED FROM' | 'HAS PROPERTIES' | 'HAS ACQ CONTEXT';

const base = (rel: Rel | null, valueType: string, concept: Code | null): Item => ({
  ...(rel ? { RelationshipType: rel } : {}),
  ValueType: valueType,
  ...(concept ? { ConceptNameCodeSequence: [code(concept)] } : {}),
});
export const sr = {
  container: (rel: Rel | null, concept: Code, children: Item[], template?: string): Item => ({
    ...base(rel, 'CONTAINER', concept),
    ContinuityOfContent: 'SEPARATE',
    ...(template ? { ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: template }] } : {}),
    ContentSequence: children,
  }),
  code: (rel: Rel, concept: Code, value: Code, children?: Item[]): Item => ({ ...base(rel, 'CODE', concept), ConceptCodeSequence: [code(value)], ...(children ? { ContentSequence: children } : {}) }),
  text: (rel: Rel, concept: Code, value: string): Item => ({ ...base(rel, 'TEXT', concept), TextValue: value }),
  uid: (rel: Rel, concept: Code, value: string): Item => ({ ...base(rel, 'UIDREF', concept), UID: value }),
  pname: (rel: Rel, concept: Code, value: string): Item => ({ ...base(rel, 'PNAME', concept), PersonName: value }),
  num: (rel: Rel, concept: Code, value: number, unit: Code, children?: Item[]): Item => ({
    ...base(rel, 'NUM', concept),
    MeasuredValueSequence: [{ NumericValue: ds(value), MeasurementUnitsCodeSequence: [code(unit)] }],
    ...(children ? { ContentSequence: children } : {}),
  }),
  image: (rel: Rel, concept: Code | null, ref: { sopClassUid: string; sopInstanceUid: string; frameNumber?: number | null; segmentNumber?: number }): Item => ({
    ...base(rel, 'IMAGE', concept),
    ReferencedSOPSequence: [
      {
        ReferencedSOPClassUID: ref.sopClassUid,
        ReferencedSOPInstanceUID: ref.sopInstanceUid,
        ...(ref.frameNumber ? { ReferencedFrameNumber: ref.frameNumber } : {}),
        ...(ref.segmentNumber !== undefined ? { ReferencedSegmentNumber: ref.segmentNumber } : {}),
      },
    ],
  }),
  /** TID 320: an unnamed SCOORD on an image, the coordinates a NUM was inferred from. */
  scoord: (rel: Rel, points: [number, number][], image: Item): Item => ({
    ...base(rel, 'SCOORD', null),
    GraphicType: 'POLYLINE',
    GraphicData: points.flat(),
    ContentSequence: [image],
  }),
};

export interface SrImageRef {
  sopClassUid: string;
  sopInstanceUid: string;
  frameNumber: number | null;
}

export interface SrLesionGroup {
  label: string;
  trackingUid: string;
  finding: Code;
  findingSite: Code | null;
  /** Couinaud segment or node station, as text beside the site. */
  siteDetail: string | null;
  /** The model that found it, when a model did (device observer of its groups). */
  model: { name: string; version: string; uid: string } | null;
  diameters: { longAxisMm: number; shortAxisMm: number | null; longEnds: [Vec3, Vec3]; shortEnds: [Vec3, Vec3] | null; image: SrImageRef; sliceIndex: number; geometry: VolumeGeometry } | null;
  volume: { volumeMl: number; meanHu: number | null; segmentNumber: number } | null;
  /** "split from L2", "merged into L3". */
  lineage: string[];
  /** Its RECIST 1.1 role as recorded (target, non-target, new). */
  recistRole: string;
  /** The lesion's status on the exam when it was not measured (disappeared, too small, …). */
  status: string | null;
}

export interface SrExamInput {
  header: Record<string, unknown>;
  sourceSeriesInstanceUid: string;
  images: SrImageRef[];
  seg: { sopInstanceUid: string; seriesInstanceUid: string } | null;
  timePoint: string;
  groups: SrLesionGroup[];
  /** The exam's RECIST 1.1 lines (overall, target, non-target, new lesions, sum). */
  responses: { concept: keyof typeof RESPONSE_CODES; value: string }[];
  reader: string;
  signedBy: { name: string; at: Date } | null;
}

export interface SrWriteOptions {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  seriesNumber: number;
  softwareVersion: string;
  deviceSerialNumber: string;
  now: Date;
}

const MM = UCUM('mm', 'millimeter');
const ML = UCUM('ml', 'milliliter');
const HU = UCUM("[hnsf'U]", 'Hounsfield unit');
const dicomDate = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
const dicomTime = (d: Date) => d.toISOString().slice(11, 19).replace(/:/g, '');

/** Image pixel coordinates (column, row; 0\0 is the top left corner of the top left pixel, PS3.3 C.18.6.1.1) of an LPS point. */
function pixelOf(g: VolumeGeometry, p: Vec3): [number, number] {
  const [i, j] = lpsToIndex(g, p);
  return [Number((i + 0.5).toFixed(3)), Number((j + 0.5).toFixed(3))];
}

function group(input: SrExamInput, l: SrLesionGroup, children: Item[]): Item {
  return sr.container('CONTAINS', DCM('125007', 'Measurement Group'), [
    sr.text('HAS OBS CONTEXT', DCM('112039', 'Tracking Identifier'), l.label),
    sr.uid('HAS OBS CONTEXT', DCM('112040', 'Tracking Unique Identifier'), l.trackingUid),
    sr.code('CONTAINS', DCM('121071', 'Finding'), l.finding),
    // TID 1502 Time Point Context.
    sr.text('HAS OBS CONTEXT', { value: 'C2348792', scheme: 'UMLS', meaning: 'Time Point' }, input.timePoint),
    ...children,
    ...(l.findingSite ? [sr.code('HAS CONCEPT MOD', SCT('363698007', 'Finding Site'), l.findingSite)] : []),
  ]);
}

/** The SR content tree and modules (naturalized for dcmjs). */
export function buildSrDataset(input: SrExamInput, o: SrWriteOptions): Record<string, unknown> {
  const copied = sourceModules(input.header, false);
  const models = [...new Map(input.groups.filter((l) => l.model).map((l) => [l.model!.uid, l.model!])).values()];

  const measurementGroups: Item[] = [];
  const statuses: Item[] = [];
  for (const l of input.groups) {
    const lineage = l.lineage.map((t) => sr.text('CONTAINS', LNG('LINEAGE', 'Lesion lineage'), t));
    if (l.status) statuses.push(sr.text('CONTAINS', LNG('EXAM-STATUS', 'Lesion status on this exam'), `${l.label}: ${l.status}`));
    if (l.diameters) {
      // TID 1410 Planar ROI: the long axis is the image region; the short axis keeps its own
      // coordinates (TID 300 → TID 320, inferred from a SCOORD on the same image).
      const d = l.diameters;
      const g = d.geometry;
      const img = () => sr.image('SELECTED FROM', null, d.image);
      const axes: Item[] = [sr.num('CONTAINS', SCT('103339001', 'Long Axis'), d.longAxisMm, MM)];
      if (d.shortAxisMm !== null && d.shortEnds)
        axes.push(sr.num('CONTAINS', SCT('103340004', 'Short Axis'), d.shortAxisMm, MM, [sr.scoord('INFERRED FROM', [pixelOf(g, d.shortEnds[0]), pixelOf(g, d.shortEnds[1])], img())]));
      measurementGroups.push(
        group(input, l, [
          ...lineage,
          sr.text('CONTAINS', LNG('RECIST-ROLE', 'RECIST 1.1 role'), l.recistRole),
          sr.code('HAS CONCEPT MOD', SCT('370129005', 'Measurement Method'), DCM('126081', 'RECIST 1.1')),
          { ...sr.scoord('CONTAINS', [pixelOf(g, d.longEnds[0]), pixelOf(g, d.longEnds[1])], img()), ConceptNameCodeSequence: [code(DCM('111030', 'Image Region'))] },
          ...axes,
        ]),
      );
    }
    if (l.volume && input.seg) {
      // TID 1411 Volumetric ROI (its own group: TID 1411 takes one kind of region): the lesion's
      // SEG segment, its volume and mean attenuation.
      measurementGroups.push(
        group(input, l, [
          ...(l.diameters ? [] : lineage),
          sr.image('CONTAINS', DCM('121191', 'Referenced Segment'), { sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4', sopInstanceUid: input.seg.sopInstanceUid, segmentNumber: l.volume.segmentNumber }),
          sr.uid('CONTAINS', DCM('121232', 'Source series for segmentation'), input.sourceSeriesInstanceUid),
          sr.num('CONTAINS', SCT('118565006', 'Volume'), l.volume.volumeMl, ML, [sr.code('HAS CONCEPT MOD', SCT('370129005', 'Measurement Method'), DCM('126030', 'Sum of segmented voxel volumes'))]),
          ...(l.volume.meanHu !== null ? [sr.num('CONTAINS', DCM('112031', 'Attenuation Coefficient'), l.volume.meanHu, HU, [sr.code('HAS CONCEPT MOD', DCM('121401', 'Derivation'), SCT('373098007', 'Mean'))])] : []),
        ]),
      );
    }
  }

  const content: Item[] = [
    sr.code('HAS CONCEPT MOD', DCM('121049', 'Language of Content Item and Descendants'), { value: 'en-US', scheme: 'RFC5646', meaning: 'English (United States)' }),
    sr.code('HAS OBS CONTEXT', DCM('121005', 'Observer Type'), DCM('121006', 'Person')),
    sr.pname('HAS OBS CONTEXT', DCM('121008', 'Person Observer Name'), input.reader),
    ...models.flatMap((m) => [
      sr.code('HAS OBS CONTEXT', DCM('121005', 'Observer Type'), DCM('121007', 'Device')),
      sr.uid('HAS OBS CONTEXT', DCM('121012', 'Device Observer UID'), m.uid),
      sr.text('HAS OBS CONTEXT', DCM('121013', 'Device Observer Name'), m.name),
      sr.text('HAS OBS CONTEXT', DCM('121015', 'Device Observer Model Name'), `${m.name} ${m.version}`),
    ]),
    sr.code('HAS CONCEPT MOD', DCM('121058', 'Procedure reported'), { value: '25045-6', scheme: 'LN', meaning: 'CT unspecified body region' }),
    sr.container('CONTAINS', DCM('111028', 'Image Library'), [sr.container('CONTAINS', DCM('126200', 'Image Library Group'), input.images.map((im) => sr.image('CONTAINS', null, im)))]),
    sr.container('CONTAINS', DCM('126010', 'Imaging Measurements'), measurementGroups),
  ];
  if (input.responses.length || statuses.length)
    content.push(
      sr.container('CONTAINS', { value: 'C0034375', scheme: 'UMLS', meaning: 'Qualitative Evaluations' }, [
        ...input.responses.map((r) => sr.text('CONTAINS', LNG(RESPONSE_CODES[r.concept], `RECIST 1.1 ${r.concept}`), r.value)),
        ...statuses,
      ]),
    );

  const evidence = [
    { uid: input.sourceSeriesInstanceUid, refs: input.images.map((i) => ({ ReferencedSOPClassUID: i.sopClassUid, ReferencedSOPInstanceUID: i.sopInstanceUid })) },
    ...(input.seg ? [{ uid: input.seg.seriesInstanceUid, refs: [{ ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.66.4', ReferencedSOPInstanceUID: input.seg.sopInstanceUid }] }] : []),
  ];
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: COMPREHENSIVE_3D_SR_UID,
    SOPInstanceUID: o.sopInstanceUid,
    ...copied,
    Modality: 'SR',
    SeriesInstanceUID: o.seriesInstanceUid,
    SeriesNumber: o.seriesNumber,
    SeriesDescription: 'Longitude lesion measurements',
    ReferencedPerformedProcedureStepSequence: [],
    ...writerModules(o),
    CompletionFlag: 'COMPLETE',
    VerificationFlag: input.signedBy ? 'VERIFIED' : 'UNVERIFIED',
    ...(input.signedBy
      ? {
          VerifyingObserverSequence: [
            { VerifyingObserverName: input.signedBy.name, VerifyingOrganization: 'Longitude workstation', VerificationDateTime: `${dicomDate(input.signedBy.at)}${dicomTime(input.signedBy.at)}`, VerifyingObserverIdentificationCodeSequence: [] },
          ],
        }
      : {}),
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: [
      {
        StudyInstanceUID: copied.StudyInstanceUID,
        ReferencedSeriesSequence: evidence.map((e) => ({ SeriesInstanceUID: e.uid, ReferencedSOPSequence: e.refs })),
      },
    ],
    CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: '99LNG', CodingSchemeName: 'Longitude local concepts', CodingSchemeResponsibleOrganization: 'Longitude' }],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [code(DCM('126000', 'Imaging Measurement Report'))],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    ContentSequence: content,
  };
}
