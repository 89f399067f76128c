import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApiFromTransport } from './index';
import { createHttpTransport } from './httpTransport';
import { ApiError } from '../../../core/api/errors';
import { decodeReaderHeader } from '../../../core/api/reader';
import { HTTP_READER_HEADER } from '../../../core/api/wire';

function fakeFetch(respond: (url: string, init: RequestInit) => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return respond(url, init);
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('HTTP transport (serve mode)', () => {
  it('posts JSON args with the bearer token and unwraps { result }', async () => {
    const calls = fakeFetch(() => Response.json({ result: [{ id: 7 }] }));
    const api = createApiFromTransport(createHttpTransport('tok123'));
    expect(api.transport).toBe('http');
    await expect(api.listStudies(3)).resolves.toEqual([{ id: 7 }]);
    expect(calls[0].url).toBe('/api/call/listStudies');
    expect(calls[0].init.method).toBe('POST');
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe('Bearer tok123');
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ args: [3] });
  });

  it('returns volume chunks as raw bytes', async () => {
    const bytes = new Int16Array([-1024, 40, 3071]);
    fakeFetch(() => new Response(bytes.buffer, { headers: { 'content-type': 'application/octet-stream' } }));
    const api = createApiFromTransport(createHttpTransport('t'));
    const chunk = await api.getVolumeChunk(1, 0, 1);
    expect(Array.from(new Int16Array(chunk))).toEqual([-1024, 40, 3071]);
  });

  it('uploads with PUT, keeping folders and escaping each path segment', async () => {
    const calls = fakeFetch(() => Response.json({ result: null }));
    const api = createApiFromTransport(createHttpTransport('t'));
    await api.uploadFile('b-1', 'CT 2/sub dir/IM#1.dcm', new ArrayBuffer(4));
    expect(calls[0].url).toBe('/api/upload/b-1/CT%202/sub%20dir/IM%231.dcm');
    expect(calls[0].init.method).toBe('PUT');
  });

  it('turns { error } into an Error naming the method, and explains a 401', async () => {
    fakeFetch(() => Response.json({ error: 'missing or wrong token' }, { status: 401 }));
    const api = createApiFromTransport(createHttpTransport(null));
    await expect(api.listPatients()).rejects.toThrow(/listPatients: missing or wrong token.*longitude serve/);
  });
});

describe('HTTP transport: reader and error kinds', () => {
  const headersOf = (init: RequestInit) => init.headers as Record<string, string>;

  it('sends the stated reader with every call, uploads included, in a header any name fits', async () => {
    const calls = fakeFetch(() => Response.json({ result: null }));
    const reader = { name: 'Dr Åsa Öberg-Núñez', id: 'rad-042' };
    const api = createApiFromTransport(createHttpTransport('t', '', () => reader));
    await api.updateLesion(3, { notes: 'x' });
    await api.uploadFile('b', 'a.dcm', new ArrayBuffer(1));
    for (const call of calls) expect(decodeReaderHeader(headersOf(call.init)[HTTP_READER_HEADER])).toEqual(reader);
    // Header values must be ASCII.
    expect(headersOf(calls[0].init)[HTTP_READER_HEADER]).toMatch(/^[\x20-\x7e]+$/);
  });

  it('reads the reader at each call: a change of reader applies to the next call', async () => {
    const calls = fakeFetch(() => Response.json({ result: null }));
    let reader: { name: string } | null = null;
    const api = createApiFromTransport(createHttpTransport('t', '', () => reader));
    await api.listPatients();
    reader = { name: 'Dr B' };
    await api.listPatients();
    // None stated: no header, the workstation records its default reader.
    expect(headersOf(calls[0].init)[HTTP_READER_HEADER]).toBeUndefined();
    expect(decodeReaderHeader(headersOf(calls[1].init)[HTTP_READER_HEADER])?.name).toBe('Dr B');
  });

  it('rebuilds ApiError with the kind the workstation gave', async () => {
    fakeFetch(() => Response.json({ error: 'lesion 9 does not exist', kind: 'not-found' }, { status: 404 }));
    const api = createApiFromTransport(createHttpTransport('t'));
    const error = await api.updateLesion(9, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe('not-found');
    expect((error as ApiError).message).toBe('updateLesion: lesion 9 does not exist');
  });

  it('takes the kind from the status when the body has none (a proxy, an older server)', async () => {
    fakeFetch((url) =>
      url.endsWith('acceptProposal') ? Response.json({ error: 'proposal 4 was already accepted' }, { status: 409 }) : new Response('upstream down', { status: 503, statusText: 'Service Unavailable' }),
    );
    const api = createApiFromTransport(createHttpTransport('t'));
    await expect(api.acceptProposal(4)).rejects.toMatchObject({ kind: 'conflict', message: 'acceptProposal: proposal 4 was already accepted' });
    await expect(api.pickImportPaths()).rejects.toMatchObject({ kind: 'unavailable', message: 'pickImportPaths: 503 Service Unavailable' });
  });

  it('an unreachable workstation is "unavailable", naming the method', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    const api = createApiFromTransport(createHttpTransport('t'));
    await expect(api.getAppInfo()).rejects.toMatchObject({ kind: 'unavailable', message: 'getAppInfo: Failed to fetch' });
  });
});
