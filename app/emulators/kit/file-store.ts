// Where an emulator keeps bytes: one `.part` file per upload session, and completed files laid
// out under `files/` by their remote path. In discard mode nothing touches the disk and only
// sizes are remembered, so benchmarks measure the client rather than this server's disk.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { EmulatorFile } from './emulator-types.js';

export type ConflictPolicy = 'rename' | 'replace' | 'fail';

export class NameConflictError extends Error {
  constructor(readonly remotePath: string) {
    super(`a file already exists at ${remotePath}`);
  }
}

/** Normalises a remote path to '/a/b'; rejects '..', NUL and empty names (hostile input). */
export function cleanRemotePath(p: string): string {
  if (p.includes('\0')) throw new Error('remote path contains NUL');
  const parts = p.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0) throw new Error('remote path is empty');
  if (parts.some((s) => s === '..')) throw new Error('remote path contains ..');
  return '/' + parts.join('/');
}

export function renamedPath(remotePath: string, n: number, style: 'paren' | 'space' = 'paren'): string {
  const dir = posix.dirname(remotePath);
  const base = posix.basename(remotePath);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  const name = style === 'paren' ? `${stem} (${n})${ext}` : `${stem} ${n}${ext}`;
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export class FileStore {
  private readonly discarded = new Map<string, EmulatorFile>();
  private readonly discardedAt = new Map<string, number>();
  private readonly shaCache = new Map<string, { mtimeMs: number; size: number; sha256: string }>();

  /**
   * `now` is the emulator's clock: a committed file's modification time is stamped from it (not
   * left to the kernel), so the times the emulator reports agree with its `Date` headers even
   * when tests move its clock or run the whole process a year ahead.
   */
  constructor(private readonly dataDir: string | undefined, private readonly now: () => number = Date.now) {}

  private async stamp(dest: string): Promise<void> {
    const t = this.now() / 1000;
    await fsp.utimes(dest, t, t);
  }

  get discard(): boolean {
    return this.dataDir === undefined;
  }

  private filesRoot(): string {
    return join(this.dataDir!, 'files');
  }

  partPath(sessionId: string): string {
    return join(this.dataDir!, 'sessions', `${sessionId.replace(/[^A-Za-z0-9_-]/g, '_')}.part`);
  }

  /** Opens (creating if needed) the session's part file; undefined in discard mode. */
  async openPart(sessionId: string): Promise<fsp.FileHandle | undefined> {
    if (this.discard) return undefined;
    const p = this.partPath(sessionId);
    await fsp.mkdir(dirname(p), { recursive: true, mode: 0o700 });
    return fsp.open(p, 'a+', 0o600).then(async (fh) => {
      // 'a+' forces appends on Linux; reopen read-write for positional writes.
      await fh.close();
      return fsp.open(p, 'r+');
    });
  }

  async partSize(sessionId: string): Promise<number> {
    if (this.discard) return 0;
    try {
      return (await fsp.stat(this.partPath(sessionId))).size;
    } catch {
      return 0;
    }
  }

  async truncatePart(sessionId: string, size: number): Promise<void> {
    if (!this.discard) await fsp.truncate(this.partPath(sessionId), size).catch(() => undefined);
  }

  async removePart(sessionId: string): Promise<void> {
    if (!this.discard) await fsp.rm(this.partPath(sessionId), { force: true });
  }

  async exists(remotePath: string): Promise<boolean> {
    const p = cleanRemotePath(remotePath);
    if (this.discard) return this.discarded.has(p);
    return fsp.stat(join(this.filesRoot(), p)).then(() => true, () => false);
  }

  /** Resolves the final remote path under the conflict policy, or throws NameConflictError. */
  async placeFor(remotePath: string, policy: ConflictPolicy, style: 'paren' | 'space' = 'paren'): Promise<string> {
    const p = cleanRemotePath(remotePath);
    if (!(await this.exists(p)) || policy === 'replace') return p;
    if (policy === 'fail') throw new NameConflictError(p);
    for (let n = 1; ; n++) {
      const candidate = renamedPath(p, n, style);
      if (!(await this.exists(candidate))) return candidate;
    }
  }

  /** Moves a session's part file to its final remote path (already resolved by `placeFor`). */
  async commit(sessionId: string, finalPath: string, size: number): Promise<EmulatorFile> {
    const p = cleanRemotePath(finalPath);
    if (this.discard) {
      const f = { path: p, size, sha256: null };
      this.discarded.set(p, f);
      this.discardedAt.set(p, this.now());
      return f;
    }
    const dest = join(this.filesRoot(), p);
    await fsp.mkdir(dirname(dest), { recursive: true, mode: 0o700 });
    const part = this.partPath(sessionId);
    await fsp.truncate(part, size);
    await fsp.rename(part, dest);
    await this.stamp(dest);
    return { path: p, size, sha256: await this.sha256(dest) };
  }

  /** Stores a whole small file given in memory (simple uploads). */
  async put(finalPath: string, data: Buffer): Promise<EmulatorFile> {
    const p = cleanRemotePath(finalPath);
    if (this.discard) {
      const f = { path: p, size: data.length, sha256: null };
      this.discarded.set(p, f);
      this.discardedAt.set(p, this.now());
      return f;
    }
    const dest = join(this.filesRoot(), p);
    await fsp.mkdir(dirname(dest), { recursive: true, mode: 0o700 });
    await fsp.writeFile(dest, data, { mode: 0o600 });
    await this.stamp(dest);
    return { path: p, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  }

  /** Size and modification time of a completed file, or undefined when there is none. */
  async info(remotePath: string): Promise<{ size: number; modifiedAt: number } | undefined> {
    const p = cleanRemotePath(remotePath);
    if (this.discard) {
      const f = this.discarded.get(p);
      return f && { size: f.size, modifiedAt: this.discardedAt.get(p) ?? 0 };
    }
    const st = await fsp.stat(join(this.filesRoot(), p)).catch(() => undefined);
    return st?.isFile() ? { size: st.size, modifiedAt: st.mtimeMs } : undefined;
  }

  async mkdir(remotePath: string): Promise<void> {
    if (!this.discard) await fsp.mkdir(join(this.filesRoot(), cleanRemotePath(remotePath)), { recursive: true, mode: 0o700 });
  }

  async readFile(remotePath: string): Promise<Buffer> {
    return fsp.readFile(join(this.filesRoot(), cleanRemotePath(remotePath)));
  }

  /** Digest of a stored file (or a part file), e.g. 'md5' or 'sha1'. */
  async digest(path: string, algorithm: string): Promise<Buffer> {
    const h = createHash(algorithm);
    for await (const c of createReadStream(path)) h.update(c as Buffer);
    return h.digest();
  }

  storedPath(remotePath: string): string {
    return join(this.filesRoot(), cleanRemotePath(remotePath));
  }

  async list(): Promise<EmulatorFile[]> {
    if (this.discard) return [...this.discarded.values()];
    const out: EmulatorFile[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const abs = join(dir, e.name);
        const r = `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(abs, r);
        else if (e.isFile()) {
          const st = await fsp.stat(abs);
          out.push({ path: r, size: st.size, sha256: await this.cachedSha(abs, st.mtimeMs, st.size) });
        }
      }
    };
    await walk(this.filesRoot(), '');
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  private async cachedSha(abs: string, mtimeMs: number, size: number): Promise<string> {
    const hit = this.shaCache.get(abs);
    if (hit && hit.mtimeMs === mtimeMs && hit.size === size) return hit.sha256;
    const sha256 = await this.sha256(abs);
    this.shaCache.set(abs, { mtimeMs, size, sha256 });
    return sha256;
  }

  private async sha256(abs: string): Promise<string> {
    return (await this.digest(abs, 'sha256')).toString('hex');
  }
}
