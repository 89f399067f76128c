import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApiFromTransport } from './index';
import { createHttpTransport } from './httpTransport';

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
