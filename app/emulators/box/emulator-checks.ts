// Request checks of the Box emulator's sessions: the RFC 3230 Digest header and commit part lists.
import { BoxHttpError } from './emulator-reply.js';
import type { EmuSession } from './emulator-sessions.js';
import type { BoxPart } from '../../providers/box/wire.js';

/** RFC 3230 Digest: `sha=<base64 SHA-1>` (and `sha-256=` when allowed). Missing or malformed → 400. */
export function parseDigest(value: string | undefined, allowSha256: boolean): { algorithm: 'sha' | 'sha-256'; value: Buffer } {
  if (value === undefined || value.trim() === '') throw new BoxHttpError(400, 'missing_digest', 'Digest header is required');
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    const alg = item.slice(0, eq).trim().toLowerCase();
    const b64 = item.slice(eq + 1).trim();
    if (eq < 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue;
    const v = Buffer.from(b64, 'base64');
    if (alg === 'sha' && v.length === 20) return { algorithm: 'sha', value: v };
    if (alg === 'sha-256' && allowSha256 && v.length === 32) return { algorithm: 'sha-256', value: v };
  }
  throw new BoxHttpError(400, 'invalid_digest', `Digest header '${value}' is not sha=<base64 SHA-1>`);
}

/** The commit's parts must be exactly the stored parts, and those must cover the file [U: status and code]. */
export function checkCommitParts(s: EmuSession, parts: unknown): void {
  if (!Array.isArray(parts)) throw new BoxHttpError(400, 'bad_request', 'parts must be an array of the uploaded parts');
  for (const p of parts as Partial<BoxPart>[]) {
    const held = typeof p?.offset === 'number' ? s.parts.get(p.offset) : undefined;
    if (!held || held.part_id !== p.part_id || held.size !== p.size || held.sha1 !== p.sha1) {
      throw new BoxHttpError(400, 'bad_request', `Part ${JSON.stringify(p)} is not a part of this upload session`);
    }
  }
  if (new Set(parts.map((p: BoxPart) => p.offset)).size !== parts.length) throw new BoxHttpError(400, 'bad_request', 'parts lists a part twice');
  if (parts.length !== s.parts.size || s.parts.size !== s.totalParts) {
    throw new BoxHttpError(400, 'missing_parts', `The commit lists ${parts.length} parts; the session holds ${s.parts.size} of ${s.totalParts}`);
  }
}
