// The base URL a user pastes for Redivis, in every spelling we expect, must reach the same API
// (`https://redivis.com/api/v1`, the official clients' default: redivis-python
// `src/redivis/common/api_request.py __get_api_endpoint`). Asserted through the client's first
// request, answered by a hand-written Http that records it.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { Http, HttpRequest, HttpResponse } from '../../app/engine/http.js';
import type { UploadJob } from '../../app/engine/provider.js';
import { createRedivisProvider } from '../../app/providers/redivis/client.js';
import { FakeClock } from '../fakes/fake-clock.js';

function recorder(): { http: Http; urls: string[] } {
  const urls: string[] = [];
  const answer = (req: HttpRequest): HttpResponse => {
    urls.push(req.url);
    const body = Buffer.from('{"error":"invalid_token","error_description":"nope","status":401}');
    return { status: 401, headers: { 'content-type': 'application/json' }, body, text: () => body.toString(), json: <T>() => JSON.parse(body.toString()) as T };
  };
  return { http: { request: (r) => Promise.resolve(answer(r)) }, urls };
}

const job: UploadJob = {
  file: { path: '/home/a/x.csv', name: 'x.csv', size: 10, mtimeMs: 0 },
  target: { remotePath: '/u.d.t/x.csv', conflict: 'fail' },
  chunkSize: 262_144,
  digests: {},
};

async function firstUrl(endpoint: string): Promise<string> {
  const r = recorder();
  const p = createRedivisProvider({ clock: new FakeClock(0), endpoint: { url: endpoint, token: 't' }, http: r.http, options: {} });
  await p.create(job, new AbortController().signal).catch((e: unknown) => {
    if (!(e instanceof FerryError) || e.code !== 'auth') throw e;
  });
  return r.urls[0]!;
}

const WANT = 'https://redivis.com/api/v1/tables/u.d.t/tempUploads';

describe('Redivis base URL, as a user might paste it', () => {
  it('https://redivis.com', async () => expect(await firstUrl('https://redivis.com')).toBe(WANT));
  it('https://redivis.com/', async () => expect(await firstUrl('https://redivis.com/')).toBe(WANT));
  it('https://redivis.com/api/v1', async () => expect(await firstUrl('https://redivis.com/api/v1')).toBe(WANT));
  it('https://redivis.com/api/v1/', async () => expect(await firstUrl('https://redivis.com/api/v1/')).toBe(WANT));
  it('https://redivis.com/api (half the API path)', async () => expect(await firstUrl('https://redivis.com/api')).toBe(WANT));
  it('surrounding spaces and a trailing query or fragment', async () => {
    expect(await firstUrl('  https://redivis.com/api/v1/  ')).toBe(WANT);
    expect(await firstUrl('https://redivis.com/api/v1?format=json')).toBe(WANT);
    expect(await firstUrl('https://redivis.com/#/datasets')).toBe(WANT);
  });
  it('a self-hosted or local API under a path prefix keeps its prefix', async () => {
    expect(await firstUrl('http://127.0.0.1:8080/redivis')).toBe('http://127.0.0.1:8080/redivis/api/v1/tables/u.d.t/tempUploads');
  });
  it('refuses a URL without http(s) with a clear bad-input error naming it', () => {
    for (const bad of ['redivis.com', 'ftp://redivis.com', '']) {
      const r = recorder();
      expect(() => createRedivisProvider({ clock: new FakeClock(0), endpoint: { url: bad, token: 't' }, http: r.http, options: {} }))
        .toThrow(expect.objectContaining({ code: 'bad-input', message: expect.stringContaining('Redivis') }) as Error);
    }
  });
});
