import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { indexToLps } from '../../../../core/dicom/geometry';
import { nrrdGeometry, parseNrrd } from './nrrd';

function nrrd(header: string[], data: Uint8Array): Uint8Array {
  const head = Buffer.from(['NRRD0004', ...header].join('\n') + '\n\n', 'latin1');
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

describe('parseNrrd', () => {
  it('reads raw big-endian shorts and converts a RAS space to LPS', () => {
    const values = [1, -2, 300, 0, 5, 6];
    const data = new Uint8Array(12);
    values.forEach((v, i) => new DataView(data.buffer).setInt16(i * 2, v, false));
    const file = nrrd(
      [
        '# a comment',
        'type: signed short',
        'dimension: 3',
        'space: right-anterior-superior',
        'sizes: 3 2 1',
        'space directions: (-0.5,0,0) (0,-0.7,0) (0,0,2.5)',
        'kinds: domain domain domain',
        'endian: big',
        'encoding: raw',
        'space origin: (10,20,30)',
        'Segment0_Name:=Liver',
      ],
      data,
    );
    const n = parseNrrd(file, 'ras.nrrd');
    expect([...n.data]).toEqual(values);
    expect(n.fields.Segment0_Name).toBe('Liver');
    const g = nrrdGeometry(n, 'ras.nrrd');
    // RAS (−0.5, 0, 0) per i step is LPS (+0.5, 0, 0); origin RAS (10, 20, 30) is LPS (−10, −20, 30).
    expect(g).toEqual({ dims: [3, 2, 1], spacingMm: [0.5, 0.7, 2.5], originMm: [-10, -20, 30], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
    expect(indexToLps(g, [2, 1, 0])).toEqual([-9, -19.3, 30]);
  });

  it('reads gzip-encoded unsigned bytes', () => {
    const data = Uint8Array.from({ length: 24 }, (_, i) => i % 3);
    const file = nrrd(['type: uchar', 'dimension: 3', 'sizes: 2 3 4', 'encoding: gzip', 'space: LPS', 'space directions: (1,0,0) (0,1,0) (0,0,1)', 'space origin: (0,0,0)'], gzipSync(data));
    expect([...parseNrrd(file, 'u8.nrrd').data]).toEqual([...data]);
  });

  it('names the file and the reason when it cannot read one', () => {
    expect(() => parseNrrd(new TextEncoder().encode('P5 2 2 255\n\n'), 'image.pgm')).toThrow('image.pgm: not a NRRD file (no NRRD000x magic)');
    expect(() => parseNrrd(nrrd(['type: short', 'dimension: 3', 'sizes: 2 2 2', 'data file: x.raw', 'encoding: raw'], new Uint8Array()), 'detached.nhdr')).toThrow(
      'detached.nhdr: detached data files are not supported',
    );
    expect(() => parseNrrd(nrrd(['type: short', 'dimension: 3', 'sizes: 2 2 2', 'encoding: raw'], new Uint8Array(10)), 'short.nrrd')).toThrow(
      'short.nrrd: the data holds 10 bytes but 2×2×2 int16 samples need 16',
    );
    expect(() => parseNrrd(nrrd(['type: short', 'dimension: 3', 'sizes: 2 2 2', 'encoding: bzip2'], new Uint8Array(16)), 'b.nrrd')).toThrow(/encoding "bzip2" is not supported/);
  });
});
