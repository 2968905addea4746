// What the real UCloud expects of a client (issue 9), against a hand-written fake of the Http
// port: the base URL a user types, drive-id paths, expired tokens, full drives, and the
// protocols offered to `files.createUpload`. Sources: app/providers/ucloud/README.md.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { classify } from '../../app/engine/classify.js';
import type { Http, HttpRequest, HttpResponse } from '../../app/engine/http.js';
import type { UploadJob } from '../../app/engine/provider.js';
import { createUcloudProvider } from '../../app/providers/ucloud/client.js';
import { systemClock } from '../../app/node/system-clock.js';

const API_TOKEN = 'api-secret-7f3a';
const created = { status: 200, body: { responses: [{ endpoint: 'https://provider.example/ucloud/p/chunked/upload', protocol: 'CHUNKED', token: 'upload-secret-91bc' }] } };

class FakeHttp implements Http {
  readonly sent: HttpRequest[] = [];
  constructor(private readonly answers: { status: number; body?: unknown }[]) {}
  async request(r: HttpRequest): Promise<HttpResponse> {
    this.sent.push(r);
    const a = this.answers.shift();
    if (!a) throw new Error(`FakeHttp: no answer scripted for ${r.method} ${r.url}`);
    const data = Buffer.from(a.body === undefined ? '' : JSON.stringify(a.body));
    return { status: a.status, headers: {}, body: data, text: () => data.toString(), json: <T>() => JSON.parse(data.toString()) as T };
  }
}

const job = (remotePath = '/123/isos/big.iso'): UploadJob => ({
  file: { path: '/home/me/big.iso', name: 'big.iso', size: 10, mtimeMs: 1 },
  target: { remotePath, conflict: 'rename' },
  chunkSize: 4,
  digests: {},
});
const signal = new AbortController().signal;

function provider(url: string, answers: { status: number; body?: unknown }[]): { p: ReturnType<typeof createUcloudProvider>; http: FakeHttp } {
  const http = new FakeHttp(answers);
  return { p: createUcloudProvider({ clock: systemClock, endpoint: { url, token: API_TOKEN }, http }), http };
}

async function failure(promise: Promise<unknown>): Promise<FerryError> {
  const e = await promise.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(FerryError);
  const fe = e as FerryError;
  expect(fe.message + JSON.stringify(fe.context)).not.toMatch(/secret/);
  return fe;
}

describe('UCloud base URL: every way a user writes it reaches /api/files/upload once', () => {
  it.each(['https://cloud.sdu.dk', 'https://cloud.sdu.dk/', 'https://cloud.sdu.dk/api', 'https://cloud.sdu.dk/api/'])('%s', async (url) => {
    const { p, http } = provider(url, [created]);
    await p.create(job(), signal);
    expect(http.sent[0]!.url).toBe('https://cloud.sdu.dk/api/files/upload');
  });
});

describe('UCloud paths start with the numeric drive id', () => {
  it.each(['/isos/big.iso', 'big.iso', '/home/isos/big.iso', '/12a/big.iso'])('%s is refused before any request, naming the path and the drive id', async (path) => {
    const { p, http } = provider('https://cloud.sdu.dk', [created]);
    const e = await failure(p.create(job(path), signal));
    expect(e.code).toBe('bad-input');
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/drive id/i);
    expect(e.message).toMatch(/\/123\//);
    expect(http.sent).toHaveLength(0);
  });

  it('a numeric first segment goes through', async () => {
    const { p, http } = provider('https://cloud.sdu.dk', [created]);
    await p.create(job('/987654/a/b.bin'), signal);
    expect(http.sent).toHaveLength(1);
  });
});

describe('UCloud answers that are not rejections of the file', () => {
  it('403 "Token has expired" is an auth problem (core2/pkg/launcher/00_module.go)', async () => {
    const e = await failure(provider('https://cloud.sdu.dk', [{ status: 403, body: { statusCode: 403, why: 'Token has expired' } }]).p.create(job(), signal));
    expect(e.code).toBe('auth');
    expect(classify(e)).toEqual({ kind: 'auth' });
  });

  it('403 "forbidden" for an expired or revoked API token is an auth problem too', async () => {
    const e = await failure(provider('https://cloud.sdu.dk', [{ status: 403, body: { why: 'forbidden' } }]).p.create(job(), signal));
    expect(e.code).toBe('auth');
  });

  it('403 "write permission is required" (no such drive, or not yours) is a rejection naming the drive', async () => {
    const e = await failure(provider('https://cloud.sdu.dk', [{ status: 403, body: { why: 'write permission is required' } }]).p.create(job(), signal));
    expect(e.code).toBe('rejected');
    expect(e.message).toMatch(/write permission is required/);
    expect(e.message).toMatch(/drive 123/);
  });

  it('402 "Insufficient funds" (the drive\'s quota is used up) is quota', async () => {
    const e = await failure(provider('https://cloud.sdu.dk', [{ status: 402, body: { why: 'Insufficient funds' } }]).p.create(job(), signal));
    expect(e.code).toBe('quota');
    expect(classify(e).kind).toBe('permanent');
  });
});

describe('UCloud protocols', () => {
  it('offers both CHUNKED and WEBSOCKET_V2; the provider chooses', async () => {
    const { p, http } = provider('https://cloud.sdu.dk', [created]);
    await p.create(job(), signal);
    expect(JSON.parse(String(http.sent[0]!.body)).items[0].supportedProtocols).toEqual(['CHUNKED', 'WEBSOCKET_V2']);
  });

  it('accepts a WEBSOCKET_V2 answer and keeps the socket token out of the endpoint it stores', async () => {
    const { p } = provider('https://cloud.sdu.dk', [{ status: 200, body: { responses: [{ endpoint: 'wss://provider.example/ucloud/p/upload?token=ws-secret-0042&usernameHint=dXNlcg==', protocol: 'WEBSOCKET_V2', token: 'ws-secret-0042' }] } }]);
    const s = await p.create(job(), signal);
    expect(s.ref).toMatchObject({ protocol: 'WEBSOCKET_V2', token: 'ws-secret-0042' });
    expect((s.ref as { endpoint: string }).endpoint).not.toContain('ws-secret');
    expect(await p.status(s, job(), signal)).toEqual({ kind: 'offset', offset: 0 });
  });
});
