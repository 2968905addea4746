// Synapse multipart upload behind the provider port (protocols.md section 2).
// folders of the remote path (found or created) → upload destination of the innermost one →
// start-or-resume (idempotent) → presigned part URLs in batches → PUT each part to storage →
// add it with its MD5 → complete → create the FileEntity in that folder.
import { FerryError } from '../../common/errors.js';
import type { Verdict } from '../../engine/classify.js';
import type { HashAlgorithm } from '../../engine/hashing.js';
import type { Chunk, Provider, ProviderFactoryOptions, RemoteFile, SendContext, ServerState, Session, UploadJob } from '../../engine/provider.js';
import { chunkBody, chunkLength } from '../shared/chunk-body.js';
import { chunkDigestHex } from '../shared/chunk-digest.js';
import { SynapseApi } from './api.js';
import { storageLocationFor } from './destination.js';
import { synapseUrls } from './endpoints.js';
import { SynapseFolders } from './folders.js';
import { PartUrlCache } from './part-urls.js';
import { replaceFileEntity } from './replace.js';
import { partUrlSource, type UrlState } from './part-url-source.js';
import { storageError } from './storage-errors.js';
import { parseTarget } from './target-path.js';
import { buildRequest, parseRef, partSizeFor, toJson, type RequestSettings, type SynapseRef } from './upload-request.js';
import { MAX_PART_SIZE, MIN_PART_SIZE, PRESIGNED_TTL_MS, numberOfParts, type MultipartUploadRequest, type MultipartUploadStatus } from './wire.js';

/** URLs younger than this are used as they are; older ones are fetched again before the PUT. */
const URL_MAX_AGE_MS = PRESIGNED_TTL_MS - 3 * 60_000;
/** How many "name (n)" candidates the 'rename' conflict policy tries before giving up. */
const RENAME_TRIES = 20;
const FILE_MD5_MISMATCH = 'file-md5-mismatch';

/** What this process knows about one upload, keyed by its request (the server's own key). */
interface UploadState extends UrlState {
  completed: boolean;
  resultFileHandleId?: string;
}

export function createSynapseProvider(o: ProviderFactoryOptions): Provider {
  // The age of presigned URLs is measured on the local clock from when we got them (local against local).
  const now = (): number => o.clock.now();
  const opt = o.options ?? {};
  const { fileUrl, repoUrl } = synapseUrls(o.endpoint.url, opt);
  const api = new SynapseApi({ http: o.http, fileUrl, repoUrl, token: o.endpoint.token });
  const folders = new SynapseFolders(api);
  const settings: RequestSettings = {
    ...(opt.partSize ? { partSize: positiveInt(opt.partSize, 'partSize') } : {}),
    contentType: opt.contentType ?? 'application/octet-stream',
    storageLocationId: opt.storageLocationId ? positiveInt(opt.storageLocationId, 'storageLocationId') : null,
    generatePreview: opt.generatePreview !== 'false',
  };
  const states = new Map<string, UploadState>();
  const keyOf = (req: MultipartUploadRequest): string => JSON.stringify(req);

  const targetOf = (job: UploadJob) => parseTarget(job.target.remotePath, opt.parentId, job.file);

  /** Records what a start/resume answer says; a new uploadId (the old one was cleared) drops what we knew. */
  const learn = (req: MultipartUploadRequest, s: MultipartUploadStatus): UploadState => {
    const total = numberOfParts(req.fileSizeBytes, req.partSizeBytes);
    let st = states.get(keyOf(req));
    if (!st || st.uploadId !== s.uploadId) {
      st = { uploadId: s.uploadId, total, completed: false, have: new Set(), urls: new PartUrlCache(now, URL_MAX_AGE_MS), waiters: 0, batchMs: 0 };
      states.set(keyOf(req), st);
    }
    st.completed = s.state === 'COMPLETED';
    if (s.resultFileHandleId) st.resultFileHandleId = s.resultFileHandleId;
    st.have = new Set();
    for (let i = 0; i < (s.partsState ?? '').length; i++) if (s.partsState[i] === '1') st.have.add(i);
    return st;
  };

  const { urlFor } = partUrlSource({ fetch: (id, parts, signal) => api.presignedUrls(id, parts, signal), now, sleep: (ms, signal) => o.clock.sleep(ms, signal) });

  const stateFor = async (ref: SynapseRef, signal: AbortSignal): Promise<UploadState> => {
    return states.get(keyOf(ref.request)) ?? learn(ref.request, await api.startOrResume(ref.request, signal));
  };

  const provider: Provider = {
    id: 'synapse',
    rules: {
      min: Math.min(MIN_PART_SIZE, settings.partSize ?? MIN_PART_SIZE),
      max: MAX_PART_SIZE,
      align: 1,
      defaultSize: settings.partSize ?? 8 * 1024 * 1024,
    },
    integrity: 'md5',
    needsBefore: ['md5'],
    chunkDigests: ['md5'],
    // The part MD5s addPart needs are computed in the same read as the file's MD5 (the request
    // fixes the part size), so parts go up with no hashing in the upload pass.
    plannedChunkSize: (file) => partSizeFor(file.size, settings),
    ordered: false,
    // Parts may be streamed from the file (Chunk.body, MD5 from the engine's first pass): no part held in memory.
    streamsChunks: true,

    async create(job, signal) {
      // Names, size and MD5 are checked before the first request.
      const target = targetOf(job);
      const checked = buildRequest(job, settings);
      const folder = await folders.resolve(target.container, target.folders, signal);
      // The explicit option wins; otherwise the folder's own storage (its project's setting).
      const storageLocationId = settings.storageLocationId ?? await storageLocationFor(api, folder, job.file.path, signal);
      const request = { ...checked, storageLocationId };
      const st = learn(request, await api.startOrResume(request, signal));
      // A finished identical upload (dedupe) or parts left by an earlier run: nothing is sent twice.
      return { ref: toJson({ uploadId: st.uploadId, request }), chunkSize: request.partSizeBytes, initial: serverState(st) };
    },

    async status(session, _job, signal) {
      const { request } = parseRef(session.ref);
      return serverState(learn(request, await api.startOrResume(request, signal)));
    },

    async sendChunk(session: Session, job: UploadJob, chunk: Chunk, ctx: SendContext): Promise<ServerState | undefined> {
      const ref = parseRef(session.ref);
      const st = await stateFor(ref, ctx.signal);
      // The request pins the whole file's MD5, so a part the server holds has exactly these bytes.
      if (st.completed || st.have.has(chunk.index)) return serverState(st);
      const partNumber = chunk.index + 1;
      expectPartLength(ref.request, chunk, job);

      let url = await urlFor(st, partNumber, ctx.signal);
      let res = await api.putPart(url, chunkBody(chunk), ctx);
      if (res.status === 403) {
        // Expired (or clock-skewed) signature: one fresh batch and one more try, as the official client does.
        st.urls.clear();
        url = await urlFor(st, partNumber, ctx.signal);
        res = await api.putPart(url, chunkBody(chunk), ctx);
      }
      if (res.status < 200 || res.status > 299) throw storageError(res, url.uploadPresignedUrl, partNumber, job.file.path);
      // The bytes are in storage: the add below is one round trip to the file service, during
      // which the next part can use the wire (its MD5 is taken first: no read of the part after this).
      const md5 = chunkDigestHex(chunk, 'md5');
      // One turn of the event loop first: the HTTP pool takes this PUT's connection back only
      // then, and a part started before would open a new connection, cold (slow start from ten
      // segments), beside the warm one left idle.
      await yieldTurn();
      ctx.offWire?.();
      const added = await api.addPart(st.uploadId, partNumber, md5, ctx.signal);
      if (added.addPartState !== 'ADD_SUCCESS') {
        st.have.delete(chunk.index);
        throw new FerryError('integrity', `Synapse did not accept part ${partNumber} of ${job.file.path}: ${added.errorMessage ?? 'ADD_FAILED'}`,
          { offset: chunk.offset, file: job.file.path, serverCode: 'ADD_FAILED' });
      }
      st.have.add(chunk.index);
      return undefined;
    },

    async finish(session, job, _digests: Partial<Record<HashAlgorithm, string>>, signal): Promise<RemoteFile> {
      const ref = parseRef(session.ref);
      const target = targetOf(job);
      const st = await stateFor(ref, signal);
      let handleId = st.completed ? st.resultFileHandleId : undefined;
      if (!handleId) {
        const done = await api.complete(st.uploadId, signal);
        if (done.state !== 'COMPLETED' || !done.resultFileHandleId) {
          throw new FerryError('protocol', `completing upload ${st.uploadId} of ${job.file.path}: Synapse answered state ${done.state} without a file handle`);
        }
        learn(ref.request, done);
        handleId = done.resultFileHandleId;
      }
      const handle = await api.fileHandle(handleId, signal);
      const local = job.digests.md5?.toLowerCase();
      if (local && handle.contentMd5 && handle.contentMd5.toLowerCase() !== local) {
        // Checked before the entity exists, so a corrupt file never appears in the user's project.
        throw new FerryError('integrity', `Synapse stored ${job.file.path} with MD5 ${handle.contentMd5}, but the local file's MD5 is ${local}`,
          { file: job.file.path, serverCode: FILE_MD5_MISMATCH });
      }
      const parent = await folders.resolve(target.container, target.folders, signal);
      const entity = await createEntity(job, target.name, parent, handleId, signal);
      states.delete(keyOf(ref.request));
      return {
        path: `/${[target.container, ...target.folders, entity.name].join('/')}`,
        id: entity.id,
        ...(typeof entity.versionNumber === 'number' ? { version: entity.versionNumber } : {}),
        size: handle.contentSize,
        hash: { algorithm: 'md5', value: handle.contentMd5.toLowerCase() },
      };
    },

    async cancel(session) {
      states.delete(keyOf(parseRef(session.ref).request));
      return { deleted: false, why: 'Synapse has no API to abort a multipart upload; the server clears it after 30 days' };
    },

    classify(error): Verdict | undefined {
      // A whole-file mismatch will not heal by resending one part.
      if (error.code === 'integrity' && error.context.serverCode === FILE_MD5_MISMATCH) return { kind: 'permanent' };
      return undefined;
    },
  };

  async function createEntity(job: UploadJob, wanted: string, parent: string, handleId: string, signal: AbortSignal): Promise<{ id: string; name: string; versionNumber?: number }> {
    if (job.target.conflict === 'replace') {
      // Create first, as the official client does; only a 409 turns into a new version of the
      // existing file. A name freed meanwhile is created on the second pass.
      for (let n = 0; n < 2; n++) {
        const r = await api.createEntity(wanted, parent, handleId, signal);
        if (!('conflict' in r)) return r;
        const replaced = await replaceFileEntity(api, { parent, name: wanted, handleId, file: job.file.path }, signal);
        if (replaced) return replaced;
      }
      throw nameConflict(job, wanted, parent, 'the name was taken and freed again twice', 'start the upload again');
    }
    const tries = job.target.conflict === 'rename' ? RENAME_TRIES : 1;
    let lastReason = '';
    for (let n = 0; n < tries; n++) {
      const name = n === 0 ? wanted : numbered(wanted, n);
      const r = await api.createEntity(name, parent, handleId, signal);
      if (!('conflict' in r)) return r;
      lastReason = r.conflict;
    }
    throw nameConflict(job, wanted, parent, lastReason,
      'choose another name (or move the existing file) and start the upload again; the bytes already on Synapse are reused, nothing is sent twice');
  }

  return provider;
}

function nameConflict(job: UploadJob, wanted: string, parent: string, reason: string, how: string): FerryError {
  return new FerryError('name-conflict', `"${wanted}" already exists in ${parent} on Synapse (${reason}): ${how}`, { file: job.file.path, status: 409 });
}

function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function serverState(st: UploadState): ServerState {
  return st.completed ? { kind: 'complete' } : { kind: 'parts', have: [...st.have].sort((a, b) => a - b) };
}

/** "name (n).ext", the way the desktop names a copy. */
function numbered(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

function positiveInt(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new FerryError('bad-input', `Synapse option ${name} must be a positive whole number, not "${v}"`);
  return n;
}

/** A part of the wrong length would be added fine and only fail at complete; catch it here. */
function expectPartLength(req: MultipartUploadRequest, chunk: Chunk, job: UploadJob): void {
  const start = chunk.index * req.partSizeBytes;
  const want = Math.min(req.partSizeBytes, req.fileSizeBytes - start);
  if (chunk.offset !== start || chunkLength(chunk) !== want) {
    throw new FerryError('internal', `part ${chunk.index + 1} of ${job.file.path} should cover ${want} bytes at offset ${start}, got ${chunkLength(chunk)} at ${chunk.offset}`,
      { file: job.file.path, offset: chunk.offset });
  }
}
