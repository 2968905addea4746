// One WEBSOCKET_V2 connection carrying one file (fileId 0), as the im2 server expects it
// (`provider-integration/im2/pkg/controller/upload/server.go`): the client lists the file, the
// server answers Ok (send it) or Skip (it already has it), Chunk messages follow in order, and the
// server reports Completed once it has written `size` bytes; the client then sends Close, which
// makes the server forget the token. Nothing acknowledges a chunk: a byte counts as sent once it
// is on its way (in Ferry's send buffers or the kernel's), and only while the connection lives (a
// new connection restarts the file: the server truncates it, see README).
//
// `ws` opens the connection (handshake, TLS), reads the server's messages and sends the small
// ones. Each Chunk message is streamed as WebSocket fragments by ws-fragments.ts on the same
// socket: opcode, file id and the first slice, then continuation frames of the rest, masked from
// a few reused buffers; im2's gorilla/websocket `ReadMessage` joins them into one message (README).
// The bandwidth limit (`pace`) is asked before each fragment, which is cut to what it grants; a
// socket it holds is kept alive by ws-keepalive.ts.
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { FerryError } from '../../common/errors.js';
import type { Clock } from '../../engine/ports.js';
import { redactUrl } from '../../common/redact.js';
import { FragmentWriter } from './ws-fragments.js';
import { keepAlive } from './ws-keepalive.js';
import { chunkHead, decodeFrame, encodeClose, encodeListings, type WsMessage } from './ws-wire.js';

/** Payload of one fragment. */
const SLICE = 1 << 20;
/** Fragments in Ferry's buffers not yet written to the kernel: enough to keep it fed. */
const SLOTS = 4;

/** The bandwidth limit (the Http port's `pace`): a number when the bytes may go at once. */
export type WsPace = (want: number, signal: AbortSignal) => number | Promise<number>;

export class WsUpload {
  /** File bytes the socket has passed on, in order; meaningful only while it lives. */
  sent = 0;
  answer?: 'ok' | 'skip';
  completed = false;
  /** The socket opened, then closed before answering the listing (im2 does this for an unknown token). */
  closedBeforeAnswer = false;
  private dead?: FerryError;
  private opened = false;
  private finished = false;
  private readonly inbox: WsMessage[] = [];
  private wake?: () => void;
  private writer?: FragmentWriter;
  /** When a fragment last reached the kernel (or the socket opened): the stall clock. */
  private movedAt: number;
  private writeFailed = false;
  /** Text "ping"s sent after chunks, and the server's "pong"s to them. */
  private pings = 0;
  private pongs = 0;
  private readonly quiet = new AbortController();

  private constructor(private readonly ws: WebSocket, private readonly where: string, private readonly clock: Clock) {
    this.movedAt = clock.now();
    // The socket the handshake ran on, which ws goes on using: the fragments go there too.
    ws.on('upgrade', (res: IncomingMessage) => {
      this.writer = new FragmentWriter(res.socket, SLICE, SLOTS);
    });
    ws.on('open', () => {
      this.opened = true;
      this.movedAt = clock.now();
      void keepAlive(clock, () => this.movedAt, () => ws.ping(), this.quiet.signal);
      this.notify();
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const frame = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      // im2 answers a text "ping" with a text "pong", in turn with the messages before it.
      if (!isBinary) {
        if (frame.toString() === 'pong') {
          this.pongs++;
          this.movedAt = clock.now();
          this.notify();
        }
        return;
      }
      const { messages, bad } = decodeFrame(frame);
      this.inbox.push(...messages);
      if (bad) this.fail(new FerryError('protocol', `UCloud's upload socket sent a message Ferry cannot read (${bad})`, { url: where }));
      this.notify();
    });
    ws.on('close', (code: number) => {
      // Its buffers (4 MiB) go with it, even while the closed upload is still remembered.
      this.writer = undefined;
      this.quiet.abort();
      if (this.opened && this.answer === undefined) this.closedBeforeAnswer = true;
      this.fail(new FerryError('network', `UCloud's upload socket at ${where} closed (code ${code})`, { url: where }));
    });
    // ws's own text may quote the server's answer; ours names the socket without its token.
    ws.on('error', () => this.fail(new FerryError('network', `UCloud's upload socket at ${where} failed`, { url: where })));
  }

  get alive(): boolean {
    return this.dead === undefined && !this.finished;
  }

  /** Starts opening the socket; `url` carries the token and is never printed. */
  static dial(url: string, clock: Clock): WsUpload {
    const where = redactUrl(url);
    let ws: WebSocket;
    try {
      // im2's upgrader enables no compression; deflating a video would only cost CPU.
      ws = new WebSocket(url.replace(/^http(s?):/i, 'ws$1:'), { perMessageDeflate: false, followRedirects: false });
    } catch {
      throw new FerryError('protocol', `UCloud gave an upload socket address Ferry cannot open (${where})`, { url: where });
    }
    return new WsUpload(ws, where, clock);
  }

  /** Waits until the socket is open. */
  async ready(signal: AbortSignal, timeoutMs: number): Promise<void> {
    await this.until(() => (this.ws.readyState === WebSocket.OPEN ? true : undefined), 'connection', signal, timeoutMs);
  }

  /** Lists the file and waits for the server's decision. */
  async list(size: number, modifiedAt: number, signal: AbortSignal, timeoutMs: number): Promise<'ok' | 'skip'> {
    this.ws.send(encodeListings([{ fileId: 0, size, modifiedAt, path: '' }]));
    this.answer = await this.until(() => this.take((m) => (m.type === 'ok' || m.type === 'skip') && m.fileId === 0)?.type as 'ok' | 'skip' | undefined, 'answer to the file listing', signal, timeoutMs);
    return this.answer;
  }

  /**
   * Sends one Chunk message as fragments, calling `onSent` (bytes of this chunk so far) as they
   * reach the kernel. Returns once the last fragment is masked into Ferry's own buffers: `data` is
   * no longer needed, and those last few MiB drain while the caller reads the next chunk — and once
   * the server has answered the "ping" sent after the previous chunk. Nothing moving (no fragment
   * reaching the kernel, no answer) for `idleMs` while Ferry waits is a stall; waiting for `pace`
   * (the bandwidth limit) is not.
   */
  async send(data: Buffer, signal: AbortSignal, idleMs: number, onSent?: (n: number) => void, pace?: WsPace): Promise<void> {
    this.check(signal);
    const w = this.writer;
    if (!w) throw new FerryError('network', `UCloud's upload socket at ${this.where} is not open`, { url: this.where });
    // Nothing was waiting for the socket until now: the stall clock starts here.
    if (w.idle) this.movedAt = this.clock.now();
    let queued = 0;
    let written = 0;
    let returned = false;
    let first = true;
    let pinged = false;
    for (;;) {
      while (w.ready && (first || queued < data.length)) {
        const head = first ? chunkHead(0) : undefined;
        let n = Math.min(w.slice - (head?.length ?? 0), data.length - queued);
        if (pace && n > 0) {
          // Unlimited answers a number: no await on the fast path.
          const g = pace(n, signal);
          n = Math.max(1, Math.min(n, typeof g === 'number' ? g : await this.held(g, signal)));
        }
        w.write(head, data.subarray(queued, queued + n), queued + n === data.length, (err) => {
          if (err) this.writeFailed = true;
          else this.movedAt = this.clock.now();
          written += n;
          if (!err && !returned && n > 0) onSent?.(written);
          this.notify();
        });
        queued += n;
        first = false;
      }
      if (!first && queued === data.length && !pinged) {
        this.ws.send('ping');
        this.pings++;
        pinged = true;
      }
      this.check(signal);
      if (this.writeFailed) throw this.dead ?? new FerryError('network', `UCloud's upload socket at ${this.where} could not write`, { url: this.where });
      // Nothing acknowledges a chunk, but im2 answers a "ping" once it has read what came before.
      // Waiting for the previous chunk's answer keeps the caller at most one chunk ahead of what
      // the server has read, so it still sees a file change before the server completes the file.
      if (pinged && this.pongs >= this.pings - 1) break;
      const idle = this.clock.now() - this.movedAt;
      if (idle >= idleMs) {
        this.abandon();
        throw new FerryError('stalled', `UCloud's upload socket took no data for ${Math.round(idleMs / 1000)} s`, { url: this.where });
      }
      await this.nap(signal, idleMs - idle);
    }
    returned = true;
    this.sent += data.length;
    if (written < data.length) onSent?.(data.length);
  }

  /** Waits for Completed, then sends Close so the server forgets the token, and closes. */
  async complete(signal: AbortSignal, timeoutMs: number): Promise<void> {
    await this.until(() => this.take((m) => m.type === 'completed' && m.count >= 1), 'Completed message', signal, timeoutMs);
    this.completed = true;
    this.sayCloseAndEnd();
  }

  /** Tells the server the session is over (it forgets the token) and closes. */
  sendCloseAndEnd(): void {
    if (!this.alive) return this.close();
    this.sayCloseAndEnd();
  }

  /** Ends the connection at once (nothing more is owed to the server). */
  close(): void {
    this.finished = true;
    this.abandon();
  }

  private sayCloseAndEnd(): void {
    this.finished = true;
    this.quiet.abort();
    try {
      // Queued after every fragment: the server reads Close only once the chunks have arrived.
      this.ws.send(encodeClose());
      this.ws.close(1000);
    } catch {
      this.abandon();
    }
  }

  private abandon(): void {
    this.finished = true;
    this.quiet.abort();
    try {
      this.ws.terminate();
    } catch {
      /* already closed */
    }
  }

  /** Waits for the bandwidth limit's grant; the stall clock starts again when it comes. */
  private async held(grant: Promise<number>, signal: AbortSignal): Promise<number> {
    let n: number;
    try {
      n = await grant;
    } catch (e) {
      this.check(signal);
      throw e;
    }
    this.check(signal);
    this.movedAt = this.clock.now();
    return n;
  }

  private take(pred: (m: WsMessage) => boolean): WsMessage | undefined {
    const i = this.inbox.findIndex(pred);
    return i < 0 ? undefined : this.inbox.splice(i, 1)[0];
  }

  private async until<T>(pick: () => T | undefined, what: string, signal: AbortSignal, timeoutMs: number): Promise<T> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const got = pick();
      if (got !== undefined) return got;
      this.check(signal);
      const left = deadline - this.clock.now();
      if (left <= 0) {
        this.close();
        throw new FerryError('stalled', `UCloud's upload socket sent no ${what} within ${Math.round(timeoutMs / 1000)} s`, { url: this.where });
      }
      await this.nap(signal, left);
    }
  }

  private check(signal: AbortSignal): void {
    if (signal.aborted) {
      this.close();
      throw signal.reason instanceof Error ? signal.reason : new FerryError('cancelled', 'the upload was stopped');
    }
    if (this.dead) throw this.dead;
  }

  /** Until the socket reports something, the signal fires, or `ms` pass on the clock. */
  private async nap(signal: AbortSignal, ms: number): Promise<void> {
    const timer = new AbortController();
    const stop = (): void => timer.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.clock.sleep(Math.max(1, ms), timer.signal).then(resolve, resolve);
      });
    } finally {
      this.wake = undefined;
      signal.removeEventListener('abort', stop);
      timer.abort();
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private fail(e: FerryError): void {
    if (!this.dead && !this.finished) this.dead = e;
    this.notify();
  }
}
