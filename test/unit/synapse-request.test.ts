// Pure parts of the Synapse client: part size, the stable multipart request, the session
// reference, URL batching and ageing, and how Synapse/S3 error answers become FerryErrors.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { HttpResponse } from '../../app/engine/http.js';
import type { UploadJob } from '../../app/engine/provider.js';
import { PartUrlCache, batchFor } from '../../app/providers/synapse/part-urls.js';
import { s3ErrorOf, storageError } from '../../app/providers/synapse/storage-errors.js';
import { synapseError } from '../../app/providers/synapse/synapse-errors.js';
import { buildRequest, handleFileName, parseRef, toJson } from '../../app/providers/synapse/upload-request.js';
import { defaultPartSize, numberOfParts } from '../../app/providers/synapse/wire.js';

const MiB = 1024 * 1024;
const settings = { contentType: 'application/octet-stream', storageLocationId: null, generatePreview: true };

function job(path: string, size: number, remotePath: string, md5: string | null = 'ABCDEF0123456789abcdef0123456789'): UploadJob {
  return { file: { path, name: remotePath.split('/').pop()!, size, mtimeMs: 1 }, target: { remotePath, conflict: 'fail' }, chunkSize: 8 * MiB, digests: md5 ? { md5 } : {} };
}

function response(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  const buf = Buffer.from(body);
  return { status, headers, body: buf, text: () => body, json: <T>() => JSON.parse(body) as T };
}

describe('Synapse part size', () => {
  it('is 8 MiB up to 78 GiB files, then grows so that 10,000 parts always suffice', () => {
    expect(defaultPartSize(1)).toBe(8 * MiB);
    expect(defaultPartSize(8 * MiB * 10_000)).toBe(8 * MiB);
    expect(defaultPartSize(8 * MiB * 10_000 + 1)).toBe(9 * MiB);
    const big = 5 * 1024 ** 4;
    const p = defaultPartSize(big);
    expect(p % MiB).toBe(0);
    expect(numberOfParts(big, p)).toBeLessThanOrEqual(10_000);
    expect(p).toBeLessThanOrEqual(5 * 1024 * MiB);
  });

  it('counts parts like PartUtils (one part when the part is larger than the file)', () => {
    expect(numberOfParts(1, 5 * MiB)).toBe(1);
    expect(numberOfParts(10 * MiB, 5 * MiB)).toBe(2);
    expect(numberOfParts(10 * MiB + 1, 5 * MiB)).toBe(3);
  });
});

describe('Synapse multipart request', () => {
  it('depends on the local file, not on the target name, so a renamed target finds the same upload', () => {
    const a = buildRequest(job('/home/u/Big Film.mov', 100, '/syn1/foo.mov'), settings);
    const b = buildRequest(job('/home/u/Big Film.mov', 100, '/syn1/foo2.mov'), settings);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a).toEqual({
      concreteType: 'org.sagebionetworks.repo.model.file.MultipartUploadRequest',
      fileName: 'Big Film.mov',
      fileSizeBytes: 100,
      contentMD5Hex: 'abcdef0123456789abcdef0123456789',
      partSizeBytes: 8 * MiB,
      contentType: 'application/octet-stream',
      storageLocationId: null,
      generatePreview: true,
    });
  });

  it('replaces characters Synapse names refuse, the same way every time', () => {
    expect(handleFileName('résumé & notes [v2].pdf')).toBe('r_sum_ _ notes _v2_.pdf');
    expect(handleFileName("it's (1)+x_y-z.txt")).toBe("it's (1)+x_y-z.txt");
    expect(handleFileName('***')).toBe('___');
    expect(handleFileName('')).toBe('file');
  });

  it('refuses an empty file, a file over 5 TB and a missing MD5 with messages naming the file', () => {
    const err = (f: () => unknown): FerryError => {
      try { f(); } catch (e) { return e as FerryError; }
      throw new Error('expected a throw');
    };
    const empty = err(() => buildRequest(job('/d/empty.txt', 0, '/syn1/empty.txt'), settings));
    // The server would answer "File size must be at least one byte"; this is the user's file, not a server fault.
    expect(empty.code).toBe('bad-input');
    expect(empty.message).toMatch(/^Synapse cannot store empty files: \/d\/empty\.txt is 0 bytes \(Synapse requires at least one byte\)/);
    expect(err(() => buildRequest(job('/d/huge', 5 * 1024 ** 4 + 1, '/syn1/huge'), settings)).code).toBe('rejected');
    const noMd5 = err(() => buildRequest(job('/d/x', 5, '/syn1/x', null), settings));
    expect(noMd5.code).toBe('internal');
    expect(noMd5.message).toContain('/d/x');
  });

  it('round-trips through the journal and rejects a damaged reference', () => {
    const request = buildRequest(job('/d/a.bin', 7, '/syn1/a.bin'), { ...settings, partSize: 5 * MiB });
    const saved = JSON.parse(JSON.stringify(toJson({ uploadId: '42', request }))) as never;
    expect(parseRef(saved)).toEqual({ uploadId: '42', request });
    expect(() => parseRef({ uploadId: '42' })).toThrow(/incomplete/);
    expect(() => parseRef(null)).toThrow(FerryError);
  });
});

describe('presigned URL batches', () => {
  it('asks for the part itself and the next missing ones, up to the batch size', () => {
    expect(batchFor(1, 10, 4, () => false)).toEqual([1, 2, 3, 4]);
    expect(batchFor(3, 10, 4, (n) => n === 4 || n === 5)).toEqual([3, 6, 7, 8]);
    expect(batchFor(9, 10, 4, () => false)).toEqual([9, 10]);
  });

  it('forgets URLs older than the allowed age', () => {
    let t = 1000;
    const cache = new PartUrlCache(() => t, 60_000);
    cache.store([{ partNumber: 1, uploadPresignedUrl: 'u1' }, { partNumber: 2, uploadPresignedUrl: 'u2' }], t);
    t += 60_000;
    expect(cache.fresh(1)?.uploadPresignedUrl).toBe('u1');
    t += 1;
    expect(cache.fresh(2)).toBeUndefined();
    cache.store([{ partNumber: 2, uploadPresignedUrl: 'u2b' }], t);
    expect(cache.fresh(2)?.uploadPresignedUrl).toBe('u2b');
    cache.clear();
    expect(cache.fresh(2)).toBeUndefined();
  });
});

describe('Synapse and S3 error answers', () => {
  const call = { method: 'POST', url: 'https://file-prod.prod.sagebase.org/file/v1/file/multipart?forceRestart=false', doing: 'starting the Synapse upload of a.bin' };

  it('puts the reason in the message and maps statuses to codes', () => {
    const e = synapseError(response(400, '{"reason":"File size must be at least one byte"}'), call);
    expect([e.code, e.message]).toEqual(['rejected', 'starting the Synapse upload of a.bin failed: HTTP 400: File size must be at least one byte']);
    expect(e.context.url).toBe('https://file-prod.prod.sagebase.org/file/v1/file/multipart');
    expect(synapseError(response(401, '{"reason":"Invalid access token"}'), call).code).toBe('auth');
    expect(synapseError(response(403, '{"reason":"Anonymous cannot upload files."}'), call).code).toBe('auth');
    expect(synapseError(response(403, '{"reason":"Only the user that started a multipart upload can ..."}'), call).code).toBe('rejected');
    expect(synapseError(response(404, '{"reason":"MultipartUploadStatus cannot be found for id: 1"}'), call, { uploadCall: true }).code).toBe('session-gone');
    expect(synapseError(response(503, 'busy', { 'retry-after': '5' }), call).code).toBe('rate-limited');
    expect(synapseError(response(502, '<html>bad gateway</html>'), call).code).toBe('server-error');
  });

  it('reads the S3 XML error and never prints the URL signature', () => {
    expect(s3ErrorOf('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>')).toEqual({ code: 'AccessDenied', message: 'Request has expired' });
    const e = storageError(response(403, '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'), 'https://bucket.s3.amazonaws.com/key/3?X-Amz-Signature=SECRET', 3, '/d/a.bin');
    expect(e.code).toBe('rejected');
    expect(e.message).toMatch(/part 3 of \/d\/a\.bin.*HTTP 403 \(AccessDenied\): Request has expired/);
    expect(JSON.stringify({ m: e.message, c: e.context })).not.toContain('SECRET');
    expect(storageError(response(503, '<Error><Code>SlowDown</Code></Error>'), 'https://b/k/1?sig=x', 1, 'f').code).toBe('server-error');
  });
});
