// Redivis `upload` resources: made by finalizing a completed resumable (or temp) upload on a
// table, then processed queued → running → completed|failed as the client polls, paced by the
// named options and the injected clock. Bytes land at `/{table}/{name}` only when completed.
import { promises as fsp } from 'node:fs';
import type { FileStore } from '../kit/file-store.js';
import type { ResolvedRedivisOptions } from './emulator-options.js';
import type { GcsSession } from './gcs-sessions.js';
import type { UploadResource } from '../../providers/redivis/wire.js';

interface UploadRecord {
  table: string;
  resource: UploadResource;
  sessionId: string;
  pollsInStage: number;
  stageSince: number;
}

export class RedivisUploads {
  private readonly byKey = new Map<string, UploadRecord>();

  constructor(
    private readonly store: FileStore,
    private readonly opts: ResolvedRedivisOptions,
    private readonly now: () => number,
  ) {}

  static uri(table: string, name: string): string {
    return `/tables/${encodeURIComponent(table)}/uploads/${encodeURIComponent(name)}`;
  }

  get(table: string, name: string): UploadResource | undefined {
    return this.byKey.get(key(table, name))?.resource;
  }

  create(table: string, name: string, type: string, s: GcsSession): UploadResource {
    const t = this.now();
    const resource: UploadResource = {
      kind: 'upload', uri: RedivisUploads.uri(table, name), name, type, status: 'queued',
      size: s.held, createdAt: t, updatedAt: t, errorMessage: null,
    };
    s.finalizedAs = name;
    this.byKey.set(key(table, name), { table, resource, sessionId: s.id, pollsInStage: 0, stageSince: t });
    return resource;
  }

  /** One poll: counts it, and moves the upload on by at most one stage once the stage has lasted long enough. */
  async poll(table: string, name: string): Promise<UploadResource | undefined> {
    const r = this.byKey.get(key(table, name));
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
      await this.store.commit(r.sessionId, `/${table}/${name}`, r.resource.size);
      r.resource.status = 'completed';
    }
    return r.resource;
  }

  async delete(table: string, name: string): Promise<boolean> {
    const r = this.byKey.get(key(table, name));
    if (!r) return false;
    this.byKey.delete(key(table, name));
    if (r.resource.status === 'completed' && !this.store.discard) await fsp.rm(this.store.storedPath(`/${table}/${name}`), { force: true });
    else await this.store.removePart(r.sessionId);
    return true;
  }
}

function key(table: string, name: string): string {
  return `${table}\n${name}`;
}
