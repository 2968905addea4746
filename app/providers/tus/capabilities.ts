// What a tus server says about itself in its OPTIONS answer, asked once per provider instance.
// Servers where OPTIONS fails (proxies that block it, servers that skip it) are tolerated: the
// client then assumes the core protocol and creation only, and sends no checksums.
import { FerryError } from '../../common/errors.js';
import type { Http } from '../../engine/http.js';
import { redactUrl } from '../shared/http-status.js';
import { headerList, parseNonNegativeInt, TUS_VERSION, type TusExtension } from './wire.js';

export interface TusCapabilities {
  /** False when OPTIONS failed: extensions are then unknown rather than absent. */
  known: boolean;
  extensions: Set<string>;
  checksumAlgorithms: Set<string>;
  /** Tus-Max-Size in bytes, when the server names one. */
  maxSize?: number;
}

export const UNKNOWN_CAPABILITIES: TusCapabilities = { known: false, extensions: new Set(), checksumAlgorithms: new Set() };

export function hasExtension(c: TusCapabilities, e: TusExtension): boolean {
  return c.extensions.has(e);
}

/**
 * Asks OPTIONS. A non-2xx answer is remembered as "unknown" (the server does not do discovery);
 * a network failure is not remembered, so the next call asks again.
 */
export function capabilityProbe(http: Http, endpoint: string, headers: () => Record<string, string>): (signal: AbortSignal) => Promise<TusCapabilities> {
  let cached: Promise<TusCapabilities> | undefined;
  return (signal) => {
    cached ??= probe(http, endpoint, headers(), signal).catch((e: unknown) => {
      cached = undefined;
      if (e instanceof FerryError && e.code === 'cancelled') throw e;
      if (e instanceof FerryError && e.code === 'rejected') throw e;
      return UNKNOWN_CAPABILITIES;
    });
    return cached;
  };
}

async function probe(http: Http, endpoint: string, headers: Record<string, string>, signal: AbortSignal): Promise<TusCapabilities> {
  const res = await http.request({ method: 'OPTIONS', url: endpoint, headers, signal });
  if (res.status < 200 || res.status > 299) return UNKNOWN_CAPABILITIES;
  const versions = headerList(res.headers['tus-version']);
  if (versions.length > 0 && !versions.includes(TUS_VERSION)) {
    throw new FerryError('rejected', `the tus server at ${new URL(endpoint).host} speaks tus ${versions.join(', ')}, not ${TUS_VERSION}`, { method: 'OPTIONS', url: redactUrl(endpoint), status: res.status });
  }
  const maxSize = parseNonNegativeInt(res.headers['tus-max-size']);
  return {
    known: true,
    extensions: new Set(headerList(res.headers['tus-extension'])),
    checksumAlgorithms: new Set(headerList(res.headers['tus-checksum-algorithm']).map((a) => a.toLowerCase())),
    ...(maxSize !== undefined && maxSize > 0 ? { maxSize } : {}),
  };
}
