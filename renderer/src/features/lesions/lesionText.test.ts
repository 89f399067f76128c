import { describe, expect, it } from 'vitest';
import type { AuditEntry, Lesion, Measurement } from '../../../../core/api/types';
import { compareLabels, describeAuditEntry, diametersText, lesionWhere, localDateTime, mergeAuditTrails, statusChoices } from './lesionText';

const lesion: Lesion = {
  id: 7,
  patientRowId: 1,
  label: 'L3',
  site: 'liver',
  couinaudSegment: 'VII',
  nodeStation: null,
  recistRole: 'target',
  lymphNode: false,
  lesionType: 'metastasis',
  referenceStandard: null,
  notes: '',
  createdAt: '2024-03-01T10:00:00.000Z',
};

const ctx = {
  examOfStudy: (id: number) => (id === 11 ? '2024-05-02' : null),
  examOfSeries: (id: number) => (id === 21 ? '2024-05-02' : null),
};

function entry(partial: Partial<AuditEntry>): AuditEntry {
  return { id: 1, at: '2024-05-02T09:30:00.000Z', entity: 'lesion', entityId: 7, action: 'update', before: null, after: null, ...partial };
}

describe('lesion words', () => {
  it('says where a lesion is: liver segment, node station', () => {
    expect(lesionWhere(lesion)).toBe('Liver · seg VII');
    expect(lesionWhere({ site: 'lymph-node', couinaudSegment: null, nodeStation: '16a2', lymphNode: true })).toBe('Lymph node · station 16a2');
    // A segment left over from a site change is not shown for a lung lesion.
    expect(lesionWhere({ site: 'lung', couinaudSegment: 'VII', nodeStation: null, lymphNode: false })).toBe('Lung');
  });

  it('offers RECIST statuses by role: targets can be too small, non-targets can progress unequivocally', () => {
    expect(statusChoices('target')).toEqual(['too-small', 'disappeared', 'not-evaluated']);
    expect(statusChoices('non-target')).toContain('unequivocal-progression');
    expect(statusChoices('new')).not.toContain('unequivocal-progression');
  });

  it('sorts L2 before L10', () => {
    expect(['L10', 'L2', 'L1'].sort(compareLabels)).toEqual(['L1', 'L2', 'L10']);
  });

  it('writes caliper diameters with one decimal, long × short', () => {
    expect(diametersText(32, 20.06)).toBe('32.0 × 20.1 mm');
    expect(diametersText(18.25, null)).toBe('18.3 mm');
    expect(diametersText(null, null)).toBe('—');
  });
});

describe('audit trail', () => {
  it('lists only the fields an edit changed, before → after, in words', () => {
    const line = describeAuditEntry(entry({ before: lesion, after: { ...lesion, site: 'lymph-node', lymphNode: true, couinaudSegment: null, nodeStation: '8a' } }), ctx);
    expect(line.title).toBe('L3 edited');
    expect(line.changes).toEqual([
      { field: 'Site', before: 'Liver', after: 'Lymph node' },
      { field: 'Couinaud segment', before: 'VII', after: '—' },
      { field: 'Node station', before: '—', after: '8a' },
      { field: 'Lymph node', before: 'no', after: 'yes' },
    ]);
  });

  it('names the exam of a status change and says what clearing means', () => {
    const set = describeAuditEntry(entry({ entity: 'assessment', action: 'create', before: null, after: { studyRowId: 11, status: 'too-small' } }), ctx);
    expect(set.title).toBe('Status on exam 2024-05-02');
    expect(set.changes[0]).toEqual({ field: 'Status', before: '—', after: 'too small' });
    const cleared = describeAuditEntry(entry({ entity: 'assessment', action: 'delete', before: { studyRowId: 11, status: 'too-small' }, after: null }), ctx);
    expect(cleared.changes[0].after).toBe('cleared (from measurements)');
  });

  it('shows a measurement edit as diameters before → after on its exam', () => {
    const m: Measurement = {
      id: 5,
      lesionId: 7,
      seriesId: 21,
      kind: 'bidirectional',
      pointsLps: [],
      sliceIndex: 10,
      longAxisMm: 32,
      shortAxisMm: 20.1,
      areaMm2: null,
      hu: null,
      source: 'manual',
      createdAt: '',
      updatedAt: '',
    };
    const line = describeAuditEntry(entry({ entity: 'measurement', entityId: 5, before: m, after: { ...m, longAxisMm: 28.44, shortAxisMm: 18 } }), ctx);
    expect(line.title).toBe('Measurement (bidirectional) edited on exam 2024-05-02');
    expect(line.changes).toEqual([{ field: 'Diameters', before: '32.0 × 20.1 mm', after: '28.4 × 18.0 mm' }]);
  });

  it('names the reader who made the change, and nobody on rows from before readers were recorded', () => {
    expect(describeAuditEntry(entry({ reader: { name: 'Dr A. Jones', id: 'R-9' } }), ctx).by).toBe('Dr A. Jones (R-9)');
    expect(describeAuditEntry(entry({ reader: { name: 'Dr B', id: null } }), ctx).by).toBe('Dr B');
    expect(describeAuditEntry(entry({}), ctx).by).toBeNull();
  });

  it('gives local time to the minute', () => {
    const d = new Date('2024-05-02T09:30:00.000Z');
    expect(localDateTime(d.toISOString())).toBe(
      `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${String(d.getHours()).padStart(2, '0')}:30`,
    );
  });

  it('merges trails newest first without duplicates', () => {
    const a = [entry({ id: 1 }), entry({ id: 4 })];
    const b = [entry({ id: 2, entity: 'assessment' }), entry({ id: 4 })];
    expect(mergeAuditTrails([a, b]).map((e) => e.id)).toEqual([4, 2, 1]);
  });
});
