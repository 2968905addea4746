// tus 1.0 wire facts shared by the client and the emulator: header names, statuses, limits,
// and the two small grammars (Upload-Metadata, Upload-Checksum). Pure functions, no I/O.

export const TUS_VERSION = '1.0.0';
export const OFFSET_CONTENT_TYPE = 'application/offset+octet-stream';

/** Extensions as named in `Tus-Extension`. */
export type TusExtension =
  | 'creation'
  | 'creation-with-upload'
  | 'creation-defer-length'
  | 'termination'
  | 'expiration'
  | 'checksum';

export const ALL_EXTENSIONS: readonly TusExtension[] = [
  'creation',
  'creation-with-upload',
  'creation-defer-length',
  'termination',
  'expiration',
  'checksum',
];

/** Checksum algorithms the emulator implements (the spec requires sha1 of every checksum server). */
export type TusChecksumAlgorithm = 'sha1' | 'md5' | 'sha256';

export const STATUS_CHECKSUM_MISMATCH = 460;
export const STATUS_LOCKED = 423;

/** Chunks are buffered in memory by the engine, so the ceiling is about memory, not the protocol. */
export const TUS_LIMITS = {
  min: 1,
  align: 1,
  defaultSize: 16 * 1024 * 1024,
  max: 256 * 1024 * 1024,
} as const;

export type TusMetadata = Record<string, string | null>;

/**
 * Encodes metadata as `key base64,key2 base64`. Keys must be non-empty ASCII without spaces or
 * commas (the spec's grammar); a null value is sent as a bare key.
 */
export function encodeMetadata(meta: TusMetadata): string {
  return Object.entries(meta)
    .map(([k, v]) => {
      if (!validKey(k)) throw new Error(`tus metadata key ${JSON.stringify(k)} is not allowed (ASCII without spaces or commas)`);
      return v === null ? k : `${k} ${Buffer.from(v, 'utf8').toString('base64')}`;
    })
    .join(',');
}

/** Parses `Upload-Metadata`; throws on a malformed pair, a bad base64 value or a repeated key. */
export function parseMetadata(header: string): TusMetadata {
  const out: TusMetadata = {};
  if (header.trim() === '') throw new Error('Upload-Metadata is empty');
  for (const pair of header.split(',')) {
    // No trimming: the grammar has exactly one space between key and value, none elsewhere.
    const tokens = pair.split(' ');
    const [key, value] = tokens;
    if (key === undefined || !validKey(key)) throw new Error(`Upload-Metadata key ${JSON.stringify(key ?? '')} is not valid`);
    if (tokens.length > 2) throw new Error(`Upload-Metadata pair for ${key} has more than one value`);
    if (Object.hasOwn(out, key)) throw new Error(`Upload-Metadata key ${key} is repeated`);
    if (value === undefined) {
      out[key] = null;
      continue;
    }
    if (!isBase64(value)) throw new Error(`Upload-Metadata value for ${key} is not base64`);
    out[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return out;
}

function validKey(k: string): boolean {
  return k.length > 0 && /^[\x21-\x2b\x2d-\x7e]+$/.test(k);
}

function isBase64(v: string): boolean {
  return v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v);
}

/** `Upload-Checksum: <algorithm> <base64 digest>`; undefined when malformed. */
export function parseChecksumHeader(header: string): { algorithm: string; digest: Buffer } | undefined {
  const m = /^\s*([A-Za-z0-9-]+)\s+([A-Za-z0-9+/]+={0,2})\s*$/.exec(header);
  if (!m || m[2]!.length % 4 !== 0) return undefined;
  return { algorithm: m[1]!.toLowerCase(), digest: Buffer.from(m[2]!, 'base64') };
}

/** A comma-separated header list, trimmed, without empties (`Tus-Extension`, `Tus-Version`). */
export function headerList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A header that must be a non-negative decimal integer (Upload-Offset, Upload-Length). */
export function parseNonNegativeInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Metadata key under which Ferry sends the full remote path (tus itself has no folders). */
export const META_PATH = 'path';
export const META_FILENAME = 'filename';
/** Ferry's conflict policy for the remote path; our emulator honours it, other servers ignore it. */
export const META_CONFLICT = 'conflict';
