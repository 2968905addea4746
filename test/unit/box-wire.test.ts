// Pure pieces of the Box provider: multipart framing, Digest parsing, the journalled ref, wire helpers.
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { FerryError } from '../../app/common/errors.js';
import { BoxHttpError } from '../../app/emulators/box/emulator-reply.js';
import { parseDigest } from '../../app/emulators/box/emulator-checks.js';
import { validItemName } from '../../app/emulators/box/emulator-tree.js';
import { boundaryOf, buildMultipart, MultipartError, parseMultipart } from '../../app/providers/box/multipart.js';
import { readRef } from '../../app/providers/box/session-ref.js';
import { contentRange, shaDigestHeader, totalParts } from '../../app/providers/box/wire.js';

describe('multipart/form-data', () => {
  it('round-trips attributes then file, including an empty file and bytes that look like a boundary', () => {
    for (const data of [Buffer.alloc(0), Buffer.from('\r\n--not-the-boundary\r\n'), randomBytes(70_000)]) {
      const { body, contentType } = buildMultipart([
        { name: 'attributes', data: Buffer.from('{"name":"a \\"b\\".bin"}') },
        { name: 'file', filename: 'a "b".bin', contentType: 'application/octet-stream', data },
      ]);
      const boundary = boundaryOf(contentType);
      expect(boundary).toBeDefined();
      const parts = parseMultipart(body, boundary!);
      expect(parts.map((p) => p.name)).toEqual(['attributes', 'file']);
      expect(parts[1]!.filename).toBe('a %22b%22.bin');
      expect(parts[1]!.contentType).toBe('application/octet-stream');
      expect(parts[1]!.data.equals(data)).toBe(true);
    }
  });

  it('reads quoted boundaries and refuses other content types', () => {
    expect(boundaryOf('multipart/form-data; boundary="abc def"')).toBe('abc def');
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary=xyz')).toBe('xyz');
    expect(boundaryOf('application/json')).toBeUndefined();
    expect(boundaryOf(undefined)).toBeUndefined();
  });

  it('rejects truncated and malformed bodies', () => {
    const { body } = buildMultipart([{ name: 'file', data: Buffer.from('hello') }], 'B');
    expect(() => parseMultipart(body.subarray(0, body.length - 10), 'B')).toThrow(MultipartError);
    expect(() => parseMultipart(Buffer.from('no boundary here'), 'B')).toThrow(MultipartError);
    expect(() => parseMultipart(Buffer.from('--B\r\nContent-Type: x\r\n\r\ndata\r\n--B--'), 'B')).toThrow(/no Content-Disposition name/);
    const many = buildMultipart(Array.from({ length: 20 }, (_, i) => ({ name: `p${i}`, data: Buffer.from('x') })), 'B');
    expect(() => parseMultipart(many.body, 'B')).toThrow(/more than 16/);
  });
});

describe('Digest header (emulator)', () => {
  const sha = createHash('sha1').update('x').digest();
  it('takes sha=<base64 SHA-1>, and sha-256 only when allowed', () => {
    expect(parseDigest(`sha=${sha.toString('base64')}`, false).value.equals(sha)).toBe(true);
    expect(parseDigest(`SHA=${sha.toString('base64')}`, false).algorithm).toBe('sha');
    const s256 = createHash('sha256').update('x').digest('base64');
    expect(parseDigest(`sha-256=${s256}`, true).algorithm).toBe('sha-256');
    expect(() => parseDigest(`sha-256=${s256}`, false)).toThrow(BoxHttpError);
  });

  it('missing, hex or short digests are 400s', () => {
    for (const v of [undefined, '', `sha=${sha.toString('hex')}`, 'sha=AAAA', 'md5=abc']) {
      let status = 0;
      try {
        parseDigest(v, true);
      } catch (e) {
        status = (e as BoxHttpError).status;
      }
      expect(status).toBe(400);
    }
  });
});

describe('session ref (what the journal keeps)', () => {
  const good = {
    kind: 'session', id: 'S1', folderId: '0', name: 'a.bin', path: '/a.bin', fileId: null, partSize: 8, totalParts: 2,
    uploadPart: 'http://h/u', commit: 'http://h/c', abort: 'http://h/u', listParts: 'http://h/p',
  };
  it('reads a complete ref back', () => {
    expect(readRef(JSON.parse(JSON.stringify(good)))).toEqual(good);
    expect(readRef({ kind: 'simple', key: 'k', folderId: '0', name: 'a', path: '/a', fileId: '12' })).toMatchObject({ kind: 'simple' });
  });

  it('a damaged ref is journal-corrupt, never a crash later', () => {
    for (const bad of [null, {}, { ...good, partSize: 0 }, { ...good, commit: 5 }, { ...good, kind: 'other' }, { ...good, fileId: undefined }]) {
      let err: unknown;
      try {
        readRef(bad as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FerryError);
      expect((err as FerryError).code).toBe('journal-corrupt');
    }
  });
});

describe('wire helpers', () => {
  it('Content-Range, Digest and part counts', () => {
    expect(contentRange(8388608, 8388608, 25_000_000)).toBe('bytes 8388608-16777215/25000000');
    expect(shaDigestHeader('84faa0fb928dd7e4cf69d2ae64ba24bc13309f02')).toBe('sha=hPqg+5KN1+TPadKuZLokvBMwnwI=');
    expect(totalParts(25_000_000, 8_388_608)).toBe(3);
    expect(totalParts(3 * 8, 8)).toBe(3);
  });

  it('item names Box refuses', () => {
    for (const n of ['', '.', '..', 'a/b', 'a\\b', ' lead', 'trail ', 'x'.repeat(256), 5]) expect(validItemName(n)).toBe(false);
    for (const n of ['a.bin', 'día 1.mov', 'x'.repeat(255)]) expect(validItemName(n)).toBe(true);
  });
});
