import { randomBytes } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../app/engine/http.js';
import { md5Hex, sessionState, type Stored } from '../../app/providers/redivis/client-answers.js';
import { md5FromRedivis } from '../../app/providers/redivis/client-verify.js';
import { renamed } from '../../app/providers/redivis/client-finalize.js';
import { Crc32c } from '../../app/providers/redivis/crc32c.js';
import { contentRange, heldFromRange, parseContentRange, parseGoogHash, uploadNameSegment } from '../../app/providers/redivis/wire.js';

describe('Content-Range on a GCS session PUT', () => {
  it('reads chunks, status queries, streamed bodies and the empty-file form', () => {
    expect(parseContentRange('bytes 0-262143/1000000')).toEqual({ first: 0, last: 262143, total: 1000000 });
    expect(parseContentRange('bytes 262144-524287/*')).toEqual({ first: 262144, last: 524287 });
    expect(parseContentRange('bytes */2000000')).toEqual({ total: 2000000 });
    expect(parseContentRange('bytes */*')).toEqual({});
    expect(parseContentRange('bytes 0-*/*')).toEqual({ first: 0 });
    expect(parseContentRange('bytes 0--1/0')).toEqual({ first: 0, total: 0, emptyFile: true });
  });

  it('refuses malformed and impossible ranges', () => {
    for (const bad of [undefined, '', 'bytes 5-4/10', 'bytes 0-10/10', 'bytes=0-1/2', 'bytes 0--1/5', 'items 0-1/2', 'bytes -1-3/4']) {
      expect(parseContentRange(bad)).toBeUndefined();
    }
  });

  it('writes the exact inclusive range, and a status query for zero bytes', () => {
    expect(contentRange(0, 524288, 2000000)).toBe('bytes 0-524287/2000000');
    expect(contentRange(1999999, 1, 2000000)).toBe('bytes 1999999-1999999/2000000');
    expect(contentRange(0, 0, 0)).toBe('bytes */0');
  });

  it('turns a 308 Range into bytes held: absent means 0, garbage is refused', () => {
    expect(heldFromRange('bytes=0-42')).toBe(43);
    expect(heldFromRange(undefined)).toBe(0);
    expect(heldFromRange('bytes=5-42')).toBeUndefined();
    expect(heldFromRange('bytes 0-42')).toBeUndefined();
  });
});

describe('CRC32C', () => {
  it('matches the reference vector and @google-cloud/storage on odd sizes', () => {
    expect(new Crc32c().update(Buffer.from('123456789')).value()).toBe(0xe3069283);
    expect(new Crc32c().base64()).toBe('AAAAAA==');
    for (const n of [1, 7, 8, 9, 63, 4096 + 3]) {
      const data = randomBytes(n);
      const theirs = new CRC32C();
      theirs.update(data);
      const ours = new Crc32c().update(data.subarray(0, n >> 1)).update(data.subarray(n >> 1));
      expect(ours.base64(), `size ${n}`).toBe(theirs.toString());
    }
  });
});

describe('client helpers', () => {
  it('converts GCS base64 md5 to hex and rejects what is not an MD5', () => {
    expect(md5Hex('1B2M2Y8AsgTpgAmY7PhCfg==')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex('AAAA')).toBeUndefined();
    expect(md5Hex(undefined)).toBeUndefined();
  });

  it('renames like a file manager, keeping the extension', () => {
    expect(renamed('data.csv', 1)).toBe('data (1).csv');
    expect(renamed('README', 2)).toBe('README (2)');
    expect(renamed('.env', 1)).toBe('.env (1)');
  });
});

describe('session answers', () => {
  const res = (status: number, headers: Record<string, string> = {}, body = ''): HttpResponse => ({
    status, headers, body: Buffer.from(body), text: () => body, json: <T>() => JSON.parse(body) as T,
  });
  const call = { method: 'PUT', url: 'https://storage.example/upload?upload_id=SECRET_URL_456', doing: 'uploading bytes 0-9 of a.csv', file: '/tmp/a.csv' };
  const toRemote = (o: Stored) => ({ path: '/t/a.csv', size: o.size ?? 10, ...(o.md5 ? { hash: { algorithm: 'md5' as const, value: o.md5 } } : {}) });

  it('reads 308 with and without Range, and the no-308 override', () => {
    expect(sessionState(res(308, { range: 'bytes=0-262143' }), call, toRemote)).toEqual({ kind: 'offset', offset: 262144 });
    expect(sessionState(res(308), call, toRemote)).toEqual({ kind: 'offset', offset: 0 });
    expect(sessionState(res(200, { range: 'bytes=0-9', 'x-http-status-code-override': '308' }), call, toRemote)).toEqual({ kind: 'offset', offset: 10 });
    expect(sessionState(res(201, {}, '{"kind":"storage#object","size":"10"}'), call, toRemote)).toEqual({ kind: 'complete', result: { path: '/t/a.csv', size: 10 } });
  });

  it('refuses an unreadable Range as a protocol error, without the capability in it', () => {
    let err: unknown;
    try { sessionState(res(308, { range: 'bytes=5-9' }), call, toRemote); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'protocol' });
    expect(JSON.stringify({ m: (err as Error).message, c: (err as { context: unknown }).context })).not.toContain('SECRET_URL_456');
  });

  it('takes any 2xx without an object (XML-API sessions, Redivis\'s "empty body with 200") as complete, with x-goog-hash', () => {
    const md5b64 = Buffer.from('0123456789abcdef0123456789abcdef', 'hex').toString('base64');
    expect(sessionState(res(200), call, toRemote)).toEqual({ kind: 'complete', result: { path: '/t/a.csv', size: 10 } });
    expect(sessionState(res(201, {}, 'not json'), call, toRemote)).toEqual({ kind: 'complete', result: { path: '/t/a.csv', size: 10 } });
    expect(sessionState(res(200, { 'x-goog-hash': `crc32c=AAAAAA==, md5=${md5b64}`, 'x-goog-stored-content-length': '7' }), call, toRemote))
      .toEqual({ kind: 'complete', result: { path: '/t/a.csv', size: 7, hash: { algorithm: 'md5', value: '0123456789abcdef0123456789abcdef' } } });
  });

  it('reads x-goog-hash in one header or joined, and Redivis\'s upload hash in hex or base64', () => {
    expect(parseGoogHash('crc32c=n03x6A==,md5=Ojk9c3dhfxgoKVVHYwFbHQ==')).toEqual({ crc32c: 'n03x6A==', md5: 'Ojk9c3dhfxgoKVVHYwFbHQ==' });
    expect(parseGoogHash('crc32c=n03x6A==, md5=Ojk9c3dhfxgoKVVHYwFbHQ==')).toEqual({ crc32c: 'n03x6A==', md5: 'Ojk9c3dhfxgoKVVHYwFbHQ==' });
    expect(parseGoogHash(undefined)).toEqual({});
    expect(md5FromRedivis('0123456789ABCDEF0123456789ABCDEF')).toBe('0123456789abcdef0123456789abcdef');
    expect(md5FromRedivis(Buffer.from('0123456789abcdef0123456789abcdef', 'hex').toString('base64'))).toBe('0123456789abcdef0123456789abcdef');
    expect(md5FromRedivis(null)).toBeUndefined();
  });

  it("names an upload's URI segment as the official client does: dots to underscores, then quote(name, '')", () => {
    expect(uploadNameSegment('responses.csv')).toBe('responses_csv');
    expect(uploadNameSegment('a.b.tar.gz')).toBe('a_b_tar_gz');
    expect(uploadNameSegment("r (1)/x!'*.csv")).toBe('r%20%281%29%2Fx%21%27%2A_csv');
  });

  it("reads a GCS XML error body's words, and a storage quota refusal as 'quota' (429 stays a rate limit)", () => {
    const xml = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>InvalidArgument</Code><Message>Bad range.</Message></Error>";
    expect(() => sessionState(res(400, {}, xml), call, toRemote)).toThrow(expect.objectContaining({ code: 'rejected', message: expect.stringContaining('Bad range.') }) as Error);
    const quota = '{"error":"quota_exceeded","error_description":"This upload exceeds your storage limit","status":403}';
    expect(() => sessionState(res(403, {}, quota), call, toRemote)).toThrow(expect.objectContaining({ code: 'quota' }) as Error);
    expect(() => sessionState(res(403, {}, '{"error":"forbidden","error_description":"no"}'), call, toRemote)).toThrow(expect.objectContaining({ code: 'rejected' }) as Error);
    // A token without the data.edit scope is an auth problem (PY api_request.py, R api_request.R refresh on it).
    expect(() => sessionState(res(403, {}, '{"error":"insufficient_scope","error_description":"needs data.edit"}'), call, toRemote)).toThrow(expect.objectContaining({ code: 'auth' }) as Error);
    expect(() => sessionState(res(429, {}, '{"error":{"code":429,"message":"quota","errors":[{"reason":"rateLimitExceeded"}]}}'), call, toRemote)).toThrow(expect.objectContaining({ code: 'rate-limited' }) as Error);
  });

  it("maps gone and failing statuses to their codes and keeps the server's words", () => {
    const codes = [404, 410, 400, 401, 408, 429, 500, 503].map((s) => {
      try {
        sessionState(res(s, {}, '{"error":{"code":1,"message":"said so"}}'), call, toRemote);
        return 'none';
      } catch (e) {
        expect((e as Error).message).toContain('said so');
        expect((e as { context: { file?: string } }).context.file).toBe('/tmp/a.csv');
        return (e as { code: string }).code;
      }
    });
    expect(codes).toEqual(['session-gone', 'session-gone', 'rejected', 'auth', 'server-error', 'rate-limited', 'server-error', 'server-error']);
  });
});
