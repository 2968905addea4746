// An Http that lets a provider build its chunk request without sending it: the request whose
// body is the armed chunk is recorded (method, URL, headers) and answered by throwing, while
// every other request (capability probes, presigned-URL batches) goes to the real transport.
// This is how the curl baseline sends exactly the requests our client would, headers included.
import type { Http, HttpRequest, HttpResponse } from '../../app/engine/http.js';

export interface CapturedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export class Captured extends Error {
  constructor(readonly request: CapturedRequest) {
    super('captured');
  }
}

export class CaptureHttp implements Http {
  private armed: Buffer | undefined;

  constructor(private readonly real: Http) {}

  /** The next request carrying exactly these bytes is captured instead of sent. */
  arm(body: Buffer | undefined): void {
    this.armed = body;
  }

  async request(r: HttpRequest): Promise<HttpResponse> {
    const a = this.armed;
    if (a && Buffer.isBuffer(r.body) && r.body.length === a.length && (r.body === a || r.body.buffer === a.buffer)) {
      this.armed = undefined;
      throw new Captured({ method: r.method, url: r.url, headers: { ...(r.headers ?? {}) } });
    }
    return this.real.request(r);
  }

  close(): Promise<void> {
    return this.real.close?.() ?? Promise.resolve();
  }
}
