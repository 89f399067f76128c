import { describe, expect, it } from 'vitest';
import type { PacsNode, PacsProgressEvent, PacsRetrieveResult } from '../../../../core/api/domains/pacs';
import { ApiError } from '../../../../core/api/errors';
import {
  EMPTY_QUERY,
  buildQuery,
  countsText,
  echoText,
  emptyNodeForm,
  errorText,
  formToNode,
  isCancellation,
  isoDate,
  newJobId,
  nodeAddress,
  nodeToForm,
  parseAeList,
  priorsErrorsText,
  priorsText,
  progressFraction,
  progressText,
  queryText,
  receiverText,
  retrieveComplete,
  retrieveSummary,
  sendSummary,
  skippedFiles,
  sortStudies,
  studyDateRange,
  studyLabel,
  toDicomDate,
} from './pacsText';

const ev = (patch: Partial<PacsProgressEvent>): PacsProgressEvent => ({ jobId: 'j', node: 'PACS-A', phase: 'retrieve', done: 0, total: null, bytes: 0, ...patch });

function node(patch: Partial<PacsNode> = {}): PacsNode {
  return {
    id: 3,
    name: 'PACS-A',
    aeTitle: 'ORTHANC',
    host: 'pacs.local',
    port: 4242,
    dicomwebUrl: 'http://pacs.local:8042/dicom-web',
    auth: 'basic',
    username: 'alice',
    hasSecret: true,
    retrieveMethod: 'wado-rs',
    queryPriors: true,
    autoRetrievePriors: false,
    createdAt: '2025-01-01T00:00:00Z',
    ...patch,
  };
}

function result(patch: Partial<PacsRetrieveResult> = {}): PacsRetrieveResult {
  return {
    node: 'PACS-A',
    method: 'wado-rs',
    studyInstanceUid: '1.2.3',
    seriesInstanceUids: ['1.2.3.4'],
    expected: 64,
    received: 64,
    bytes: 5 * 1024 * 1024,
    seconds: 3.42,
    report: { imported: 64, duplicates: 0, skipped: 0, files: [], series: [], durationMs: 900 },
    missing: [],
    cancelled: false,
    ...patch,
  };
}

describe('query dates', () => {
  it('turns date inputs into DICOM dates', () => {
    expect(toDicomDate('2024-03-07')).toBe('20240307');
    expect(toDicomDate('20240307')).toBe('20240307');
    expect(toDicomDate('  ')).toBe('');
    expect(toDicomDate('2024-13-01')).toBeNull();
    expect(toDicomDate('7.3.2024')).toBeNull();
  });

  it('makes ranges, open ranges and single days', () => {
    expect(studyDateRange('2024-01-01', '2024-12-31')).toBe('20240101-20241231');
    expect(studyDateRange('2024-01-01', '')).toBe('20240101-');
    expect(studyDateRange('', '2024-12-31')).toBe('-20241231');
    expect(studyDateRange('2024-05-05', '2024-05-05')).toBe('20240505');
    expect(studyDateRange('', '')).toBeUndefined();
  });

  it('refuses a reversed or malformed range in words', () => {
    expect(() => studyDateRange('2024-12-31', '2024-01-01')).toThrow(/wrong way round: 2024-12-31 is after 2024-01-01/);
    expect(() => studyDateRange('yesterday', '')).toThrow(/not a date/);
  });

  it('shows DICOM and ISO dates the same way', () => {
    expect(isoDate('20240307')).toBe('2024-03-07');
    expect(isoDate('2024-03-07')).toBe('2024-03-07');
    expect(isoDate(null)).toBe('—');
  });
});

describe('buildQuery', () => {
  it('sends only the filled fields, with CT by default', () => {
    const built = buildQuery({ ...EMPTY_QUERY, patientId: ' PACS-E2E ', studyFrom: '2023-01-01', studyTo: '2023-06-30' });
    expect(built).toEqual({ query: { patientId: 'PACS-E2E', modality: 'CT', studyDate: '20230101-20230630' } });
  });

  it('keeps wildcards in names and drops an empty modality', () => {
    expect(buildQuery({ ...EMPTY_QUERY, patientName: 'DOE*', modality: '', birthDate: '1960-02-29' })).toEqual({ query: { patientName: 'DOE*', birthDate: '19600229' } });
  });

  it('will not list the whole archive', () => {
    const built = buildQuery({ ...EMPTY_QUERY });
    expect('error' in built && built.error).toMatch(/whole PACS/);
  });

  it('says what is wrong with the dates', () => {
    const built = buildQuery({ ...EMPTY_QUERY, patientId: 'X', studyFrom: '2024-02-01', studyTo: '2024-01-01' });
    expect('error' in built && built.error).toMatch(/^Study date: the study dates are the wrong way round/);
  });

  it('describes a query for the results heading', () => {
    expect(queryText({ patientId: 'P1', patientName: 'DOE*', studyDate: '20240101-', modality: 'CT' })).toBe('P1 · DOE* · 20240101- · CT');
  });
});

describe('studies', () => {
  it('counts series and images, unknown as ?', () => {
    expect(countsText({ seriesCount: 2, instanceCount: 1 })).toBe('2 series · 1 image');
    expect(countsText({ seriesCount: null, instanceCount: null })).toBe('? series · ? images');
  });

  it('names a study without saying its modality twice', () => {
    expect(studyLabel({ studyDate: '2022-04-20', modalities: ['CT'], description: 'CT ABDOMEN WITH CONTRAST' })).toBe('2022-04-20 CT ABDOMEN WITH CONTRAST');
    expect(studyLabel({ studyDate: '2022-04-20', modalities: ['CT', 'SR'], description: 'Thorax' })).toBe('2022-04-20 CT/SR Thorax');
    expect(studyLabel({ studyDate: null, modalities: [], description: '' })).toBe('—');
  });

  it('sorts newest first, undated last', () => {
    const s = sortStudies([
      { studyDate: '2023-01-01', studyTime: null, id: 'a' },
      { studyDate: null, studyTime: null, id: 'b' },
      { studyDate: '2024-01-01', studyTime: '101010', id: 'c' },
      { studyDate: '2024-01-01', studyTime: '090000', id: 'd' },
    ]);
    expect(s.map((x) => x.id)).toEqual(['c', 'd', 'a', 'b']);
  });
});

describe('nodes', () => {
  it('says where a node is reached', () => {
    expect(nodeAddress(node())).toBe('ORTHANC@pacs.local:4242 · http://pacs.local:8042/dicom-web');
    expect(nodeAddress(node({ aeTitle: null, host: null, port: null }))).toBe('http://pacs.local:8042/dicom-web');
    expect(nodeAddress(node({ dicomwebUrl: null }))).toBe('ORTHANC@pacs.local:4242');
  });

  it('never fills the secret into the form, and says one is stored', () => {
    const form = nodeToForm(node());
    expect(form.secret).toBe('');
    expect(form.hasSecret).toBe(true);
    expect(form.port).toBe('4242');
  });

  it('keeps the stored secret when the field is left empty', () => {
    const built = formToNode(nodeToForm(node()));
    expect('node' in built && built.node).toEqual({
      id: 3,
      name: 'PACS-A',
      dicomwebUrl: 'http://pacs.local:8042/dicom-web',
      aeTitle: 'ORTHANC',
      host: 'pacs.local',
      port: 4242,
      auth: 'basic',
      username: 'alice',
      retrieveMethod: 'wado-rs',
      queryPriors: true,
      autoRetrievePriors: false,
    });
  });

  it('sends a new secret, and a DICOMweb-only node without DIMSE fields', () => {
    const built = formToNode({ ...emptyNodeForm(), name: 'WEB', dicomwebUrl: 'https://x/dicom-web', auth: 'bearer', secret: 's3cret' });
    expect('node' in built && built.node).toMatchObject({ name: 'WEB', aeTitle: null, host: null, port: null, auth: 'bearer', username: null, secret: 's3cret' });
    expect('node' in built && 'retrieveMethod' in built.node).toBe(false);
  });

  it('asks for what is missing, one thing at a time', () => {
    const err = (patch: Partial<ReturnType<typeof emptyNodeForm>>) => {
      const b = formToNode({ ...emptyNodeForm(), name: 'N', ...patch });
      return 'error' in b ? b.error : null;
    };
    expect(err({ name: '' })).toMatch(/name/);
    expect(err({ name: 'my pacs' })).toMatch(/cannot be a node name/);
    expect(err({})).toMatch(/DICOMweb URL, or a DIMSE/);
    expect(err({ aeTitle: 'ORTHANC' })).toMatch(/all three/);
    expect(err({ aeTitle: 'ORTHANC', host: 'h', port: '99999' })).toMatch(/not a TCP port/);
    expect(err({ aeTitle: 'A\\B', host: 'h', port: '104' })).toMatch(/not an AE title/);
    expect(err({ dicomwebUrl: 'ftp://x' })).toMatch(/not a DICOMweb URL/);
    expect(err({ dicomwebUrl: 'http://x', auth: 'basic', secret: 'p' })).toMatch(/user name/);
    expect(err({ dicomwebUrl: 'http://x', auth: 'bearer' })).toMatch(/Paste the token/);
    expect(err({ aeTitle: 'A', host: 'h', port: '104', auth: 'basic', username: 'u', secret: 'p' })).toMatch(/Authentication is for DICOMweb/);
    expect(err({ aeTitle: 'A', host: 'h', port: '104', retrieveMethod: 'wado-rs' })).toMatch(/WADO-RS needs/);
    expect(err({ dicomwebUrl: 'http://x', retrieveMethod: 'c-move' })).toMatch(/C-MOVE needs/);
    expect(err({ dicomwebUrl: 'http://x' })).toBeNull();
  });

  it('drops automatic fetching when priors are not looked up', () => {
    const built = formToNode({ ...emptyNodeForm(), name: 'N', dicomwebUrl: 'http://x', queryPriors: false, autoRetrievePriors: true });
    expect('node' in built && built.node.autoRetrievePriors).toBe(false);
  });

  it('words an echo', () => {
    expect(echoText('DICOMweb', { ok: true, ms: 12 })).toBe('DICOMweb: OK in 12 ms');
    expect(echoText('DIMSE', { ok: false, ms: 3001, error: 'connect ECONNREFUSED 127.0.0.1:4242' })).toBe('DIMSE: failed after 3001 ms — connect ECONNREFUSED 127.0.0.1:4242');
    expect(echoText('DIMSE', null)).toBe('DIMSE: not configured');
  });
});

describe('progress', () => {
  it('says what the job is doing', () => {
    expect(progressText(null)).toBe('Asking the PACS…');
    expect(progressText(ev({ phase: 'query' }))).toBe('Asking PACS-A what it has…');
    expect(progressText(ev({ phase: 'retrieve' }))).toBe('Waiting for PACS-A to send the images…');
    expect(progressText(ev({ phase: 'retrieve', done: 12, total: 64, bytes: 3 * 1024 * 1024 }))).toBe('Receiving images from PACS-A: 12 of 64 (3.0 MB)');
    expect(progressText(ev({ phase: 'retrieve', done: 12, total: null, bytes: 2048 }))).toBe('Receiving images from PACS-A: 12 (2.0 kB)');
    expect(progressText(ev({ phase: 'import', done: 0, total: 64 }))).toBe('Importing 64 images into the library…');
    expect(progressText(ev({ phase: 'send', total: 3 }))).toBe('Sending 3 files to PACS-A…');
    expect(progressText(ev({ phase: 'send', total: null }))).toBe('Sending to PACS-A…');
    expect(progressText(ev({ phase: 'done', done: 1 }))).toBe('Done: 1 image');
    expect(progressText(ev({ phase: 'failed', message: 'HTTP 500' }))).toBe('Failed: HTTP 500');
    expect(progressText(ev({ phase: 'cancelled' }))).toBe('Cancelled');
  });

  it('fills the bar only when the count is known', () => {
    expect(progressFraction(null)).toBeNull();
    expect(progressFraction(ev({ done: 16, total: 64 }))).toBe(0.25);
    expect(progressFraction(ev({ done: 16, total: null }))).toBeNull();
    expect(progressFraction(ev({ done: 80, total: 64 }))).toBe(1);
    expect(progressFraction(ev({ phase: 'import', total: 64 }))).toBeNull();
    expect(progressFraction(ev({ phase: 'done' }))).toBe(1);
  });
});

describe('results', () => {
  it('sums up a retrieval', () => {
    expect(retrieveSummary(result())).toBe('64 images received (5.0 MB in 3.4 s): 64 imported, 0 duplicates, 0 skipped');
    expect(retrieveSummary(result({ received: 60, report: { imported: 59, duplicates: 1, skipped: 0, files: [], series: [], durationMs: 1 } }))).toBe(
      '60 images received of 64 announced (5.0 MB in 3.4 s): 59 imported, 1 duplicate, 0 skipped',
    );
    expect(retrieveComplete(result())).toBe(true);
    expect(retrieveComplete(result({ missing: ['1.2.3.4.5'] }))).toBe(false);
  });

  it('lists skipped files by name with why', () => {
    const r = result({
      report: {
        imported: 1,
        duplicates: 0,
        skipped: 1,
        durationMs: 1,
        series: [],
        files: [
          { file: '/home/incoming/retrieve-x/1.2.3.dcm', outcome: 'imported' },
          { file: '/home/incoming/retrieve-x/1.2.4.dcm', outcome: 'skipped', reason: 'not a DICOM file' },
        ],
      },
    });
    expect(skippedFiles(r)).toEqual(['1.2.4.dcm: not a DICOM file']);
    expect(retrieveComplete(r)).toBe(false);
  });

  it('words errors without the transport prefix', () => {
    expect(errorText(new ApiError('invalid', 'retrievePacs: node PACS-A has no DICOMweb URL for WADO-RS; use c-get or c-move'))).toBe('node PACS-A has no DICOMweb URL for WADO-RS; use c-get or c-move');
    expect(errorText(new ApiError('unavailable', 'echoPacs: Failed to fetch'))).toBe('The workstation did not answer (Failed to fetch): is it still running?');
    expect(errorText(new Error('Study: not a method prefix'))).toBe('Study: not a method prefix');
    expect(errorText('plain')).toBe('plain');
    expect(isCancellation(new ApiError('conflict', 'retrievePacs: retrieval of study 1.2 from PACS-A was cancelled; nothing of it was imported'))).toBe(true);
    expect(isCancellation(new ApiError('conflict', 'a PACS node named "A" exists already'))).toBe(false);
  });

  it('sums up a sending', () => {
    expect(
      sendSummary({
        node: 'PACS-A',
        studyRowId: 4,
        sent: [
          { what: 'sr', file: 'a', sopInstanceUid: '1' },
          { what: 'report', file: 'b', sopInstanceUid: '2' },
        ],
        failed: [{ what: 'seg', reason: 'no mask' }],
      }),
    ).toBe('2 sent to PACS-A (SR, report PDF); 1 failed');
    expect(sendSummary({ node: 'B', studyRowId: 1, sent: [], failed: [] })).toBe('nothing sent to B');
  });
});

describe('priors', () => {
  const prior = (node: string) => ({ node }) as Parameters<typeof priorsText>[0]['studies'][number];
  it('says how many and where', () => {
    expect(priorsText({ studies: [] })).toBeNull();
    expect(priorsText({ studies: [prior('PACS-A')] })).toBe('1 prior CT study on PACS-A not in the library');
    expect(priorsText({ studies: [prior('PACS-A'), prior('PACS-A')] })).toBe('2 prior CT studies on PACS-A not in the library');
    expect(priorsText({ studies: [prior('PACS-A'), prior('PACS-B')] })).toBe('2 prior CT studies on PACS-A, PACS-B not in the library');
  });

  it('puts node errors on one line', () => {
    expect(priorsErrorsText([])).toBeNull();
    expect(priorsErrorsText([{ node: 'B', error: 'timeout' }, { node: 'C', error: 'HTTP 401' }])).toBe('B: timeout · C: HTTP 401');
  });
});

describe('receiver and ids', () => {
  it('words the receiver', () => {
    expect(receiverText({ running: false, aeTitle: 'LONGITUDE', port: 11112, allowedCallingAets: [], received: 0, lastError: null })).toBe('Stopped (would listen as LONGITUDE on port 11112)');
    expect(receiverText({ running: true, aeTitle: 'LONGITUDE', port: 11112, allowedCallingAets: ['ORTHANC'], received: 1, lastError: null })).toBe(
      'Listening as LONGITUDE on port 11112 · accepts ORTHANC · 1 image received',
    );
  });

  it('reads AE lists typed with commas or spaces', () => {
    expect(parseAeList(' ORTHANC, CT01 CT01;MR2 ')).toEqual(['ORTHANC', 'CT01', 'MR2']);
    expect(parseAeList('')).toEqual([]);
  });

  it('makes job ids with or without randomUUID', () => {
    expect(newJobId({ randomUUID: () => 'u-1', getRandomValues: (a) => a })).toBe('u-1');
    const id = newJobId({ getRandomValues: <T extends ArrayBufferView | null>(a: T) => a });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newJobId()).not.toBe(newJobId());
  });
});
