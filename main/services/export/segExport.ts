/**
 * DICOM Segmentation (PS3.3 A.51, Segmentation IOD) from masks on a CT's own grid: one SEG per
 * exam with every lesion mask and the liver, BINARY, written with dcmjs.
 *
 * What other systems rely on, and where writers go wrong:
 * - the Patient, General Study and Frame of Reference modules are the source CT's, so a PACS
 *   files the SEG under the same patient and study and a viewer overlays it on the CT;
 * - each segment's Tracking ID is the lesion's label and its Tracking UID the lesion's own,
 *   stable UID — the same in every exam's SEG and SR (PS3.3 C.8.20.4);
 * - frames reference their source CT instance (Derivation Image Sequence) and the Common
 *   Instance Reference module lists every source instance;
 * - bits are packed frame after frame without byte padding (core/dicom/segEncoding).
 */
import dcmjs from 'dcmjs';
import type { Vec3, VolumeGeometry } from '../../../core/api/types';
import { indexToLps } from '../../../core/dicom/geometry';
import { packBinaryFrames, segFrames } from '../../../core/dicom/segEncoding';

export const SEGMENTATION_STORAGE_UID = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
/** Longitude's implementation class UID (PS3.7 D.3.3.2; a 2.25 UUID-derived root). */
export const IMPLEMENTATION_CLASS_UID = '2.25.176427359251466934563158394281846573906';

export interface Code {
  value: string;
  scheme: string;
  meaning: string;
}

export interface SegSegmentSpec {
  segmentNumber: number;
  label: string;
  /** CID 7150: e.g. SCT 49755003 Morphologically altered structure; SCT 123037004 Anatomical structure. */
  category: Code;
  /** CID 7151 / 7152: what the segment is. */
  type: Code;
  /** Where it is (e.g. SCT 10200004 Liver), for lesions. */
  anatomicRegion?: Code;
  algorithmType: 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';
  /** For SEMIAUTOMATIC and AUTOMATIC: the algorithm (a model's id and version). */
  algorithm?: { name: string; version: string };
  trackingId: string;
  trackingUid: string;
  /** Display colour, CIELab scaled to 0…65535 (PS3.3 C.10.7.1.1). */
  cielab?: [number, number, number];
  /** 0/1 on the source grid, x fastest. */
  mask: Uint8Array;
}

export interface SegSourceSeries {
  /** The source CT's header, naturalized (dcmjs): Patient, Study and Frame of Reference attributes are copied from it. */
  header: Record<string, unknown>;
  seriesInstanceUid: string;
  geometry: VolumeGeometry;
  /** Per slice of the grid: the instance (and frame, for a multi-frame source) it comes from. */
  slices: { sopClassUid: string; sopInstanceUid: string; frameNumber: number | null }[];
}

export interface SegWriteOptions {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  seriesNumber: number;
  seriesDescription: string;
  /** The reader who made the masks (ContentCreatorName). */
  contentCreator: string;
  softwareVersion: string;
  deviceSerialNumber: string;
  now: Date;
}

/** Attributes of the source's Patient, General Study and Patient Study modules that a derived object repeats. */
const COPIED_FROM_SOURCE = [
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'PatientAge',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
  'StudyDescription',
] as const;

/**
 * The Patient, General Study (and, for an image, Frame of Reference) modules of a derived object,
 * copied from its source so a PACS files it under the same patient and study; Type 2 attributes
 * the source lacks are present and empty.
 */
export function sourceModules(header: Record<string, unknown>, withFrameOfReference: boolean): Record<string, unknown> {
  const keys: readonly string[] = withFrameOfReference ? [...COPIED_FROM_SOURCE, 'FrameOfReferenceUID', 'PositionReferenceIndicator'] : COPIED_FROM_SOURCE;
  const copied: Record<string, unknown> = {};
  for (const key of keys) if (header[key] !== undefined) copied[key] = header[key];
  const type2 = ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber', ...(withFrameOfReference ? ['PositionReferenceIndicator'] : [])];
  for (const key of type2) copied[key] ??= '';
  return copied;
}

const code = (c: Code) => ({ CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning });
const dicomDate = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
const dicomTime = (d: Date) => d.toISOString().slice(11, 19).replace(/:/g, '');
/** DS values: at most 16 characters (PS3.5 Table 6.2-1). */
export function ds(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`not a decimal string: ${v}`);
  for (let digits = 10; digits >= 1; digits--) {
    const s = String(Number(v.toPrecision(digits)));
    if (s.length <= 16) return s;
  }
  return v.toExponential(6);
}

/** What every object Longitude writes says about itself: series and content times, the equipment (General and Enhanced General Equipment), instance 1. */
export function writerModules(o: { now: Date; deviceSerialNumber: string; softwareVersion: string }): Record<string, unknown> {
  return {
    SeriesDate: dicomDate(o.now),
    SeriesTime: dicomTime(o.now),
    Manufacturer: 'Longitude',
    ManufacturerModelName: 'Longitude workstation',
    DeviceSerialNumber: o.deviceSerialNumber,
    SoftwareVersions: o.softwareVersion,
    InstanceNumber: 1,
    ContentDate: dicomDate(o.now),
    ContentTime: dicomTime(o.now),
  };
}

/** The SEG data set (naturalized for dcmjs). Segments without any voxel are left out with their frames. */
export function buildSegDataset(source: SegSourceSeries, segments: readonly SegSegmentSpec[], o: SegWriteOptions): Record<string, unknown> {
  const g = source.geometry;
  const [nx, ny, nz] = g.dims;
  if (source.slices.length !== nz) throw new Error(`the source series has ${source.slices.length} slices for a grid of ${nz}`);
  const kept = segments.filter((s) => s.mask.some((v) => v !== 0));
  if (!kept.length) throw new Error('no segment has a voxel: there is nothing to write');
  const { frames, pixels } = segFrames(kept, g.dims);
  const d = g.direction;
  const orientation = [d[0], d[1], d[2], d[3], d[4], d[5]].map(ds);
  const dimensionOrganizationUid = `${o.sopInstanceUid}.1`.length <= 64 ? `${o.sopInstanceUid}.1` : o.sopInstanceUid;
  const purpose = [code({ value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' })];

  const referencedSops = [...new Map(source.slices.map((s) => [s.sopInstanceUid, s])).values()];
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEGMENTATION_STORAGE_UID,
    SOPInstanceUID: o.sopInstanceUid,
    ...sourceModules(source.header, true),
    Modality: 'SEG',
    SeriesInstanceUID: o.seriesInstanceUid,
    SeriesNumber: o.seriesNumber,
    SeriesDescription: o.seriesDescription,
    ...writerModules(o),
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: 'LESIONS',
    ContentDescription: 'Lesion and organ masks',
    ContentCreatorName: o.contentCreator,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: ny,
    Columns: nx,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    NumberOfFrames: frames.length,
    SegmentSequence: kept.map((s) => ({
      SegmentNumber: s.segmentNumber,
      SegmentLabel: s.label,
      SegmentedPropertyCategoryCodeSequence: [code(s.category)],
      SegmentedPropertyTypeCodeSequence: [code(s.type)],
      ...(s.anatomicRegion ? { AnatomicRegionSequence: [code(s.anatomicRegion)] } : {}),
      SegmentAlgorithmType: s.algorithmType,
      ...(s.algorithmType !== 'MANUAL' && s.algorithm
        ? {
            SegmentAlgorithmName: s.algorithm.name,
            SegmentationAlgorithmIdentificationSequence: [
              {
                AlgorithmFamilyCodeSequence: [code({ value: '123110', scheme: 'DCM', meaning: 'Artificial Intelligence' })],
                AlgorithmName: s.algorithm.name,
                AlgorithmVersion: s.algorithm.version,
              },
            ],
          }
        : {}),
      TrackingID: s.trackingId,
      TrackingUID: s.trackingUid,
      ...(s.cielab ? { RecommendedDisplayCIELabValue: s.cielab } : {}),
    })),
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      { DimensionOrganizationUID: dimensionOrganizationUid, DimensionIndexPointer: 0x0062000b, FunctionalGroupPointer: 0x0062000a, DimensionDescriptionLabel: 'ReferencedSegmentNumber' },
      { DimensionOrganizationUID: dimensionOrganizationUid, DimensionIndexPointer: 0x00200032, FunctionalGroupPointer: 0x00209113, DimensionDescriptionLabel: 'ImagePositionPatient' },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: orientation }],
        PixelMeasuresSequence: [{ PixelSpacing: [ds(g.spacingMm[1]), ds(g.spacingMm[0])], SliceThickness: ds(g.spacingMm[2]), SpacingBetweenSlices: ds(g.spacingMm[2]) }],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map((f) => {
      const src = source.slices[f.slice];
      const position: Vec3 = indexToLps(g, [0, 0, f.slice]);
      return {
        FrameContentSequence: [{ DimensionIndexValues: [f.segmentNumber, f.slice + 1] }],
        PlanePositionSequence: [{ ImagePositionPatient: position.map(ds) }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segmentNumber }],
        DerivationImageSequence: [
          {
            SourceImageSequence: [
              {
                ReferencedSOPClassUID: src.sopClassUid,
                ReferencedSOPInstanceUID: src.sopInstanceUid,
                ...(src.frameNumber !== null ? { ReferencedFrameNumber: src.frameNumber } : {}),
                PurposeOfReferenceCodeSequence: purpose,
              },
            ],
            DerivationCodeSequence: [code({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' })],
          },
        ],
      };
    }),
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: source.seriesInstanceUid,
        ReferencedInstanceSequence: referencedSops.map((s) => ({ ReferencedSOPClassUID: s.sopClassUid, ReferencedSOPInstanceUID: s.sopInstanceUid })),
      },
    ],
    PixelData: [toArrayBuffer(packBinaryFrames(pixels))],
    _vrMap: { PixelData: 'OB' },
  };
}

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
}

const { DicomDict, DicomMetaDictionary } = dcmjs.data as unknown as {
  DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
  DicomMetaDictionary: { denaturalizeDataset(ds: unknown): unknown };
};

/** A naturalized data set as a Part 10 file (Explicit VR Little Endian). */
export function encodePart10(dataset: Record<string, unknown>): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LE,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'LONGITUDE',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
