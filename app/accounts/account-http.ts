// The join with the engine: an Http port that puts an account's current access token on the
// provider's API requests. Provider clients keep writing `authorization: Bearer <endpoint.token>`;
// for requests to the account's API origins that carry an authorization header, this wrapper
// substitutes the token of the moment, and when the server refuses it (401; UCloud also 403,
// which is how it answers an expired JWT) it refreshes once and sends the same request again.
// Bodies are Buffers, so the retry re-sends exactly the chunk that was in flight, nothing more.
// Requests without authorization (OneDrive's upload URL, signed URLs) pass through untouched.
// It has no close(): the transport underneath belongs to the composition root.
import type { Http, HttpRequest, HttpResponse } from '../engine/http.js';
import type { AccountTokens } from './account-tokens.js';

export interface AccountHttpOptions {
  /** Origins (scheme://host:port) that get the account's token. */
  origins: string[];
  /** Statuses that mean "this token is no longer accepted". */
  rejectStatuses: number[];
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export class AccountHttp implements Http {
  private readonly origins: Set<string>;

  constructor(private readonly inner: Http, private readonly tokens: AccountTokens, private readonly o: AccountHttpOptions) {
    this.origins = new Set(o.origins.map((u) => originOf(u) ?? u));
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const key = req.headers && Object.keys(req.headers).find((k) => k.toLowerCase() === 'authorization');
    const origin = originOf(req.url);
    if (!key || !origin || !this.origins.has(origin)) return this.inner.request(req);
    const withToken = (t: string): HttpRequest => ({ ...req, headers: { ...req.headers, [key]: `Bearer ${t}` } });
    const token = await this.tokens.token(req.signal);
    const res = await this.inner.request(withToken(token));
    if (!this.o.rejectStatuses.includes(res.status)) return res;
    const next = await this.tokens.rejected(token, req.signal);
    if (next === undefined) return res;
    return this.inner.request(withToken(next));
  }
}
