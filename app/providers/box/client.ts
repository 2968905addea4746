// Box behind the provider port. Small files take the simple multipart upload inside one
// "chunk"; larger ones an upload session: parts in any order, each with its SHA-1, resumed by
// listing the parts the server holds, committed with the whole file's SHA-1 (protocols.md 5).
import { FerryError, isFerryError } from '../../common/errors.js';
import type { HashAlgorithm } from '../../engine/hashing.js';
import type { CancelOutcome, Chunk, Provider, ProviderFactoryOptions, RemoteFile, SendContext, ServerState, Session, UploadJob } from '../../engine/provider.js';
import { chunkDigestHex } from '../shared/chunk-digest.js';
import { BoxApi } from './box-api.js';
import { boxBaseUrls } from './base-urls.js';
import { abortSession, commitSession, createSession, listParts, sendPart } from './session-upload.js';
import { readRef, type BoxDest, type SimpleRef, toJson } from './session-ref.js';
import { preflightSmall, uploadSmall } from './simple-upload.js';
import { type BoxFile, type BoxPart, DEFAULT_PART_SIZE, MIN_SESSION_FILE_SIZE } from './wire.js';

/** Small-upload results kept for a later finish or status call. */
const MAX_REMEMBERED = 1000;

export function createBoxProvider(o: ProviderFactoryOptions): Provider {
  const opts = o.options ?? {};
  const { apiBase, uploadBase } = boxBaseUrls(o.endpoint.url, opts.uploadUrl);
  // `sessionThreshold` is accepted as another name for the same setting (the cross-provider test cases use it).
  const threshold = positiveInt(opts.minSessionFileSize ?? opts.sessionThreshold, MIN_SESSION_FILE_SIZE, 'minSessionFileSize');
  const api = new BoxApi(o.http, o.endpoint.token, apiBase, uploadBase, opts.rootFolderId ?? '0');
  // Waits between commit attempts (202 + Retry-After) go through the clock (tests move a fake one).
  const sleep = (ms: number, signal: AbortSignal): Promise<void> => o.clock.sleep(ms, signal).catch(() => {
    throw new FerryError('cancelled', 'Cancelled while waiting for Box to process the upload');
  });
  /** Parts the server acknowledged, by session id then offset; re-learnt from list_parts on resume. */
  const parts = new Map<string, Map<number, BoxPart>>();
  /** Small files already uploaded by sendChunk, so finish and status can report them. */
  const done = new Map<string, RemoteFile>();
  /** Small uploads whose last attempt got no answer. */
  const inDoubt = new Set<string>();
  const partsOf = (id: string): Map<number, BoxPart> => parts.get(id) ?? parts.set(id, new Map()).get(id)!;

  async function destination(job: UploadJob, signal: AbortSignal): Promise<BoxDest> {
    const segs = job.target.remotePath.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
    const name = segs.pop();
    if (!name || segs.includes('..') || name === '..') throw new FerryError('bad-input', `'${job.target.remotePath}' is not a usable Box file path`, { file: job.file.path });
    const folderId = await api.folderId(segs, signal);
    return { folderId, name, path: `/${[...segs, name].join('/')}`, fileId: null };
  }

  async function sendSmall(ref: SimpleRef, job: UploadJob, data: Buffer, ctx: SendContext, given?: Chunk['digests']): Promise<RemoteFile> {
    let reported = 0;
    // Progress counts file bytes, not the multipart framing around them.
    const onSent = ctx.onSent ? (n: number): void => {
      const add = Math.min(n, data.length - reported);
      reported += add;
      if (add > 0) ctx.onSent!(add);
    } : undefined;
    const sha1 = chunkDigestHex({ data, ...(given ? { digests: given } : {}) }, 'sha1');
    let sent;
    try {
      sent = await uploadSmall(api, ref, data, job.target.conflict, ctx.signal, onSent, inDoubt.has(ref.key) ? sha1 : undefined);
    } catch (e) {
      // No answer: the upload may have landed. The retry then takes an identical same-named file as ours.
      if (isFerryError(e) && (e.code === 'network' || e.code === 'stalled')) inDoubt.add(ref.key);
      throw e;
    }
    inDoubt.delete(ref.key);
    const result = remoteFile(sent.dest, sent.file);
    done.set(ref.key, result);
    // The engine may never call finish after a 'complete'; keep only recent results (a long sync uploads many).
    if (done.size > MAX_REMEMBERED) done.delete(done.keys().next().value!);
    return result;
  }

  return {
    id: 'box',
    // Box picks part_size per session; these bound only what the engine would choose itself.
    rules: { min: 1, max: 64 * 1024 * 1024, align: 1, defaultSize: DEFAULT_PART_SIZE },
    integrity: 'sha1',
    needsAtFinish: ['sha1'],
    chunkDigests: ['sha1'],
    ordered: false,
    // Session parts may be streamed from the file (SHA-1 from the engine's first pass); a small
    // file's one-shot upload is a multipart form built in memory.
    streamsChunks: (s: Session) => readRef(s.ref).kind === 'session',
    // Box's guide: parts may go in parallel, 3–5 at once (protocols.md, BOX-GUIDE); its Node SDK sends 4.
    maxPartsInFlight: 4,

    async create(job: UploadJob, signal: AbortSignal): Promise<Session> {
      const dest = await destination(job, signal);
      const size = job.file.size;
      if (size >= threshold) {
        const created = await createSession(api, dest, size, job.target.conflict, signal);
        if (created) {
          partsOf(created.ref.id);
          return { ref: toJson(created.ref), chunkSize: created.ref.partSize, ...(created.expiresAt !== undefined ? { expiresAt: created.expiresAt } : {}) };
        }
        // Box refused a session for a file this small: the threshold option is set too low.
      }
      const settled = await preflightSmall(api, dest, size, job.target.conflict, signal);
      const ref: SimpleRef = { ...settled, kind: 'simple', key: `${settled.folderId}/${settled.name}/${Math.random().toString(36).slice(2)}` };
      // A zero-byte file still counts as one chunk-sized unit so that no one divides by zero.
      return { ref: toJson(ref), chunkSize: Math.max(1, size) };
    },

    async status(session: Session, job: UploadJob, signal: AbortSignal): Promise<ServerState> {
      const ref = readRef(session.ref);
      if (ref.kind === 'simple') {
        const result = done.get(ref.key);
        return result ? { kind: 'complete', result } : { kind: 'parts', have: [] };
      }
      let held;
      try {
        held = await listParts(api, ref, signal);
      } catch (e) {
        // A commit whose answer was lost (a crash, a reset) consumes the session: its URLs 404.
        // The file it made sits at the session's name; the engine checks its SHA-1 against the
        // local file before calling the transfer done, so someone else's file is never taken for ours.
        const landed = isFerryError(e, 'session-gone') ? await api.find(ref.folderId, ref.name, signal) : undefined;
        if (landed?.type !== 'file' || typeof landed.sha1 !== 'string') throw e;
        return { kind: 'complete', result: remoteFile(ref, { ...landed, type: 'file' as const, sha1: landed.sha1, size: job.file.size, parent: { type: 'folder' as const, id: ref.folderId } }) };
      }
      const known = partsOf(ref.id);
      for (const p of held) known.set(p.offset, p);
      return { kind: 'parts', have: held.map((p) => p.offset / ref.partSize).sort((a, b) => a - b) };
    },

    async sendChunk(session: Session, job: UploadJob, chunk: Chunk, ctx: SendContext): Promise<ServerState | undefined> {
      const ref = readRef(session.ref);
      if (ref.kind === 'simple') {
        if (chunk.offset !== 0 || chunk.data.length !== job.file.size) {
          throw new FerryError('internal', `${job.file.path}: a small-file Box upload takes the whole file as one chunk (got ${chunk.data.length} bytes at ${chunk.offset})`);
        }
        return { kind: 'complete', result: await sendSmall(ref, job, chunk.data, ctx, chunk.digests) };
      }
      const part = await sendPart(api, ref, chunk, ctx, job.file.size);
      partsOf(ref.id).set(part.offset, part);
      return undefined;
    },

    async finish(session: Session, job: UploadJob, digests: Partial<Record<HashAlgorithm, string>>, signal: AbortSignal): Promise<RemoteFile> {
      const ref = readRef(session.ref);
      if (ref.kind === 'simple') {
        const result = done.get(ref.key);
        if (result) return result;
        // The engine sends no chunk for an empty file; its upload happens here.
        if (job.file.size === 0) return sendSmall(ref, job, Buffer.alloc(0), { signal });
        throw new FerryError('internal', `${job.file.path}: finish was called before the file was sent to Box`);
      }
      if (job.completed) return job.completed;
      const sha1 = digests.sha1;
      if (!sha1 || !/^[0-9a-f]{40}$/i.test(sha1)) throw new FerryError('internal', `${job.file.path}: committing a Box upload needs the file's SHA-1`);
      let known = partsOf(ref.id);
      if (known.size !== ref.totalParts) {
        for (const p of await listParts(api, ref, signal)) known.set(p.offset, p);
        known = partsOf(ref.id);
      }
      if (known.size !== ref.totalParts) {
        throw new FerryError('offset-mismatch', `${ref.path}: Box holds ${known.size} of ${ref.totalParts} parts, so the upload cannot be committed yet`);
      }
      let file;
      try {
        file = await commitSession(api, ref, [...known.values()].sort((a, b) => a.offset - b.offset), sha1, signal, sleep);
      } catch (e) {
        // A commit whose answer was lost consumes the session: the retry meets a 404. If the file
        // is there with our SHA-1, that commit succeeded.
        const landed = isFerryError(e, 'session-gone') ? await api.find(ref.folderId, ref.name, signal) : undefined;
        if (landed?.type !== 'file' || landed.sha1?.toLowerCase() !== sha1.toLowerCase()) throw e;
        file = { ...landed, type: 'file' as const, size: job.file.size, sha1: sha1.toLowerCase(), parent: { type: 'folder' as const, id: ref.folderId } };
      }
      parts.delete(ref.id);
      return remoteFile(ref, file);
    },

    async cancel(session: Session, _job: UploadJob, signal: AbortSignal): Promise<CancelOutcome> {
      const ref = readRef(session.ref);
      if (ref.kind === 'simple') return { deleted: false, why: 'a small-file Box upload has no server session to delete' };
      parts.delete(ref.id);
      return abortSession(api, ref, signal);
    },

    classify(e) {
      // A whole-file digest mismatch at commit cannot be mended by resending a part.
      if (e.code === 'integrity' && e.context.serverCode === 'digest_mismatch' && e.context.status === 400) return { kind: 'permanent' };
      return undefined;
    },
  };
}

function remoteFile(dest: BoxDest, file: BoxFile): RemoteFile {
  return {
    path: dest.path, id: file.id,
    ...(typeof file.size === 'number' ? { size: file.size } : {}),
    ...(typeof file.sha1 === 'string' ? { hash: { algorithm: 'sha1' as const, value: file.sha1.toLowerCase() } } : {}),
  };
}

function positiveInt(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new FerryError('bad-input', `Box option ${name} must be a whole number of bytes, got '${v}'`);
  return Number(v);
}
