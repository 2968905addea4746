// Redivis `upload` resources: made by finalizing a completed resumable (or temp) upload on a
// table, then processed queued → running → completed|failed as the client polls, paced by the
// named options and the injected clock. Bytes land at `/{table}/{name}` only when completed.
// An upload is found by its id (its `uri`, `/tables/{t}/uploads/{id}` as in the doc's example,
// docs.redivis.com/api/resource-definitions/upload) or by the name segment the official clients
// use (`uploadNameSegment`: dots as underscores), so two names with the same segment are one upload.
import { promises as fsp } from 'node:fs';
import type { FileStore } from '../kit/file-store.js';
import type { ResolvedRedivisOptions } from './emulator-options.js';
import type { GcsSession } from './gcs-sessions.js';
import { uploadNameSegment, type UploadResource } from '../../providers/redivis/wire.js';

interface UploadRecord {
  table: string;
  resource: UploadResource;
  sessionId: string;
  pollsInStage: number;
  stageSince: number;
  /** Base64 MD5 of the session's bytes, reported as `hash` once processed. */
  md5: string | undefined;
}

export class RedivisUploads {
  private readonly byKey = new Map<string, UploadRecord>();
  private nextId = 1;

  constructor(
    private readonly store: FileStore,
    private readonly opts: ResolvedRedivisOptions,
    private readonly now: () => number,
  ) {}

  /** The upload a URI segment names: its id, or its name segment. */
  find(table: string, ref: string): UploadResource | undefined {
    return this.record(table, ref)?.resource;
  }

  private record(table: string, ref: string): UploadRecord | undefined {
    const byName = this.byKey.get(key(table, ref));
    if (byName) return byName;
    for (const r of this.byKey.values()) if (r.table === table && String(r.resource.id) === ref) return r;
    return undefined;
  }

  /** The upload with this name (by its segment), if any. */
  get(table: string, name: string): UploadResource | undefined {
    return this.byKey.get(key(table, uploadNameSegment(name)))?.resource;
  }

  /** Bytes held by every upload (for the storage quota). */
  used(): number {
    let n = 0;
    for (const r of this.byKey.values()) n += r.resource.size;
    return n;
  }

  create(table: string, name: string, type: string, s: GcsSession): UploadResource {
    const t = this.now();
    const id = this.nextId++;
    const resource: UploadResource = {
      kind: 'upload', uri: `/tables/${encodeURIComponent(table)}/uploads/${id}`, id, name, type, status: 'queued',
      size: s.held, hash: null, createdAt: t, updatedAt: t, errorMessage: null,
    };
    s.finalizedAs = name;
    this.byKey.set(key(table, uploadNameSegment(name)), { table, resource, sessionId: s.id, pollsInStage: 0, stageSince: t, md5: s.object?.md5Hash });
    return resource;
  }

  /** One poll: counts it, and moves the upload on by at most one stage once the stage has lasted long enough. */
  async poll(table: string, ref: string): Promise<UploadResource | undefined> {
    const r = this.record(table, ref);
    if (!r) return undefined;
    const st = r.resource.status;
    if (st === 'completed' || st === 'failed') return r.resource;
    r.pollsInStage++;
    const t = this.now();
    if (r.pollsInStage < this.opts.pollsPerStage || t - r.stageSince < this.opts.stageMs) return r.resource;
    r.pollsInStage = 0;
    r.stageSince = t;
    r.resource.updatedAt = t;
    if (st === 'queued') {
      r.resource.status = 'running';
    } else if (this.opts.failUploadsWith !== undefined) {
      r.resource.status = 'failed';
      r.resource.errorMessage = this.opts.failUploadsWith;
      await this.store.removePart(r.sessionId);
    } else {
      await this.store.commit(r.sessionId, `/${table}/${r.resource.name}`, r.resource.size);
      r.resource.status = 'completed';
      // The doc's "md5 hash of the upload's content" [U: hex assumed; the doc does not say].
      if (r.md5) r.resource.hash = Buffer.from(r.md5, 'base64').toString('hex');
    }
    return r.resource;
  }

  async delete(table: string, ref: string): Promise<boolean> {
    const r = this.record(table, ref);
    if (!r) return false;
    this.byKey.delete(key(table, uploadNameSegment(r.resource.name)));
    if (r.resource.status === 'completed' && !this.store.discard) await fsp.rm(this.store.storedPath(`/${table}/${r.resource.name}`), { force: true });
    else await this.store.removePart(r.sessionId);
    return true;
  }
}

function key(table: string, name: string): string {
  return `${table}\n${name}`;
}
