// Per-chunk digests handed over by the engine (Chunk.digests): a provider sends the one it is
// given instead of hashing the chunk again, still hashes when given none, and asks only for what
// the server will check (tus: the checksum algorithm the server offers, nothing with checksum=off).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkDigestHex } from '../../app/providers/shared/chunk-digest.js';
import { createTusProvider } from '../../app/providers/tus/client.js';
import { tusJob } from '../helpers/tus-server.js';
import { systemClock } from '../../app/node/system-clock.js';
import { FakeHttp } from '../fakes/fake-http.js';

const ENDPOINT = 'https://tus.example.test/files/';
const signal = new AbortController().signal;
const data = Buffer.from('0123456789');
const job = tusJob('/home/u/a.bin', data.length, '/a.bin', 10);
const offers = { status: 204, headers: { 'tus-version': '1.0.0', 'tus-extension': 'creation,checksum', 'tus-checksum-algorithm': 'md5,sha1' } };
const created = { status: 201, headers: { location: '/files/1' } };
const patched = { status: 204, headers: { 'upload-offset': '10' } };

describe('per-chunk digests from the engine', () => {
  it('tus asks for the checksum the server offers once it knows, and sends the digest it is given', async () => {
    const http = new FakeHttp([offers, created, patched, patched]);
    const p = createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 't' }, http });
    expect(p.chunkDigests).toEqual([]);
    const s = await p.create(job, signal);
    expect(p.chunkDigests).toEqual(['sha1']);
    // A digest that is not the data's proves which one went out.
    const given = 'ab'.repeat(20);
    await p.sendChunk(s, job, { index: 0, offset: 0, data, final: true, digests: { sha1: given } }, { signal });
    expect(http.sent[2]!.headers!['upload-checksum']).toBe(`sha1 ${Buffer.from(given, 'hex').toString('base64')}`);
    await p.sendChunk(s, job, { index: 0, offset: 0, data, final: true }, { signal });
    expect(http.sent[3]!.headers!['upload-checksum']).toBe(`sha1 ${createHash('sha1').update(data).digest('base64')}`);
  });

  it('tus with checksum=off asks for no per-chunk digest and sends no checksum', async () => {
    const http = new FakeHttp([offers, created, patched]);
    const p = createTusProvider({ clock: systemClock, endpoint: { url: ENDPOINT, token: 't' }, http, options: { checksum: 'off' } });
    const s = await p.create(job, signal);
    expect(p.chunkDigests).toEqual([]);
    await p.sendChunk(s, job, { index: 0, offset: 0, data, final: true, digests: { sha1: 'ab'.repeat(20) } }, { signal });
    expect(http.sent[2]!.headers!['upload-checksum']).toBeUndefined();
  });

  it('the shared helper takes the given digest (lower-cased) and hashes only what it is not given', () => {
    expect(chunkDigestHex({ data, digests: { md5: 'ABCDEF' } }, 'md5')).toBe('abcdef');
    expect(chunkDigestHex({ data, digests: { md5: 'abcdef' } }, 'sha1')).toBe(createHash('sha1').update(data).digest('hex'));
    expect(chunkDigestHex({ data }, 'md5')).toBe(createHash('md5').update(data).digest('hex'));
  });
});
