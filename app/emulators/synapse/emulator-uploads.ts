// The emulator's multipart manager: Synapse's start-or-resume with its idempotency key,
// partsState, presigned batches, add-part with the MD5 check and ADD_FAILED semantics,
// complete, and the 30-day cleanup (protocols.md 2.2-2.6, 2.8).
import { createHash, randomUUID } from 'node:crypto';
import type { EmulatorCounters } from '../kit/emulator-host.js';
import type { EmulatorBlobs, StoredPart } from './emulator-blobs.js';
import { SynapseHttpError, requireNumber, validateUploadRequest, type CanonicalRequest, type EmulatorLimits } from './emulator-validate.js';
import type { FakeS3 } from './emulator-s3.js';
import type { AddPartResponse, MultipartUploadStatus, PartPresignedUrl } from '../../providers/synapse/wire.js';

export interface UploadRecord {
  id: string;
  userId: string;
  /** Current key in the (user, hash) index; `R_<hash>_<uuid>` once orphaned by forceRestart. */
  hash: string;
  request: CanonicalRequest;
  numberOfParts: number;
  /** Added parts by part number; absent = '0'. */
  parts: Map<number, StoredPart>;
  state: 'UPLOADING' | 'COMPLETED';
  resultFileHandleId?: string;
  startedOn: number;
  updatedOn: number;
}

export interface FileHandleRecord {
  id: string;
  createdBy: string;
  createdOn: number;
  fileName: string;
  contentType: string;
  /** MD5 of the stored bytes (the claimed MD5 in discard mode, where nothing is stored). */
  contentMd5: string;
  contentSize: number;
  storageLocationId: number;
}

export class EmulatorUploads {
  private readonly byId = new Map<string, UploadRecord>();
  private readonly byKey = new Map<string, string>();
  private readonly completing = new Map<string, Promise<MultipartUploadStatus>>();
  readonly handles = new Map<string, FileHandleRecord>();
  private nextUpload = 7_000_001;
  private nextHandle = 90_000_001;

  constructor(
    private readonly limits: EmulatorLimits,
    private readonly blobs: EmulatorBlobs,
    private readonly s3: FakeS3,
    private readonly counters: EmulatorCounters,
    private readonly now: () => number,
  ) {}

  startOrResume(userId: string | undefined, body: unknown, forceRestart: boolean): MultipartUploadStatus {
    const request = validateUploadRequest(body, userId, this.limits);
    const hash = createHash('md5').update(JSON.stringify(request)).digest('hex');
    const key = `${userId}:${hash}`;
    if (forceRestart) {
      const old = this.byKey.get(key);
      if (old) {
        this.byKey.delete(key);
        this.byId.get(old)!.hash = `R_${hash}_${randomUUID()}`;
      }
    }
    const existing = this.byKey.get(key);
    if (existing) return this.status(this.byId.get(existing)!);
    const numberOfParts = this.countParts(request.fileSizeBytes, request.partSizeBytes);
    const t = this.now();
    const rec: UploadRecord = { id: String(this.nextUpload++), userId: userId!, hash, request, numberOfParts, parts: new Map(), state: 'UPLOADING', startedOn: t, updatedOn: t };
    this.byId.set(rec.id, rec);
    this.byKey.set(key, rec.id);
    this.counters.sessionCreated();
    return this.status(rec);
  }

  presigned(userId: string | undefined, uploadId: string, body: unknown, baseUrl: string): { partPresignedUrls: PartPresignedUrl[] } {
    const b = (body ?? {}) as { partNumbers?: unknown; contentType?: unknown };
    if (b.partNumbers === undefined || b.partNumbers === null) throw new SynapseHttpError(400, 'BatchPresignedUploadUrlRequest.partNumbers is required.');
    if (!Array.isArray(b.partNumbers)) throw new SynapseHttpError(400, 'BatchPresignedUploadUrlRequest.partNumbers must be an array');
    if (b.partNumbers.length === 0) throw new SynapseHttpError(400, 'BatchPresignedUploadUrlRequest.partNumbers must contain at least one value');
    const rec = this.get(uploadId);
    this.checkStarter(userId, rec);
    const contentType = typeof b.contentType === 'string' && b.contentType !== '' ? b.contentType : undefined;
    return {
      partPresignedUrls: b.partNumbers.map((p): PartPresignedUrl => {
        const n = requireNumber(p, 'PartNumber');
        this.checkPartNumber(n, rec.numberOfParts);
        return {
          partNumber: n,
          uploadPresignedUrl: this.s3.sign(baseUrl, rec.id, n, contentType),
          signedHeaders: contentType ? { 'Content-Type': contentType } : ({} as Record<string, string>),
        };
      }),
    };
  }

  async addPart(userId: string | undefined, uploadId: string, partNumber: number, partMD5Hex: string | null): Promise<AddPartResponse> {
    if (!partMD5Hex) throw new SynapseHttpError(400, 'partMD5Hex is required.');
    const rec = this.get(uploadId);
    if (rec.state === 'COMPLETED') throw new SynapseHttpError(400, 'Cannot add parts to completed file upload.');
    this.checkPartNumber(partNumber, rec.numberOfParts);
    this.checkStarter(userId, rec);
    rec.updatedOn = this.now();
    const temp = this.blobs.temp(rec.id, partNumber);
    const failed = (errorMessage: string): AddPartResponse => {
      // setPartToFailed: the part shows '0' again even if it had been added before.
      rec.parts.delete(partNumber);
      return { uploadId: rec.id, partNumber, addPartState: 'ADD_FAILED', errorMessage };
    };
    if (!temp) {
      return failed(`The specified key does not exist. (Service: Amazon S3; Status Code: 404; Error Code: NoSuchKey; Request ID: ${randomUUID().slice(0, 16)})`);
    }
    // The copy carries an "ETag must equal partMD5Hex" precondition; on failure the temp object stays.
    if (temp.md5 !== partMD5Hex.toLowerCase()) return failed('The provided MD5 does not match the MD5 of the uploaded part.  Please re-upload the part.');
    await this.blobs.consumeTemp(rec.id, partNumber);
    rec.parts.set(partNumber, temp);
    return { uploadId: rec.id, partNumber, addPartState: 'ADD_SUCCESS', errorMessage: null };
  }

  complete(userId: string | undefined, uploadId: string): Promise<MultipartUploadStatus> {
    const rec = this.get(uploadId);
    this.checkStarter(userId, rec);
    if (rec.state === 'COMPLETED') return Promise.resolve(this.status(rec));
    // Two completes racing must not assemble twice.
    let p = this.completing.get(rec.id);
    if (!p) {
      p = this.doComplete(rec).finally(() => this.completing.delete(rec.id));
      this.completing.set(rec.id, p);
    }
    return p;
  }

  private async doComplete(rec: UploadRecord): Promise<MultipartUploadStatus> {
    const missing = rec.numberOfParts - rec.parts.size;
    if (missing > 0) throw new SynapseHttpError(400, `Missing ${missing} part(s).  All parts must be successfully added before a file upload can be completed.`);
    const parts: StoredPart[] = [];
    for (let n = 1; n <= rec.numberOfParts; n++) parts.push(rec.parts.get(n)!);
    // S3 CompleteMultipartUpload: every part but the last must reach the minimum part size.
    const small = parts.findIndex((p, i) => i < parts.length - 1 && p.size < this.limits.minPartSize);
    if (small >= 0) {
      throw new SynapseHttpError(400, `Your proposed upload is smaller than the minimum allowed size (Service: Amazon S3; Status Code: 400; Error Code: EntityTooSmall; part ${small + 1} is ${parts[small]!.size} bytes, minimum ${this.limits.minPartSize})`);
    }
    const id = String(this.nextHandle++);
    const stored = await this.blobs.assemble(rec.id, parts, id);
    const t = this.now();
    this.handles.set(id, {
      id,
      createdBy: rec.userId,
      createdOn: t,
      fileName: rec.request.fileName,
      contentType: rec.request.contentType ?? 'application/octet-stream',
      contentMd5: stored.md5 ?? rec.request.contentMD5Hex,
      contentSize: stored.size,
      storageLocationId: rec.request.storageLocationId,
    });
    rec.state = 'COMPLETED';
    rec.resultFileHandleId = id;
    rec.updatedOn = t;
    return this.status(rec);
  }

  /** MultipartCleanupWorker: records not updated for the cleanup period are cleared (any state). */
  async sweep(): Promise<void> {
    if (!this.limits.cleanupAfterMs) return;
    const cutoff = this.now() - this.limits.cleanupAfterMs;
    for (const rec of [...this.byId.values()]) {
      if (rec.updatedOn >= cutoff || this.completing.has(rec.id)) continue;
      this.byId.delete(rec.id);
      const key = `${rec.userId}:${rec.hash}`;
      if (this.byKey.get(key) === rec.id) this.byKey.delete(key);
      this.counters.sessionDeleted();
      await this.blobs.clear(rec.id);
    }
  }

  private countParts(fileSize: number, partSize: number): number {
    const n = partSize > fileSize ? 1 : Math.ceil(fileSize / partSize);
    if (n > this.limits.maxParts) {
      throw new SynapseHttpError(400, `File Upload would require ${n} parts, which exceeds the maximum number of allowed parts of: ${this.limits.maxParts}. Please choose a larger part size.`);
    }
    return n;
  }

  private get(uploadId: string): UploadRecord {
    const rec = this.byId.get(uploadId);
    if (!rec) throw new SynapseHttpError(404, `MultipartUploadStatus cannot be found for id: ${uploadId}`);
    return rec;
  }

  private checkStarter(userId: string | undefined, rec: UploadRecord): void {
    if (userId !== rec.userId) {
      throw new SynapseHttpError(403, 'Only the user that started a multipart upload can get part upload pre-signed URLs for that file upload.');
    }
  }

  private checkPartNumber(n: number, numberOfParts: number): void {
    if (n < 1) throw new SynapseHttpError(400, 'Part numbers cannot be less than one.');
    if (n > numberOfParts) throw new SynapseHttpError(400, `Part number cannot be larger than number of parts. Number of parts: ${numberOfParts}, provided part number: ${n}`);
  }

  private status(rec: UploadRecord): MultipartUploadStatus {
    const partsState = rec.state === 'COMPLETED'
      ? '1'.repeat(rec.numberOfParts)
      : Array.from({ length: rec.numberOfParts }, (_, i) => (rec.parts.has(i + 1) ? '1' : '0')).join('');
    return {
      uploadId: rec.id,
      startedBy: rec.userId,
      startedOn: new Date(rec.startedOn).toISOString(),
      updatedOn: new Date(rec.updatedOn).toISOString(),
      partsState,
      state: rec.state,
      ...(rec.resultFileHandleId ? { resultFileHandleId: rec.resultFileHandleId } : {}),
    };
  }
}
