// The emulator's upload sessions: token → target, conflict policy, bytes held, lifetime.
// Expiry is measured with the injected clock. With a data directory the table is also kept in
// `sessions/ucloud-sessions.json` (temp file + rename), so a restarted emulator still knows
// the tokens it handed out and the bytes their part files hold.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { ConflictPolicy, FileStore } from '../kit/file-store.js';

export interface UploadSession {
  token: string;
  /** Cleaned UCloud target path, e.g. '/123/folder/file.bin'. */
  path: string;
  conflict: ConflictPolicy;
  createdAt: number;
  lastActivity: number;
  /** Bytes the session's file holds: the end of the furthest range written. */
  size: number;
  /** Total size announced by `Chunked-Upload-Total-Size`, once seen. */
  total?: number;
  /** A chunk is being received for this session right now. */
  busy: boolean;
  /** Connection of the chunk being received (or last received). */
  socket?: Socket;
  /** Serialise mode: the chunk that arrives next waits for this. */
  tail: Promise<void>;
}

export type Lookup = { session: UploadSession } | { gone: 'unknown' | 'expired' };

interface Persisted {
  token: string;
  path: string;
  conflict: ConflictPolicy;
  createdAt: number;
  lastActivity: number;
  total?: number;
}

export class SessionTable {
  private readonly sessions = new Map<string, UploadSession>();
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: FileStore,
    private readonly o: { now: () => number; idleMs: number; maxAgeMs: number; dataDir?: string },
  ) {}

  private get file(): string | undefined {
    return this.o.dataDir === undefined ? undefined : join(this.o.dataDir, 'sessions', 'ucloud-sessions.json');
  }

  /** Reloads the table a previous run left behind; a missing or unreadable file means none. */
  async load(): Promise<void> {
    if (!this.file) return;
    const text = await fsp.readFile(this.file, 'utf8').catch(() => '[]');
    let rows: Persisted[] = [];
    try {
      rows = JSON.parse(text) as Persisted[];
    } catch {
      rows = [];
    }
    for (const r of Array.isArray(rows) ? rows : []) {
      const size = await this.store.partSize(r.token);
      this.sessions.set(r.token, { ...r, size, busy: false, tail: Promise.resolve() });
    }
  }

  /** Adds a session; the caller saves the table once it has created all of a request's sessions. */
  create(path: string, conflict: ConflictPolicy): UploadSession {
    const now = this.o.now();
    const s: UploadSession = { token: randomBytes(20).toString('hex'), path, conflict, createdAt: now, lastActivity: now, size: 0, busy: false, tail: Promise.resolve() };
    this.sessions.set(s.token, s);
    return s;
  }

  private expired(s: UploadSession, now: number): boolean {
    return now - s.lastActivity > this.o.idleMs || now - s.createdAt > this.o.maxAgeMs;
  }

  /** Finds a live session; an expired one is dropped with its bytes. */
  async lookup(token: string): Promise<Lookup> {
    const s = this.sessions.get(token);
    if (!s) return { gone: 'unknown' };
    if (!s.busy && this.expired(s, this.o.now())) {
      await this.remove(s.token);
      return { gone: 'expired' };
    }
    return { session: s };
  }

  touch(s: UploadSession): void {
    s.lastActivity = this.o.now();
  }

  async remove(token: string): Promise<void> {
    if (!this.sessions.delete(token)) return;
    await this.store.removePart(token);
    await this.save();
  }

  /** Drops every expired, idle session (called on each API request; no timers to leak). */
  async sweep(): Promise<void> {
    const now = this.o.now();
    for (const s of [...this.sessions.values()]) if (!s.busy && this.expired(s, now)) await this.remove(s.token);
  }

  count(): number {
    return this.sessions.size;
  }

  /**
   * Writes the table (temp file + rename); writes are chained so they never interleave. A failed
   * write is not fatal (the sessions live on in memory), so the returned promise never rejects.
   */
  save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const rows: Persisted[] = [...this.sessions.values()].map((s) => ({
      token: s.token, path: s.path, conflict: s.conflict, createdAt: s.createdAt, lastActivity: s.lastActivity,
      ...(s.total !== undefined ? { total: s.total } : {}),
    }));
    this.saving = this.saving.then(async () => {
      // Owner-only: in the built-in sandbox this file (upload tokens) lives under $FERRY_HOME.
      await fsp.mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
      const tmp = `${file}.tmp`;
      await fsp.writeFile(tmp, JSON.stringify(rows), { mode: 0o600 });
      await fsp.rename(tmp, file);
    }).catch(() => undefined);
    return this.saving;
  }

  /** Resolves once no write is in flight (an emulator closing must leave no half-written file). */
  idle(): Promise<void> {
    return this.saving;
  }
}
