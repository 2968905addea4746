// Chunk messages as masked WebSocket fragments (RFC 6455 §5.2–5.4), written straight to the socket
// `ws` opened, from a few buffers allocated once. ws itself would copy every payload into a fresh
// buffer to mask it; at hundreds of MB/s those buffers outpace the garbage collector (new pages
// faulted in, tens of MiB held) — this writer reuses its own instead.
//
// Sharing the socket with ws is safe because every fragment is one `socket.write` (nothing can
// come between its header and its payload) and ws writes only when asked (Listing, Close) or to
// answer a ping, and a control frame may come between the fragments of a message (§5.4).
import { randomFillSync } from 'node:crypto';
import type { Writable } from 'node:stream';
import bufferutil from 'bufferutil';

/** Header bytes before a client payload: 2, up to 8 of length, 4 of mask key. */
const MAX_HEAD = 14;
const OP_CONTINUATION = 0x0;
const OP_BINARY = 0x2;

export class FragmentWriter {
  private readonly spare: Buffer[] = [];
  private readonly keys = Buffer.alloc(4096);
  private keyAt = this.keys.length;
  private readonly key = Buffer.alloc(4);
  private inMessage = false;

  /** `slots` buffers of `slice` payload bytes each: at most that many fragments wait in the socket. */
  constructor(private readonly socket: Writable, readonly slice: number, private readonly slots: number) {
    for (let i = 0; i < slots; i++) this.spare.push(Buffer.allocUnsafe(MAX_HEAD + slice));
  }

  /** Whether no fragment is waiting for the socket. */
  get idle(): boolean {
    return this.spare.length === this.slots;
  }

  /** Whether a buffer is free for the next fragment. */
  get ready(): boolean {
    return this.spare.length > 0;
  }

  /**
   * Writes one fragment whose payload is `head` (first fragment only) then `data`
   * (`head.length + data.length` ≤ slice). `done` runs once the socket has passed it to the kernel;
   * the buffer is reused then, so the stream must be done with what it was given when it calls back
   * (a socket is: the kernel, or TLS, holds its own copy).
   */
  write(head: Buffer | undefined, data: Buffer, fin: boolean, done: (err?: Error | null) => void): void {
    const buf = this.spare.pop();
    if (!buf) throw new Error('FragmentWriter: no free buffer (wait for ready)');
    const len = (head?.length ?? 0) + data.length;
    if (len > this.slice) throw new Error('FragmentWriter: payload larger than a slice');
    let at = 2;
    buf[0] = (fin ? 0x80 : 0) | (this.inMessage ? OP_CONTINUATION : OP_BINARY);
    if (len < 126) buf[1] = 0x80 | len;
    else if (len < 65536) {
      buf[1] = 0x80 | 126;
      buf.writeUInt16BE(len, 2);
      at = 4;
    } else {
      buf[1] = 0x80 | 127;
      buf.writeUInt32BE(0, 2);
      buf.writeUInt32BE(len, 6);
      at = 10;
    }
    const key = this.nextKey();
    key.copy(buf, at);
    at += 4;
    let k = 0;
    for (const b of head ?? []) buf[at++] = b ^ key[k++ & 3]!;
    // The key continues where the head left it: rotate it so data byte 0 takes key[k & 3].
    const rotated = k & 3 ? Buffer.from([key[k & 3]!, key[(k + 1) & 3]!, key[(k + 2) & 3]!, key[(k + 3) & 3]!]) : key;
    if (data.length > 0) bufferutil.mask(data, rotated, buf, at, data.length);
    this.inMessage = !fin;
    this.socket.write(buf.subarray(0, at + data.length), (err?: Error | null) => {
      this.spare.push(buf);
      done(err);
    });
  }

  /** A fresh unpredictable key per frame (§5.3), drawn from a pool refilled by the CSPRNG. */
  private nextKey(): Buffer {
    if (this.keyAt + 4 > this.keys.length) {
      randomFillSync(this.keys);
      this.keyAt = 0;
    }
    this.keys.copy(this.key, 0, this.keyAt, this.keyAt + 4);
    this.keyAt += 4;
    return this.key;
  }
}
