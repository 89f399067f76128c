/**
 * The tumor-board report PDF as a DICOM Encapsulated PDF instance (PS3.3 A.45.1, Encapsulated
 * PDF IOD), so a PACS files it with the exam: the Patient and General Study modules are the
 * source CT's (same Patient ID, name, Study Instance UID), the rest is Longitude's own.
 *
 * Modules: Patient, General Study (and the Patient Study attributes the source has), Encapsulated
 * Document Series (Modality DOC), General Equipment, SC Equipment (Conversion Type WSD),
 * Encapsulated Document, SOP Common.
 *
 * - Encapsulated Document (0042,0011) is OB, so its value has an even length: an odd-length PDF
 *   gets one trailing 0x00, and Encapsulated Document Length (0042,0015) keeps the PDF's own
 *   length so a reader can strip the pad (PS3.3 C.24.2).
 * - The report shows the patient's identity on its pages: Burned In Annotation YES.
 * - dcmjs writes every string as UTF-8. The source's Specific Character Set is repeated when all
 *   text written is ASCII (then any declared repertoire reads the same bytes); with any other
 *   character the instance says ISO_IR 192, which is what the bytes are.
 */
import { sourceModules, writerModules, type Code } from './segExport';

export const ENCAPSULATED_PDF_STORAGE_UID = '1.2.840.10008.5.1.4.1.1.104.1';

/** PS3.16 CID 7000 (Diagnostic Imaging Report Document Titles): LOINC 18748-4. */
export const DIAGNOSTIC_IMAGING_REPORT: Code = { value: '18748-4', scheme: 'LN', meaning: 'Diagnostic Imaging Report' };

export interface EncapsulatedPdfInput {
  /** The source CT's header, naturalized (dcmjs): its Patient and General Study attributes are copied. */
  header: Record<string, unknown>;
  pdf: Uint8Array;
  /** Document Title (0042,0010). */
  title: string;
  /** Concept Name Code Sequence: the coded title; LOINC 18748-4 Diagnostic Imaging Report when absent. */
  conceptName?: Code;
  /** The instances the document was derived from (Source Instance Sequence, Type 1C). */
  sourceInstances?: { sopClassUid: string; sopInstanceUid: string }[];
  seriesInstanceUid: string;
  sopInstanceUid: string;
  seriesNumber: number;
  seriesDescription?: string;
  softwareVersion: string;
  deviceSerialNumber: string;
  now: Date;
  /** Whether the pages show identifying information (the report does: patient name and ID). */
  burnedInAnnotation: 'YES' | 'NO';
}

const code = (c: Code) => ({ CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning });

/** Whether any string in a naturalized data set (sequences and person names included) has a character outside ASCII. */
function hasNonAscii(value: unknown): boolean {
  if (typeof value === 'string') return /[^\x00-\x7f]/.test(value);
  if (Array.isArray(value)) return value.some(hasNonAscii);
  if (value && typeof value === 'object' && !(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) return Object.values(value).some(hasNonAscii);
  return false;
}

/** The Encapsulated PDF data set (naturalized for dcmjs; write it with encodePart10). */
export function buildEncapsulatedPdfDataset(input: EncapsulatedPdfInput): Record<string, unknown> {
  const { pdf } = input;
  if (pdf.length === 0) throw new Error('the PDF is empty: there is nothing to encapsulate');
  if (pdf.length > 0xfffffffe) throw new Error(`the PDF is too large to encapsulate (${pdf.length} bytes)`);
  // An OB value of even length: the PDF's bytes, then one 0x00 when their count is odd.
  const padded = new Uint8Array(pdf.length + (pdf.length % 2));
  padded.set(pdf);
  const written = writerModules(input);

  const dataset: Record<string, unknown> = {
    SOPClassUID: ENCAPSULATED_PDF_STORAGE_UID,
    SOPInstanceUID: input.sopInstanceUid,
    InstanceCreationDate: written.ContentDate,
    InstanceCreationTime: written.ContentTime,
    // Patient, General Study (Patient Study): the source's.
    ...sourceModules(input.header, false),
    // Encapsulated Document Series.
    Modality: 'DOC',
    SeriesInstanceUID: input.seriesInstanceUid,
    SeriesNumber: input.seriesNumber,
    SeriesDescription: input.seriesDescription ?? 'Longitude tumor-board report',
    // General Equipment; Instance Number and Content Date/Time of the Encapsulated Document module.
    ...written,
    // SC Equipment.
    ConversionType: 'WSD',
    SecondaryCaptureDeviceManufacturer: written.Manufacturer,
    SecondaryCaptureDeviceManufacturerModelName: written.ManufacturerModelName,
    SecondaryCaptureDeviceSoftwareVersions: written.SoftwareVersions,
    // Encapsulated Document.
    AcquisitionDateTime: `${written.ContentDate}${written.ContentTime}`,
    BurnedInAnnotation: input.burnedInAnnotation,
    ...(input.sourceInstances?.length
      ? { SourceInstanceSequence: input.sourceInstances.map((s) => ({ ReferencedSOPClassUID: s.sopClassUid, ReferencedSOPInstanceUID: s.sopInstanceUid })) }
      : {}),
    DocumentTitle: input.title,
    ConceptNameCodeSequence: [code(input.conceptName ?? DIAGNOSTIC_IMAGING_REPORT)],
    MIMETypeOfEncapsulatedDocument: 'application/pdf',
    EncapsulatedDocument: [padded.buffer],
    EncapsulatedDocumentLength: pdf.length,
  };
  const declared = input.header.SpecificCharacterSet;
  const specificCharacterSet = hasNonAscii(dataset) ? 'ISO_IR 192' : declared !== undefined && declared !== '' ? declared : undefined;
  return specificCharacterSet === undefined ? dataset : { SpecificCharacterSet: specificCharacterSet, ...dataset };
}
