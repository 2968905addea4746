// Typed calls to the Synapse file and repository services. Each returns the parsed answer or
// throws a FerryError; the presigned storage PUT never carries the Synapse token.
import { FerryError } from '../../common/errors.js';
import type { Http, HttpResponse } from '../../engine/http.js';
import type { SendContext } from '../../engine/provider.js';
import { jsonBody, redactUrl } from '../shared/http-status.js';
import { reasonOf, synapseError, type SynapseCall } from './synapse-errors.js';
import {
  FILE_ENTITY,
  type AddPartResponse,
  type BatchPresignedUploadUrlResponse,
  type FileEntity,
  type MultipartUploadRequest,
  type MultipartUploadStatus,
  type PartPresignedUrl,
  type S3FileHandle,
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
  putPart(p: PartPresignedUrl, data: Buffer, ctx: SendContext): Promise<HttpResponse> {
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
  async createEntity(name: string, parentId: string, fileHandleId: string, signal: AbortSignal): Promise<FileEntity | { conflict: string }> {
    const url = `${this.o.repoUrl}/entity`;
    const call = { method: 'POST', url, doing: `creating "${name}" in ${parentId}` };
    const body = JSON.stringify({ concreteType: FILE_ENTITY, name, parentId, dataFileHandleId: fileHandleId });
    const res = await this.send(call, body, signal);
    if (res.status === 409) return { conflict: reasonOf(res).reason ?? 'an entity with this name already exists' };
    if (res.status !== 201 && res.status !== 200) throw synapseError(res, call);
    return jsonBody<FileEntity>(res, call);
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
