// One WEBSOCKET_V2 connection carrying one file (fileId 0), as the im2 server expects it
// (`provider-integration/im2/pkg/controller/upload/server.go`): the client lists the file, the
// server answers Ok (send it) or Skip (it already has it), Chunk frames follow in order, and the
// server reports Completed once it has written `size` bytes; the client then sends Close, which
// makes the server forget the token. Nothing acknowledges a chunk: a byte counts as sent once the
// socket has handed it to the kernel, and only while the connection lives (a new connection
// restarts the file: the server truncates it, see README).
import { WebSocket } from 'undici';
import { FerryError } from '../../common/errors.js';
import type { Clock } from '../../engine/ports.js';
import { decodeFrame, encodeChunk, encodeClose, encodeListings, type WsMessage } from './ws-wire.js';

/** The socket URL without its query (the token is there): the only form that may be printed. */
export function redactSocketUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

const POLL_MS = 10;

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

  private constructor(private readonly ws: WebSocket, private readonly where: string, private readonly clock: Clock) {
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('open', () => { this.opened = true; });
    ws.addEventListener('message', (ev) => {
      // im2 answers a text "ping" with a text "pong": nothing to act on.
      if (typeof ev.data === 'string') return;
      const { messages, bad } = decodeFrame(Buffer.from(ev.data as ArrayBuffer));
      this.inbox.push(...messages);
      if (bad) this.fail(new FerryError('protocol', `UCloud's upload socket sent a message Ferry cannot read (${bad})`, { url: where }));
      this.notify();
    });
    ws.addEventListener('close', (ev) => {
      if (this.opened && this.answer === undefined) this.closedBeforeAnswer = true;
      this.fail(new FerryError('network', `UCloud's upload socket at ${where} closed (code ${ev.code})`, { url: where }));
    });
    ws.addEventListener('error', () => this.fail(new FerryError('network', `UCloud's upload socket at ${where} failed`, { url: where })));
  }

  get alive(): boolean {
    return this.dead === undefined && !this.finished;
  }

  /** Starts opening the socket; `url` carries the token and is never printed. */
  static dial(url: string, clock: Clock): WsUpload {
    const where = redactSocketUrl(url);
    let ws: WebSocket;
    try {
      ws = new WebSocket(url.replace(/^http(s?):/i, 'ws$1:'));
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

  /** Sends one Chunk frame and waits until the socket has passed it on (progress as it drains). */
  async send(data: Buffer, signal: AbortSignal, idleMs: number, onSent?: (n: number) => void): Promise<void> {
    this.check(signal);
    this.ws.send(encodeChunk(0, data));
    let left = this.ws.bufferedAmount;
    let movedAt = this.clock.now();
    while (this.ws.bufferedAmount > 0) {
      this.check(signal);
      const now = this.clock.now();
      if (this.ws.bufferedAmount !== left) {
        left = this.ws.bufferedAmount;
        movedAt = now;
        onSent?.(Math.max(0, data.length - left));
      } else if (now - movedAt > idleMs) {
        this.close();
        throw new FerryError('stalled', `UCloud's upload socket took no data for ${Math.round(idleMs / 1000)} s`, { url: this.where });
      }
      await this.nap(signal);
    }
    this.check(signal);
    this.sent += data.length;
    onSent?.(data.length);
  }

  /** Waits for Completed, then sends Close so the server forgets the token, and closes. */
  async complete(signal: AbortSignal, timeoutMs: number): Promise<void> {
    await this.until(() => this.take((m) => m.type === 'completed' && m.count >= 1), 'Completed message', signal, timeoutMs);
    this.completed = true;
    this.finished = true;
    try {
      this.ws.send(encodeClose());
    } finally {
      this.ws.close(1000);
    }
  }

  /** Tells the server the session is over (it forgets the token) and closes. */
  sendCloseAndEnd(): void {
    if (!this.alive) return this.close();
    this.finished = true;
    try {
      this.ws.send(encodeClose());
    } finally {
      this.ws.close(1000);
    }
  }

  close(): void {
    this.finished = true;
    try {
      this.ws.close();
    } catch {
      /* already closing */
    }
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
      if (this.clock.now() >= deadline) {
        this.close();
        throw new FerryError('stalled', `UCloud's upload socket sent no ${what} within ${Math.round(timeoutMs / 1000)} s`, { url: this.where });
      }
      await this.nap(signal);
    }
  }

  private check(signal: AbortSignal): void {
    if (signal.aborted) {
      this.close();
      throw signal.reason instanceof Error ? signal.reason : new FerryError('cancelled', 'the upload was stopped');
    }
    if (this.dead) throw this.dead;
  }

  private nap(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.clock.sleep(POLL_MS, signal).then(resolve, resolve);
    });
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
