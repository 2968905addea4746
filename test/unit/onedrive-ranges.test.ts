// nextExpectedRanges → offset, and Graph error bodies → FerryErrors (no network: hand-made responses).
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../app/engine/http.js';
import { graphError, remoteFile } from '../../app/providers/onedrive/graph-errors.js';
import { heldOffset } from '../../app/providers/onedrive/ranges.js';

function response(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  const data = Buffer.from(body);
  return { status, headers, body: data, text: () => body, json: <T>() => JSON.parse(body) as T };
}

const call = { method: 'PUT', url: 'https://up.example/up/ABC?tempauth=SECRET', doing: 'uploading bytes 0-9 of "/a/b.bin"' };

describe('heldOffset', () => {
  it.each([
    [['0-'], 0],
    [['26-'], 26],
    [['12345-55232', '77829-99375'], 12345],
    [[' 5-9 '], 5],
    [[], 100_000],
  ])('%j of a 100000-byte file → %i', (ranges, offset) => {
    expect(heldOffset(ranges, 100_000, '"/a.bin"')).toBe(offset);
  });

  it.each([
    [undefined],
    ['0-'],
    [['abc']],
    [['-5']],
    [['100000-']],
    [['10-5']],
    [['10-100000']],
    [[7]],
  ])('%j is offset drift, reported as a protocol error naming the file', (ranges) => {
    expect(() => heldOffset(ranges, 100_000, '"/a.bin"')).toThrow(expect.objectContaining({ code: 'protocol', message: expect.stringMatching(/^offset drift on "\/a\.bin": /) }));
  });
});

describe('graphError', () => {
  it('keeps the Graph code, inner code and message, and never the upload URL query', () => {
    const e = graphError(response(416, '{"error":{"code":"invalidRange","message":"overlap at 0","innerError":{"code":"fragmentOverlap"}}}'), call, { code: 'offset-mismatch' });
    expect(e).toMatchObject({ code: 'offset-mismatch', context: { status: 416, serverCode: 'invalidRange/fragmentOverlap', url: 'https://up.example/up/ABC' } });
    expect(e.message).toBe('uploading bytes 0-9 of "/a/b.bin" failed: HTTP 416 (invalidRange/fragmentOverlap): overlap at 0');
    expect(e.message).not.toContain('SECRET');
  });

  it('maps statuses: 404/403 on the upload URL are session-gone, 401 on the API is auth, 409 a name conflict, 429 rate-limited', () => {
    const gone = [401, 403, 404];
    expect(graphError(response(404, '{"error":{"code":"itemNotFound","message":"x"}}'), call, { goneStatuses: gone }).code).toBe('session-gone');
    expect(graphError(response(403, '{"error":{"code":"accessDenied","message":"x"}}'), call, { goneStatuses: gone }).code).toBe('session-gone');
    expect(graphError(response(401, '{"error":{"code":"InvalidAuthenticationToken","message":"x"}}'), call).code).toBe('auth');
    expect(graphError(response(409, '{"error":{"code":"nameAlreadyExists","message":"x"}}'), call).code).toBe('name-conflict');
    expect(graphError(response(429, '{"error":{"code":"tooManyRequests","message":"x"}}', { 'retry-after': '7' }), call)).toMatchObject({ code: 'rate-limited', context: { retryAfterMs: 7000 } });
    expect(graphError(response(502, '<html>bad gateway</html>'), call)).toMatchObject({ code: 'server-error', message: 'uploading bytes 0-9 of "/a/b.bin" failed: HTTP 502' });
  });
});

describe('remoteFile', () => {
  it('takes the path from parentReference, and the quickXorHash as reported', () => {
    const item = { id: 'X1', name: 'b 1.bin', size: 10, parentReference: { path: '/drive/root:/a' }, file: { hashes: { quickXorHash: 'AAAA' } } };
    expect(remoteFile(response(201, JSON.stringify(item)), call, '/a/b.bin')).toEqual({ path: '/a/b 1.bin', id: 'X1', size: 10, hash: { algorithm: 'quickxor', value: 'AAAA' } });
    const atRoot = { ...item, name: 'top.bin', parentReference: { path: '/drive/root:' } };
    expect(remoteFile(response(200, JSON.stringify(atRoot)), call, '/x').path).toBe('/top.bin');
    expect(() => remoteFile(response(200, '{"nextExpectedRanges":[]}'), call, '/x')).toThrow(expect.objectContaining({ code: 'protocol' }));
  });
});
