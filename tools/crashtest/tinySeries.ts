/**
 * Small CT series for the import runs: `slices` images of size × size, each series with its own
 * patient, study, series, frame of reference and SOP Instance UIDs (so every import adds
 * something), written with the test DICOM writer in Explicit VR Little Endian.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageDataset, int16Bytes, writePart10, type DatasetSpec } from '../../main/testing/dicomWriter';

const ROOT_UID = '1.2.826.0.1.3680043.10.1177';

export function writeTinySeries(dir: string, index: number, slices = 6, size = 32): string {
  mkdirSync(dir, { recursive: true });
  const base = `${ROOT_UID}.${index + 1}`;
  for (let z = 0; z < slices; z++) {
    const pixels = new Int16Array(size * size);
    for (let i = 0; i < pixels.length; i++) pixels[i] = ((i * 7 + z * 13 + index * 31) % 400) - 100;
    const own: DatasetSpec = [
      { tag: 0x00080018, vr: 'UI', value: `${base}.3.${z + 1}` },
      { tag: 0x00080020, vr: 'DA', value: '20240115' },
      { tag: 0x00100010, vr: 'PN', value: `Crash^Import${index}` },
      { tag: 0x00100020, vr: 'LO', value: `IMP-${index}` },
      { tag: 0x0020000d, vr: 'UI', value: `${base}.1` },
      { tag: 0x0020000e, vr: 'UI', value: `${base}.2` },
      { tag: 0x00200013, vr: 'IS', value: String(z + 1) },
      { tag: 0x00200032, vr: 'DS', value: `-16\\-16\\${z * 2.5}` },
      { tag: 0x00200037, vr: 'DS', value: '1\\0\\0\\0\\1\\0' },
      { tag: 0x00200052, vr: 'UI', value: `${base}.4` },
      { tag: 0x00280030, vr: 'DS', value: '1\\1' },
      { tag: 0x00180050, vr: 'DS', value: '2.5' },
    ];
    const overridden = new Set(own.map((e) => e.tag));
    const ds = [
      ...imageDataset({ rows: size, columns: size, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1, rescale: { slope: 1, intercept: 0 }, pixelData: int16Bytes(pixels) }).filter(
        (e) => !overridden.has(e.tag),
      ),
      ...own,
    ];
    writeFileSync(join(dir, `IM${String(z + 1).padStart(4, '0')}.dcm`), writePart10(ds, '1.2.840.10008.1.2.1'));
  }
  return dir;
}
