// Where the Box client sends each call, for every spelling of the API base a user might paste.
// The real service splits in two (developer.box.com/guides/uploads, "Upload domain"): API calls
// go to https://api.box.com/2.0/…, uploads to https://upload.box.com/api/2.0/… (the official
// SDK's BaseUrls defaults, box-typescript-sdk-gen src/networking/baseUrls.generated.ts). No
// server can answer for those hosts here, so a recording Http answers like them: 404 elsewhere.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { Http, HttpRequest, HttpResponse } from '../../app/engine/http.js';
import type { UploadJob } from '../../app/engine/provider.js';
import { boxBaseUrls } from '../../app/providers/box/base-urls.js';
import { createBoxProvider } from '../../app/providers/box/client.js';
import { FakeClock } from '../fakes/fake-clock.js';

const SPELLINGS = ['https://api.box.com', 'https://api.box.com/', 'https://api.box.com/2.0', 'https://api.box.com/2.0/'];
const signal = new AbortController().signal;

function answer(status: number, body: unknown): HttpResponse {
  const buf = Buffer.from(body === undefined ? '' : JSON.stringify(body));
  return { status, headers: { 'content-type': 'application/json' }, body: buf, text: () => buf.toString(), json: <T>() => JSON.parse(buf.toString()) as T };
}

/** Answers only at the URLs the real Box serves these calls on. */
class RealBoxShapes implements Http {
  readonly seen: string[] = [];
  async request(req: HttpRequest): Promise<HttpResponse> {
    this.seen.push(`${req.method} ${req.url}`);
    if (req.method === 'OPTIONS' && req.url === 'https://api.box.com/2.0/files/content') {
      return answer(200, { upload_url: 'https://upload.box.com/api/2.0/files/content', upload_token: null });
    }
    if (req.method === 'POST' && req.url === 'https://upload.box.com/api/2.0/files/upload_sessions') {
      const base = 'https://upload.box.com/api/2.0/files/upload_sessions/ABC';
      return answer(201, {
        id: 'ABC', type: 'upload_session', session_expires_at: '2030-01-01T00:00:00Z', part_size: 8_388_608, total_parts: 3, num_parts_processed: 0,
        session_endpoints: { upload_part: base, commit: `${base}/commit`, abort: base, list_parts: `${base}/parts`, status: base },
      });
    }
    return answer(404, { type: 'error', status: 404, code: 'not_found', message: 'Not Found' });
  }
}

const job = (size: number): UploadJob => ({ file: { path: '/tmp/x.bin', name: 'x.bin', size, mtimeMs: 0 }, target: { remotePath: '/x.bin', conflict: 'fail' }, chunkSize: 8_388_608, digests: {} });

describe('Box base URLs: each spelling of api.box.com', () => {
  it.each(SPELLINGS)('%s → API https://api.box.com, uploads https://upload.box.com/api', (url) => {
    expect(boxBaseUrls(url)).toEqual({ apiBase: 'https://api.box.com', uploadBase: 'https://upload.box.com/api' });
  });

  it.each(SPELLINGS)('%s: the pre-flight goes to api.box.com/2.0, the session to upload.box.com/api/2.0', async (url) => {
    const http = new RealBoxShapes();
    const p = createBoxProvider({ endpoint: { url, token: 't' }, http, clock: new FakeClock() });
    await p.create(job(1000), signal);
    const s = await p.create(job(20_000_000), signal);
    expect(s.chunkSize).toBe(8_388_608);
    expect(http.seen).toEqual(['OPTIONS https://api.box.com/2.0/files/content', 'POST https://upload.box.com/api/2.0/files/upload_sessions']);
  });
});

describe('Box base URLs: overrides and other hosts', () => {
  it('an uploadUrl option wins, with a pasted trailing /2.0 or slash removed', () => {
    expect(boxBaseUrls('https://api.box.com/2.0', 'https://upload.box.com/api/2.0/')).toEqual({ apiBase: 'https://api.box.com', uploadBase: 'https://upload.box.com/api' });
    expect(boxBaseUrls('http://127.0.0.1:4000', 'http://127.0.0.1:4001/api')).toEqual({ apiBase: 'http://127.0.0.1:4000', uploadBase: 'http://127.0.0.1:4001/api' });
  });

  it('any other host without uploadUrl is a bad-input error naming the option', () => {
    const e = (() => { try { boxBaseUrls('http://127.0.0.1:4000'); } catch (err) { return err; } return undefined; })();
    expect(e).toBeInstanceOf(FerryError);
    expect((e as FerryError).code).toBe('bad-input');
    expect((e as FerryError).message).toMatch(/uploadUrl/);
    expect((e as FerryError).message).toContain('http://127.0.0.1:4000');
  });

  it.each(['not a url', 'ftp://api.box.com', 'https://user:pw@api.box.com'])('%s is refused as bad-input', (url) => {
    expect(() => boxBaseUrls(url)).toThrow(FerryError);
  });

  it('a bad uploadUrl is refused as bad-input', () => {
    expect(() => boxBaseUrls('https://api.box.com', 'upload.box.com/api')).toThrow(/uploadUrl/);
  });
});
