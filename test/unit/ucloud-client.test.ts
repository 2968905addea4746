// The UCloud client against a hand-written fake of the Http port: what it sends, and how every
// answer becomes a FerryError code the engine's classifier understands.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { ConflictPolicy } from '../../app/common/transfer.js';
import { classify } from '../../app/engine/classify.js';
import type { Session, UploadJob } from '../../app/engine/provider.js';
import { createUcloudProvider } from '../../app/providers/ucloud/client.js';
import { systemClock } from '../../app/node/system-clock.js';
import { FakeHttp } from '../fakes/fake-http.js';

const API_TOKEN = 'api-secret-7f3a';
const UPLOAD_TOKEN = 'upload-secret-91bc';

const job = (size: number, conflict: ConflictPolicy = 'rename'): UploadJob => ({
  file: { path: '/home/me/big.iso', name: 'big.iso', size, mtimeMs: 1 },
  target: { remotePath: '/123/isos/big.iso', conflict },
  chunkSize: 4,
  digests: {},
});
const session: Session = { ref: { endpoint: 'https://provider.example/ucloud/p/chunked/upload', token: UPLOAD_TOKEN }, chunkSize: 4 };
const signal = new AbortController().signal;
const created = { status: 200, body: { responses: [{ endpoint: 'https://provider.example/ucloud/p/chunked/upload', protocol: 'CHUNKED', token: UPLOAD_TOKEN }] } };

function provider(answers: { status: number; body?: unknown }[]): { p: ReturnType<typeof createUcloudProvider>; http: FakeHttp } {
  const http = new FakeHttp(answers);
  return { p: createUcloudProvider({ clock: systemClock, endpoint: { url: 'https://cloud.example/', token: API_TOKEN }, http }), http };
}

async function failure(promise: Promise<unknown>): Promise<FerryError> {
  const e = await promise.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FerryError);
  const fe = e as FerryError;
  // Neither secret ever reaches a message or its context.
  expect(fe.message + JSON.stringify(fe.context)).not.toMatch(/secret/);
  return fe;
}

describe('UCloud client', () => {
  it('declares its limits: 1 byte to 32,000,000 per chunk, 16,000,000 by default, ordered', () => {
    const { p } = provider([]);
    expect(p.rules).toEqual({ min: 1, max: 32_000_000, align: 1, defaultSize: 16_000_000 });
    expect(p.ordered).toBe(true);
  });

  it('creates a CHUNKED session for the target path with the mapped conflict policy', async () => {
    for (const [policy, wire] of [['rename', 'RENAME'], ['replace', 'REPLACE'], ['fail', 'REJECT']] as const) {
      const { p, http } = provider([created]);
      const before = Date.now();
      const s = await p.create(job(10, policy), signal);
      expect(http.sent[0]).toMatchObject({ method: 'POST', url: 'https://cloud.example/api/files/upload' });
      expect(http.sent[0]!.headers).toMatchObject({ authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' });
      expect(JSON.parse(String(http.sent[0]!.body))).toEqual({ items: [{ id: '/123/isos/big.iso', type: 'FILE', supportedProtocols: ['CHUNKED', 'WEBSOCKET_V2'], conflictPolicy: wire }] });
      // No Date header in this answer: the server's clock is unknown, so no server start time is kept.
      expect(s.ref).toEqual({ endpoint: 'https://provider.example/ucloud/p/chunked/upload', token: UPLOAD_TOKEN });
      expect(s.expiresAt! - before).toBeGreaterThanOrEqual(30 * 60_000);
      expect(s.expiresAt! - Date.now()).toBeLessThanOrEqual(30 * 60_000);
    }
  });

  it('maps createUpload failures: 401 → auth, 404 → rejected with the server\'s why, a protocol Ferry does not speak → protocol', async () => {
    const auth = await failure(provider([{ status: 401, body: { why: 'Unauthorized' } }]).p.create(job(1), signal));
    expect(auth.code).toBe('auth');
    expect(classify(auth)).toEqual({ kind: 'auth' });
    const missing = await failure(provider([{ status: 404, body: { why: 'Folder does not exist' } }]).p.create(job(1), signal));
    expect(missing.code).toBe('rejected');
    expect(missing.message).toMatch(/big\.iso.*HTTP 404.*Folder does not exist/);
    const ws = await failure(provider([{ status: 200, body: { responses: [{ endpoint: 'wss://x', protocol: 'WEBSOCKET_V1', token: 't' }] } }]).p.create(job(1), signal));
    expect(ws.code).toBe('protocol');
    const junk = await failure(provider([{ status: 200, body: 'not json' }]).p.create(job(1), signal));
    expect(junk.code).toBe('protocol');
  });

  it('sends each chunk at its own offset with token, total size and the exact body', async () => {
    const { p, http } = provider([{ status: 200, body: {} }, { status: 200 }]);
    const data = Buffer.from('abcdefghij');
    expect(await p.sendChunk(session, job(10), { index: 0, offset: 0, data: data.subarray(0, 4), final: false }, { signal })).toBeUndefined();
    await p.sendChunk(session, job(10), { index: 2, offset: 8, data: data.subarray(8), final: true }, { signal });
    expect(http.sent.map((r) => [r.method, r.url, r.headers?.['Chunked-Upload-Offset'], r.headers?.['Chunked-Upload-Total-Size'], r.headers?.['Chunked-Upload-Token'], String(r.body)])).toEqual([
      ['POST', 'https://provider.example/ucloud/p/chunked/upload', '0', '10', UPLOAD_TOKEN, 'abcd'],
      ['POST', 'https://provider.example/ucloud/p/chunked/upload', '8', '10', UPLOAD_TOKEN, 'ij'],
    ]);
    expect(await p.status(session, job(10), signal)).toEqual({ kind: 'unknown' });
  });

  it('maps chunk answers to codes the classifier acts on', async () => {
    const send = (status: number, why: string | undefined, offset: number, size = 8): Promise<FerryError> =>
      failure(provider([{ status, ...(why ? { body: { why } } : {}) }]).p.sendChunk(session, job(size), { index: 0, offset, data: Buffer.alloc(4), final: offset + 4 >= size }, { signal }));
    const gone = await send(404, 'Invalid token supplied', 0);
    expect([gone.code, classify(gone).kind]).toEqual(['session-gone', 'session-gone']);
    expect(gone.message).toMatch(/bytes 0-4 of big\.iso.*404.*Invalid token supplied/);
    expect(gone.context).toMatchObject({ status: 404, offset: 0, file: '/home/me/big.iso', url: 'https://provider.example/ucloud/p/chunked/upload' });
    const conflict = await send(409, 'A file already exists at /123/isos/big.iso and the conflict policy is REJECT', 4);
    expect([conflict.code, classify(conflict).kind]).toEqual(['name-conflict', 'permanent']);
    const parallelLast = await send(409, 'Another chunk is already being uploaded to this session: send chunks one at a time', 4);
    expect(classify(parallelLast).kind).toBe('transient');
    const parallelMiddle = await send(409, undefined, 0);
    expect(classify(parallelMiddle).kind).toBe('transient');
    expect((await send(413, 'too large', 0)).code).toBe('rejected');
    expect(classify(await send(400, 'Missing or invalid offset', 0)).kind).toBe('permanent');
    expect(classify(await send(503, undefined, 0)).kind).toBe('transient');
  });

  it('commits a 0-byte file in finish with one empty chunk, whether or not the engine sent one', async () => {
    const { p, http } = provider([{ status: 200, body: {} }]);
    await p.sendChunk(session, job(0), { index: 0, offset: 0, data: Buffer.alloc(0), final: true }, { signal });
    expect(await p.finish(session, job(0), {}, signal)).toEqual({ path: '/123/isos/big.iso', size: 0 });
    expect(http.sent).toHaveLength(1);
    expect(http.sent[0]!.headers).toMatchObject({ 'Chunked-Upload-Offset': '0', 'Chunked-Upload-Total-Size': '0' });
    expect((http.sent[0]!.body as Buffer).length).toBe(0);
  });

  it('finishes without a request for non-empty files and cannot delete a session', async () => {
    const { p, http } = provider([]);
    expect(await p.finish(session, job(10), {}, signal)).toEqual({ path: '/123/isos/big.iso', size: 10 });
    expect(await p.cancel(session, job(10), signal)).toEqual({ deleted: false, why: "UCloud's chunked protocol has no way to delete an upload session; the server discards it within 48 hours" });
    expect(http.sent).toHaveLength(0);
  });

  it('treats an unreadable journal reference as a gone session', async () => {
    const { p } = provider([]);
    const e = await failure(p.sendChunk({ ref: { endpoint: 1 }, chunkSize: 4 }, job(8), { index: 0, offset: 0, data: Buffer.alloc(4), final: false }, { signal }));
    expect(e.code).toBe('session-gone');
  });
});
