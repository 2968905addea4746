import { randomBytes } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../app/engine/http.js';
import { md5Hex, sessionState } from '../../app/providers/redivis/client-answers.js';
import { renamed } from '../../app/providers/redivis/client-finalize.js';
import { Crc32c } from '../../app/providers/redivis/crc32c.js';
import { contentRange, heldFromRange, parseContentRange } from '../../app/providers/redivis/wire.js';

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
  const toRemote = (o: { size: string }) => ({ path: '/t/a.csv', size: Number(o.size) });

  it('reads 308 with and without Range, and the no-308 override', () => {
    expect(sessionState(res(308, { range: 'bytes=0-262143' }), call, toRemote)).toEqual({ kind: 'offset', offset: 262144 });
    expect(sessionState(res(308), call, toRemote)).toEqual({ kind: 'offset', offset: 0 });
    expect(sessionState(res(200, { range: 'bytes=0-9', 'x-http-status-code-override': '308' }), call, toRemote)).toEqual({ kind: 'offset', offset: 10 });
    expect(sessionState(res(201, {}, '{"kind":"storage#object","size":"10"}'), call, toRemote)).toEqual({ kind: 'complete', result: { path: '/t/a.csv', size: 10 } });
  });

  it('refuses an unreadable Range or a completion without an object as protocol errors, without the capability in them', () => {
    for (const r of [res(308, { range: 'bytes=5-9' }), res(200, {}, 'not json'), res(200, {}, '{}')]) {
      let err: unknown;
      try { sessionState(r, call, toRemote); } catch (e) { err = e; }
      expect(err).toMatchObject({ code: 'protocol' });
      expect(JSON.stringify({ m: (err as Error).message, c: (err as { context: unknown }).context })).not.toContain('SECRET_URL_456');
    }
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
