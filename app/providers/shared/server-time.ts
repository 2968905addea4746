// Times a server states (expiry dates, modification times, Retry-After dates) are on the
// server's clock. The computer's clock may be hours or a year off, so a server time is never
// compared with the local clock directly: it is compared with another server time (the `Date`
// header of the same answer), or moved onto the local clock by the skew that header measures.
import type { HttpResponse } from '../../engine/http.js';

/** The server's clock at the moment of this answer (epoch ms), from its `Date` header; undefined when absent. */
export function serverNow(res: HttpResponse): number | undefined {
  const d = res.headers.date;
  if (d === undefined) return undefined;
  const t = Date.parse(d);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * A server time moved onto the local clock: `serverTime - (serverNow - localNow)`. Undefined when
 * the answer carries no `Date`: then the skew is unknown and the caller must let the server judge.
 */
export function toLocalTime(serverTime: number, res: HttpResponse, localNow: number): number | undefined {
  const sNow = serverNow(res);
  if (sNow === undefined) return undefined;
  return serverTime - (sNow - localNow);
}
