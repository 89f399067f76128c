// Test support: writes small DICOM Part 10 files in Explicit VR Little Endian
// (dcmtk transcodes them to other syntaxes), so tests can build the cases real
// data does not cover: Enhanced CT multi-frame, odd bit layouts, bad headers.

export interface EncapsulatedValue {
  /** Fragments in order; frameStarts lists the index of each frame's first fragment (for the Basic Offset Table). */
  fragments: Uint8Array[];
  basicOffsetTable: 'none' | 'frames';
  frameStarts?: number[];
}

export type ElementValue = string | number[] | Uint8Array | DatasetSpec[] | EncapsulatedValue | bigint[];

export interface ElementSpec {
  tag: number;
  vr: string;
  value: ElementValue;
}

export type DatasetSpec = ElementSpec[];

const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

class ByteWriter {
  private chunks: Uint8Array[] = [];
  length = 0;

  bytes(data: Uint8Array): void {
    this.chunks.push(data);
    this.length += data.length;
  }

  uint16(value: number): void {
    const data = new Uint8Array(2);
    new DataView(data.buffer).setUint16(0, value, true);
    this.bytes(data);
  }

  uint32(value: number): void {
    const data = new Uint8Array(4);
    new DataView(data.buffer).setUint32(0, value, true);
    this.bytes(data);
  }

  tag(tag: number): void {
    this.uint16(tag >>> 16);
    this.uint16(tag & 0xffff);
  }

  result(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

function isEncapsulated(value: ElementValue): value is EncapsulatedValue {
  return typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function encodeValue(vr: string, value: ElementValue): Uint8Array {
  if (typeof value === 'string') {
    const text = value.length % 2 === 1 ? value + (vr === 'UI' ? '\0' : ' ') : value;
    return new Uint8Array(Buffer.from(text, 'latin1'));
  }
  if (value instanceof Uint8Array) {
    if (value.length % 2 === 0) return value;
    const padded = new Uint8Array(value.length + 1);
    padded.set(value);
    return padded;
  }
  if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'bigint') {
    const data = new Uint8Array(value.length * 8);
    const view = new DataView(data.buffer);
    (value as bigint[]).forEach((v, i) => view.setBigUint64(i * 8, v, true));
    return data;
  }
  if (vr === 'SQ') {
    const writer = new ByteWriter();
    for (const item of value as DatasetSpec[]) {
      const encoded = encodeDataset(item);
      writer.tag(0xfffee000);
      writer.uint32(encoded.length);
      writer.bytes(encoded);
    }
    return writer.result();
  }
  const numbers = value as number[];
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4;
  const data = new Uint8Array(numbers.length * size);
  const view = new DataView(data.buffer);
  numbers.forEach((n, i) => {
    if (vr === 'US') view.setUint16(i * 2, n, true);
    else if (vr === 'SS') view.setInt16(i * 2, n, true);
    else if (vr === 'UL') view.setUint32(i * 4, n, true);
    else if (vr === 'SL') view.setInt32(i * 4, n, true);
    else if (vr === 'FL') view.setFloat32(i * 4, n, true);
    else if (vr === 'FD') view.setFloat64(i * 8, n, true);
    else throw new Error(`dicomWriter: no numeric encoding for VR ${vr}`);
  });
  return data;
}

function writeElement(writer: ByteWriter, element: ElementSpec): void {
  writer.tag(element.tag);
  writer.bytes(new Uint8Array(Buffer.from(element.vr, 'latin1')));
  if (isEncapsulated(element.value)) {
    writer.uint16(0);
    writer.uint32(0xffffffff);
    const { fragments, basicOffsetTable, frameStarts } = element.value;
    const itemOffsets: number[] = [];
    let offset = 0;
    for (const fragment of fragments) {
      itemOffsets.push(offset);
      offset += 8 + fragment.length + (fragment.length % 2);
    }
    const table = basicOffsetTable === 'frames' ? (frameStarts ?? fragments.map((_, i) => i)).map((i) => itemOffsets[i]) : [];
    writer.tag(0xfffee000);
    writer.uint32(table.length * 4);
    for (const entry of table) writer.uint32(entry);
    for (const fragment of fragments) {
      const data = encodeValue('OB', fragment);
      writer.tag(0xfffee000);
      writer.uint32(data.length);
      writer.bytes(data);
    }
    writer.tag(0xfffee0dd);
    writer.uint32(0);
    return;
  }
  const data = encodeValue(element.vr, element.value);
  if (LONG_LENGTH_VRS.has(element.vr)) {
    writer.uint16(0);
    writer.uint32(data.length);
  } else {
    writer.uint16(data.length);
  }
  writer.bytes(data);
}

export function encodeDataset(elements: DatasetSpec): Uint8Array {
  const writer = new ByteWriter();
  for (const element of [...elements].sort((a, b) => a.tag - b.tag)) writeElement(writer, element);
  return writer.result();
}

/** A whole Part 10 file: preamble, meta header (always Explicit VR LE), data set in Explicit VR LE. */
export function writePart10(dataset: DatasetSpec, transferSyntaxUid: string): Uint8Array {
  const sopClass = dataset.find((e) => e.tag === 0x00080016)?.value;
  const sopInstance = dataset.find((e) => e.tag === 0x00080018)?.value;
  const metaBody = encodeDataset([
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: 'UI', value: typeof sopClass === 'string' ? sopClass : '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00020003, vr: 'UI', value: typeof sopInstance === 'string' ? sopInstance : '1.2.3.4.5' },
    { tag: 0x00020010, vr: 'UI', value: transferSyntaxUid },
    { tag: 0x00020012, vr: 'UI', value: '1.2.826.0.1.3680043.10.1' },
  ]);
  const groupLength = encodeDataset([{ tag: 0x00020000, vr: 'UL', value: [metaBody.length] }]);
  const body = encodeDataset(dataset);
  const file = new Uint8Array(132 + groupLength.length + metaBody.length + body.length);
  file.set(Buffer.from('DICM', 'latin1'), 128);
  file.set(groupLength, 132);
  file.set(metaBody, 132 + groupLength.length);
  file.set(body, 132 + groupLength.length + metaBody.length);
  return file;
}

/** Little-endian bytes of 16-bit samples. */
export function int16Bytes(values: ArrayLike<number>): Uint8Array {
  const data = new Uint8Array(values.length * 2);
  const view = new DataView(data.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, values[i] & 0xffff, true);
  return data;
}

export interface ImageSpec {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit?: number;
  pixelRepresentation: 0 | 1;
  photometric?: string;
  rescale?: { slope: number; intercept: number };
  sopClassUid?: string;
  numberOfFrames?: number;
  pixelData: Uint8Array | EncapsulatedValue;
  extra?: DatasetSpec;
}

/** A CT-like image data set with the Image Pixel attributes filled in. */
export function imageDataset(spec: ImageSpec): DatasetSpec {
  const dataset: DatasetSpec = [
    { tag: 0x00080016, vr: 'UI', value: spec.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00080018, vr: 'UI', value: '1.2.826.0.1.3680043.10.1.1' },
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00100020, vr: 'LO', value: 'TEST' },
    { tag: 0x0020000d, vr: 'UI', value: '1.2.826.0.1.3680043.10.1.2' },
    { tag: 0x0020000e, vr: 'UI', value: '1.2.826.0.1.3680043.10.1.3' },
    { tag: 0x00280002, vr: 'US', value: [1] },
    { tag: 0x00280004, vr: 'CS', value: spec.photometric ?? 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: [spec.rows] },
    { tag: 0x00280011, vr: 'US', value: [spec.columns] },
    { tag: 0x00280100, vr: 'US', value: [spec.bitsAllocated] },
    { tag: 0x00280101, vr: 'US', value: [spec.bitsStored] },
    { tag: 0x00280102, vr: 'US', value: [spec.highBit ?? spec.bitsStored - 1] },
    { tag: 0x00280103, vr: 'US', value: [spec.pixelRepresentation] },
    {
      tag: 0x7fe00010,
      vr: spec.bitsAllocated === 8 || !(spec.pixelData instanceof Uint8Array) ? 'OB' : 'OW',
      value: spec.pixelData,
    },
  ];
  if (spec.numberOfFrames !== undefined) {
    dataset.push({ tag: 0x00280008, vr: 'IS', value: String(spec.numberOfFrames) });
  }
  if (spec.rescale) {
    dataset.push(
      { tag: 0x00281052, vr: 'DS', value: String(spec.rescale.intercept) },
      { tag: 0x00281053, vr: 'DS', value: String(spec.rescale.slope) },
      { tag: 0x00281054, vr: 'LO', value: 'HU' },
    );
  }
  return [...dataset, ...(spec.extra ?? [])];
}
