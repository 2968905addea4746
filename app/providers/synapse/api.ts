// Typed calls to the Synapse file and repository services. Each returns the parsed answer or
// throws a FerryError; the presigned storage PUT never carries the Synapse token.
import { FerryError } from '../../common/errors.js';
import type { Http, HttpResponse, StreamBody } from '../../engine/http.js';
import type { SendContext } from '../../engine/provider.js';
import { jsonBody, redactUrl } from '../shared/http-status.js';
import { reasonOf, synapseError, type SynapseCall } from './synapse-errors.js';
import {
  FILE_ENTITY,
  FOLDER_ENTITY,
  type AddPartResponse,
  type BatchPresignedUploadUrlResponse,
  type EntityHeader,
  type EntityId,
  type FileEntity,
  type MultipartUploadRequest,
  type MultipartUploadStatus,
  type PartPresignedUrl,
  type S3FileHandle,
  type UploadDestination,
} from './wire.js';

export interface SynapseApiOptions {
  http: Http;
  fileUrl: string;
  repoUrl: string;
  token: string;
}

export class SynapseApi {
  constructor(private readonly o: SynapseApiOptions) {}

  startOrResume(req: MultipartUploadRequest, signal: AbortSignal, forceRestart = false): Promise<MultipartUploadStatus> {
    const url = `${this.o.fileUrl}/file/multipart?forceRestart=${forceRestart}`;
    return this.call<MultipartUploadStatus>({ method: 'POST', url, doing: `starting the Synapse upload of ${req.fileName}` }, JSON.stringify(req), signal);
  }

  async presignedUrls(uploadId: string, partNumbers: number[], signal: AbortSignal): Promise<PartPresignedUrl[]> {
    const url = `${this.o.fileUrl}/file/multipart/${encodeURIComponent(uploadId)}/presigned/url/batch`;
    const call = { method: 'POST', url, doing: `getting upload URLs for parts ${partNumbers[0]}-${partNumbers.at(-1)} of upload ${uploadId}` };
    const res = await this.call<BatchPresignedUploadUrlResponse>(call, JSON.stringify({ uploadId, partNumbers }), signal, true);
    if (!Array.isArray(res.partPresignedUrls)) throw protocol(call, 'the answer has no partPresignedUrls');
    return res.partPresignedUrls;
  }

  /** PUT of one part's bytes to its presigned storage URL. Returns the raw response (403 means "refresh the URL"). */
  putPart(p: PartPresignedUrl, data: Buffer | StreamBody, ctx: SendContext): Promise<HttpResponse> {
    return this.o.http.request({
      method: 'PUT',
      url: p.uploadPresignedUrl,
      headers: { ...(p.signedHeaders ?? {}) },
      body: data,
      signal: ctx.signal,
      ...(ctx.onSent ? { onSent: ctx.onSent } : {}),
    });
  }

  addPart(uploadId: string, partNumber: number, md5Hex: string, signal: AbortSignal): Promise<AddPartResponse> {
    const url = `${this.o.fileUrl}/file/multipart/${encodeURIComponent(uploadId)}/add/${partNumber}?partMD5Hex=${md5Hex}`;
    return this.call<AddPartResponse>({ method: 'PUT', url, doing: `adding part ${partNumber} to upload ${uploadId}` }, undefined, signal, true);
  }

  async complete(uploadId: string, signal: AbortSignal): Promise<MultipartUploadStatus> {
    const url = `${this.o.fileUrl}/file/multipart/${encodeURIComponent(uploadId)}/complete`;
    const call = { method: 'PUT', url, doing: `completing upload ${uploadId}` };
    const res = await this.send(call, undefined, signal);
    if (res.status === 201 || res.status === 200) return jsonBody<MultipartUploadStatus>(res, call);
    // "Missing N part(s)": the server holds fewer parts than we believe; ask it and resend them.
    const missing = res.status === 400 && /^Missing \d+ part/.test(reasonOf(res).reason ?? '');
    throw synapseError(res, call, { uploadCall: true, ...(missing ? { code: 'offset-mismatch' as const } : {}) });
  }

  fileHandle(id: string, signal: AbortSignal): Promise<S3FileHandle> {
    const url = `${this.o.fileUrl}/fileHandle/${encodeURIComponent(id)}`;
    return this.call<S3FileHandle>({ method: 'GET', url, doing: `reading file handle ${id}` }, undefined, signal);
  }

  /** Creates the FileEntity; a 409 (name taken in the parent) comes back as `{conflict: reason}`. */
  createEntity(name: string, parentId: string, fileHandleId: string, signal: AbortSignal): Promise<FileEntity | { conflict: string }> {
    return this.create<FileEntity>({ concreteType: FILE_ENTITY, name, parentId, dataFileHandleId: fileHandleId }, `creating "${name}" in ${parentId}`, signal);
  }

  /** Creates a Folder; a 409 (the name was taken meanwhile) comes back as `{conflict: reason}`. */
  createFolder(name: string, parentId: string, signal: AbortSignal): Promise<EntityHeader | { conflict: string }> {
    return this.create<EntityHeader>({ concreteType: FOLDER_ENTITY, name, parentId }, `creating folder "${name}" in ${parentId}`, signal);
  }

  /** POST /entity/child: the id of `name` in `parentId`, or undefined when there is none (404). */
  async lookupChild(parentId: string, name: string, signal: AbortSignal): Promise<string | undefined> {
    const call = { method: 'POST', url: `${this.o.repoUrl}/entity/child`, doing: `looking up "${name}" in ${parentId}` };
    const res = await this.send(call, JSON.stringify({ parentId, entityName: name }), signal);
    if (res.status === 404) return undefined;
    if (res.status !== 200 && res.status !== 201) throw synapseError(res, call);
    const id = jsonBody<Partial<EntityId>>(res, call).id;
    if (typeof id !== 'string') throw protocol(call, 'the answer has no id');
    return id;
  }

  /**
   * PUT {repo}/entity/{id} (200). The body carries the etag read with it; a 412 (someone updated
   * the entity since) comes back as `{stale: reason}`. No `newVersion`: the server makes a new
   * version of a FileEntity itself when its file handle's MD5 changes (README "Conflict policy").
   */
  async updateEntity(entity: Record<string, unknown> & { id: string }, signal: AbortSignal): Promise<FileEntity | { stale: string }> {
    const call = { method: 'PUT', url: `${this.o.repoUrl}/entity/${encodeURIComponent(entity.id)}`, doing: `updating entity ${entity.id}` };
    const res = await this.send(call, JSON.stringify(entity), signal);
    if (res.status === 412) return { stale: reasonOf(res).reason ?? 'the entity was updated since it was read' };
    if (res.status !== 200 && res.status !== 201) throw synapseError(res, call);
    return jsonBody<FileEntity>(res, call);
  }

  /** GET {repo}/entity/{id}: every field as sent, so an update can PUT the entity back whole. */
  entity(id: string, signal: AbortSignal): Promise<EntityHeader & Record<string, unknown>> {
    const url = `${this.o.repoUrl}/entity/${encodeURIComponent(id)}`;
    return this.call<EntityHeader & Record<string, unknown>>({ method: 'GET', url, doing: `reading entity ${id}` }, undefined, signal);
  }

  /** GET {file}/entity/{id}/uploadDestination: where files created in this container are stored. */
  uploadDestination(containerId: string, signal: AbortSignal): Promise<UploadDestination> {
    const url = `${this.o.fileUrl}/entity/${encodeURIComponent(containerId)}/uploadDestination`;
    return this.call<UploadDestination>({ method: 'GET', url, doing: `asking Synapse where files in ${containerId} are stored` }, undefined, signal);
  }

  private async create<T>(entity: Record<string, string>, doing: string, signal: AbortSignal): Promise<T | { conflict: string }> {
    const call = { method: 'POST', url: `${this.o.repoUrl}/entity`, doing };
    const res = await this.send(call, JSON.stringify(entity), signal);
    if (res.status === 409) return { conflict: reasonOf(res).reason ?? 'an entity with this name already exists' };
    if (res.status !== 201 && res.status !== 200) throw synapseError(res, call);
    return jsonBody<T>(res, call);
  }

  private async call<T>(call: SynapseCall, body: string | undefined, signal: AbortSignal, uploadCall = false): Promise<T> {
    const res = await this.send(call, body, signal);
    // Synapse answers 201 on every success of these calls, even the PUTs; GET is 200.
    if (res.status !== 201 && res.status !== 200) throw synapseError(res, call, { uploadCall });
    return jsonBody<T>(res, call);
  }

  private send(call: SynapseCall, body: string | undefined, signal: AbortSignal): Promise<HttpResponse> {
    return this.o.http.request({
      method: call.method,
      url: call.url,
      headers: {
        authorization: `Bearer ${this.o.token}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
      signal,
    });
  }
}

function protocol(call: SynapseCall, what: string): FerryError {
  return new FerryError('protocol', `${call.doing}: ${what}`, { method: call.method, url: redactUrl(call.url) });
}
