// A real `@tus/server` 2 + `@tus/file-store` 2 on 127.0.0.1:0 in a temp dir (a server nobody
// here wrote), with a request log and one scripted fault, plus `driveUpload`, a bounded
// engine-like chunk loop for driving a Provider directly in tests.
import { createServer, type IncomingMessage } from 'node:http';
import { promises as fsp } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { classify } from '../../app/engine/classify.js';
import { isFerryError } from '../../app/common/errors.js';
import type { Provider, RemoteFile, Session, UploadJob } from '../../app/engine/provider.js';

export interface RealTusServerOptions {
  /** @tus/file-store's expirationPeriodInMilliseconds (real clock, counted from creation). */
  expirationMs?: number;
  maxSize?: number;
  relativeLocation?: boolean;
}

export interface RealTusServer {
  /** Creation endpoint, e.g. http://127.0.0.1:PORT/files/ */
  url: string;
  dir: string;
  requests: { method: string; path: string; status: number }[];
  /** The next PATCH keeps only the first `bytes` of its body (Infinity: all of it), then the connection drops unanswered. */
  cutNextPatch(bytes: number): void;
  /** The stored bytes of an upload, by its upload URL. */
  read(uploadUrl: string): Promise<Buffer>;
  close(): Promise<void>;
}

export async function startRealTusServer(o: RealTusServerOptions = {}): Promise<RealTusServer> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'ferry-tus-srv-'));
  const tus = new Server({
    path: '/files',
    datastore: new FileStore({ directory: dir, ...(o.expirationMs !== undefined ? { expirationPeriodInMilliseconds: o.expirationMs } : {}) }),
    ...(o.maxSize !== undefined ? { maxSize: o.maxSize } : {}),
    ...(o.relativeLocation ? { relativeLocation: true } : {}),
  });
  const requests: RealTusServer['requests'] = [];
  let cut: number | undefined;

  const server = createServer((req, res) => {
    const rec = { method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', status: 0 };
    requests.push(rec);
    res.on('finish', () => { rec.status = res.statusCode; });
    if (req.method === 'PATCH' && cut !== undefined) {
      const keep = cut;
      cut = undefined;
      void cutPatch(tus, req, keep);
      return;
    }
    void tus.handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/files/`,
    dir,
    requests,
    cutNextPatch: (bytes) => { cut = bytes; },
    read: (uploadUrl) => fsp.readFile(join(dir, new URL(uploadUrl).pathname.split('/').pop() ?? '')),
    close: async () => {
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Hands @tus/server the first `keep` body bytes as a complete request, and hangs up on the client. */
async function cutPatch(tus: Server, req: IncomingMessage, keep: number): Promise<void> {
  const socket = req.socket;
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    parts.push(c);
    size += c.length;
    if (size >= keep) break;
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  const body = Buffer.concat(parts).subarray(0, Math.min(size, keep));
  headers.set('content-length', String(body.length));
  // Stored first, hung up after: the client cannot ask HEAD before the kept bytes are in.
  await tus.handleWeb(new Request(`http://${req.headers.host}${req.url}`, { method: 'PATCH', headers, body })).finally(() => socket.destroy());
}

export interface DriveResult {
  session: Session;
  result: RemoteFile;
  /** One line per step: what was sent and what the server said. */
  log: string[];
}

/**
 * Drives a provider the way the engine does, bounded in steps: send in order; on reconcile or
 * transient ask the server and continue from what it holds; on resend try the chunk once more;
 * anything else is thrown.
 */
export async function driveUpload(p: Provider, job: UploadJob, data: Buffer, o: { session?: Session; maxSteps?: number } = {}): Promise<DriveResult> {
  const signal = new AbortController().signal;
  const log: string[] = [];
  const session = o.session ?? (await p.create(job, signal));
  let offset = 0;
  if (o.session) {
    const st = await p.status(session, job, signal);
    offset = st.kind === 'offset' ? st.offset : st.kind === 'complete' ? data.length : 0;
    log.push(`status → ${offset}`);
  }
  const resent = new Set<number>();
  for (let step = 0; offset < data.length; step++) {
    if (step >= (o.maxSteps ?? 200)) throw new Error(`driveUpload: no completion after ${step} steps`);
    const end = Math.min(data.length, offset + session.chunkSize);
    const chunk = { index: Math.floor(offset / session.chunkSize), offset, data: data.subarray(offset, end), final: end === data.length };
    try {
      const st = await p.sendChunk(session, job, chunk, { signal });
      if (st?.kind !== 'offset') throw new Error(`driveUpload: unexpected state ${JSON.stringify(st)}`);
      log.push(`send ${offset}-${end} → ${st.offset}`);
      offset = st.offset;
    } catch (e) {
      if (!isFerryError(e)) throw e;
      const v = classify(e);
      log.push(`send ${offset}-${end} → ${e.code}`);
      if (v.kind === 'resend' && !resent.has(offset)) {
        resent.add(offset);
        continue;
      }
      if (v.kind !== 'reconcile' && v.kind !== 'transient') throw e;
      const st = await p.status(session, job, signal);
      offset = st.kind === 'offset' ? st.offset : st.kind === 'complete' ? data.length : offset;
      log.push(`status → ${offset}`);
    }
  }
  return { session, result: await p.finish(session, job, {}, signal), log };
}

export function tusJob(localPath: string, size: number, remotePath: string, chunkSize: number): UploadJob {
  return {
    file: { path: localPath, name: remotePath.split('/').pop() ?? 'file', size, mtimeMs: 0 },
    target: { remotePath, conflict: 'rename' },
    chunkSize,
    digests: {},
  };
}
