// Issue 12: a chunk may be sent as a body read from the file while it goes, so a large chunk
// costs no memory. The bytes on the wire are the body's, with an exact Content-Length; progress
// is reported as bytes leave; a body that ends short never reaches the server as a complete one;
// each send reads the body again from its first byte (a retry re-reads the file).
import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import type { StreamBody } from '../../app/engine/http.js';
import { preferBaselineWasm, UndiciHttp } from '../../app/node/http-transport.js';

const MiB = 1 << 20;
// As the app's composition root does, once per process (undici's parser would otherwise cost ~25 MiB).
preferBaselineWasm();

interface Seen { contentLength: string | undefined; bytes: number; sha: string; complete: boolean }

// The receiving server runs in its own process, so this process's memory is the sender's alone.
const SINK = `
const { createServer } = require('node:http');
const { createHash } = require('node:crypto');
const seen = [];
const server = createServer((req, res) => {
  if (req.method === 'GET') return res.end(JSON.stringify(seen));
  const h = createHash('sha256');
  const s = { contentLength: req.headers['content-length'], bytes: 0, sha: '', complete: false };
  seen.push(s);
  req.on('data', (d) => { s.bytes += d.length; h.update(d); });
  req.on('end', () => { s.complete = true; s.sha = h.digest('hex'); res.end('ok'); });
  req.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

let child: ChildProcess | undefined;
let http: UndiciHttp | undefined;
afterEach(async () => {
  await http?.close();
  child?.kill();
  child = http = undefined;
});

async function sink(): Promise<{ url: string; seen(): Promise<Seen[]> }> {
  child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((res) => child!.stdout!.once('data', (d: Buffer) => res(Number(d.toString().trim()))));
  const url = `http://127.0.0.1:${port}/`;
  return { url, seen: async () => JSON.parse((await http!.request({ method: 'GET', url })).text()) as Seen[] };
}

/** A deterministic body of `length` bytes yielded from one reused 64 KiB buffer, as the chunk loader's pool does. */
function patterned(length: number, o: { stopAt?: number } = {}): StreamBody & { reads: number; expectedSha: string } {
  const piece = Buffer.alloc(64 * 1024);
  const fill = (off: number, n: number): Buffer => {
    for (let i = 0; i < n; i++) piece[i] = (off + i) * 7 % 251;
    return piece.subarray(0, n);
  };
  const h = createHash('sha256');
  for (let off = 0; off < length; off += piece.length) h.update(fill(off, Math.min(piece.length, length - off)));
  const body = {
    length, reads: 0, expectedSha: h.digest('hex'),
    async *read(): AsyncIterable<Buffer> {
      body.reads++;
      const end = o.stopAt ?? length;
      for (let off = 0; off < end; off += piece.length) yield fill(off, Math.min(piece.length, end - off));
    },
  };
  return body;
}

describe('streamed request bodies (UndiciHttp)', () => {
  it('puts exactly the body on the wire with an exact Content-Length, reports progress, and re-reads it for each send', async () => {
    http = new UndiciHttp();
    const { url, seen } = await sink();
    const body = patterned(24 * MiB + 13);
    const progress: number[] = [];
    // The first connection compiles undici's parser; measure after it.
    await http.request({ method: 'PUT', url, body: patterned(MiB) });
    const before = process.memoryUsage().rss;
    const res = await http.request({ method: 'PUT', url, body, onSent: (n) => progress.push(n) });
    const grew = process.memoryUsage().rss - before;
    expect(res.status).toBe(200);
    expect((await seen())[1]).toEqual({ contentLength: String(24 * MiB + 13), bytes: 24 * MiB + 13, sha: body.expectedSha, complete: true });
    expect(progress.at(-1)).toBe(24 * MiB + 13);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);
    // The 24 MiB body never sat in memory whole (a generous bound: the runtime's own noise).
    expect(grew).toBeLessThan(16 * MiB);
    // A retry of the same request reads the body again from its first byte.
    await http.request({ method: 'PUT', url, body });
    expect(body.reads).toBe(2);
    expect((await seen())[2]!.sha).toBe(body.expectedSha);
  });

  it('a body that ends before its declared length fails the request and the server never sees it complete', async () => {
    http = new UndiciHttp();
    const { url, seen } = await sink();
    const e = await http.request({ method: 'PUT', url, body: patterned(4 * MiB, { stopAt: 3 * MiB }) }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FerryError);
    expect((e as FerryError).message).toMatch(/ended after 3145728 of its declared 4194304 bytes/);
    await new Promise((r) => setTimeout(r, 100));
    expect((await seen()).every((s) => !s.complete)).toBe(true);
  });

  it('an error from reading the body (the file got shorter) is the request\'s error', async () => {
    http = new UndiciHttp();
    const { url } = await sink();
    const body: StreamBody = {
      length: 2 * MiB,
      async *read(): AsyncIterable<Buffer> {
        yield Buffer.alloc(MiB);
        throw new FerryError('file-short', 'the file got shorter');
      },
    };
    const e = await http.request({ method: 'PUT', url, body }).catch((x: unknown) => x);
    expect((e as FerryError).code).toBe('file-short');
  });
});
