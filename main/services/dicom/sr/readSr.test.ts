/**
 * The TID 1500 reader on reports written by others (highdicom, dcmqi) and by Longitude itself:
 * tracking identity, finding, measurements with units, coordinates and segment references.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSr, SrReadError } from './readSr';

const DATA = join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'data');
const read = (...p: string[]) => parseSr(readFileSync(join(DATA, ...p)), p.join('/'));

describe('TID 1500 written by others', () => {
  it('highdicom: the planar group with its tracking UID, finding, site and area on the image', () => {
    const doc = read('highdicom', 'sr_document.dcm');
    expect(doc).toMatchObject({ templateId: '1500', personObservers: ['Foo'] });
    const g = doc.groups[0];
    expect(g).toMatchObject({
      trackingId: 'Planar ROI Measurements',
      trackingUid: '1.2.826.0.1.3680043.8.498.95005499519195632686309166061552196996',
      finding: { value: 'T-A7010', scheme: 'SRT', meaning: 'Spinal cord' },
      findingSite: { value: 'T-D00F7', scheme: 'SRT', meaning: 'Cervico-thoracic spine' },
    });
    expect(g.region).toMatchObject({ type: 'CIRCLE', image: { sopClassUid: '1.2.840.10008.5.1.4.1.1.2' } });
    expect(g.measurements[0]).toMatchObject({ concept: { meaning: 'Area of defined region' }, value: 1.7, unit: { value: 'cm2' } });
  });

  it('highdicom with several groups: diameters, a volume with its segmentation source', () => {
    const doc = read('highdicom', 'sr_document_with_multiple_groups.dcm');
    const byId = new Map(doc.groups.map((g) => [g.trackingId, g]));
    expect(byId.get('LungNodule0001')!.measurements[0]).toMatchObject({ concept: { meaning: 'Diameter' }, value: 10, unit: { value: 'mm' } });
    expect(byId.get('LungNodule0001')!.findingSite).toMatchObject({ value: '39607008', scheme: 'SCT' });
    expect(byId.get('Vertebra0001')!.measurements[0]).toMatchObject({ concept: { meaning: 'Volume' }, value: 200, unit: { value: 'mm3' } });
  });

  it('dcmqi: 22 SUV and volume measurements of a segment, the segment referenced', () => {
    const doc = read('dcmqi', 'sr-example', 'sr.dcm');
    expect(doc.personObservers).toEqual(['User2']);
    const g = doc.groups[0];
    expect(g).toMatchObject({ trackingId: 'primary tumor', trackingUid: '2.25.318774060119084600392715520575818119084', timePoint: '1', referencedSegment: { segmentNumber: 1 } });
    expect(g.measurements.find((m) => m.concept.meaning === 'Volume')).toMatchObject({ value: 33.5824, unit: { value: 'ml' }, method: { value: '126030' } });
    expect(g.measurements.find((m) => m.derivation?.meaning === 'Mean')?.value).toBeCloseTo(6.01529, 5);
  });

  it('names the file and the reason for anything that is not a measurement report', () => {
    expect(() => parseSr(readFileSync(join(DATA, 'highdicom', 'ct_image.dcm')), 'ct_image.dcm')).toThrow(SrReadError);
    expect(() => parseSr(readFileSync(join(DATA, 'highdicom', 'ct_image.dcm')), 'ct_image.dcm')).toThrow(/ct_image\.dcm: not a structured report/);
    expect(() => parseSr(new Uint8Array([1, 2, 3]), 'junk.dcm')).toThrow(/junk\.dcm: not a readable DICOM file/);
  });
});
