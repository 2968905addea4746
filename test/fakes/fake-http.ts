// The Http port with scripted answers, for provider clients tested without a server: each
// request takes the next answer (or throws the next error) and is kept in `sent`.
import type { Http, HttpRequest, HttpResponse } from '../../app/engine/http.js';

/** One scripted answer: a status with optional headers and body (a string as is, anything else as JSON), or an error to throw. */
export type FakeReply = { status: number; headers?: Record<string, string>; body?: unknown } | Error;

export function fakeResponse(status: number, headers: Record<string, string> = {}, body: unknown = undefined): HttpResponse {
  const data = Buffer.from(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
  return { status, headers, body: data, text: () => data.toString(), json: <T>() => JSON.parse(data.toString()) as T };
}

export class FakeHttp implements Http {
  readonly sent: HttpRequest[] = [];
  constructor(private readonly replies: FakeReply[] = []) {}

  /** Adds answers to the end of the script. */
  reply(...r: FakeReply[]): this {
    this.replies.push(...r);
    return this;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    this.sent.push(req);
    const r = this.replies.shift();
    if (!r) throw new Error(`FakeHttp: no reply scripted for ${req.method} ${req.url}`);
    if (r instanceof Error) throw r;
    return fakeResponse(r.status, r.headers ?? {}, r.body);
  }
}
