// Streams one session PUT body to the part file with GCS semantics, which the kit's writeBody
// cannot express: bytes the server already holds are read and ignored (not rewritten), bytes
// past what this request may persist are read and dropped, and whatever reached the disk before
// a disconnect counts as persisted (GCS partial persistence). Honours the kit's `truncate`
// fault exactly like writeBody: keep the first N body bytes, then cut the connection.
import type { IncomingMessage } from 'node:http';
import type { promises as fsp } from 'node:fs';
import type { RequestContext } from '../kit/emulator-host.js';
import { writeAll } from '../kit/http-io.js';

export interface ReceiveOptions {
  /** Part file; absent in discard mode. */
  fh?: fsp.FileHandle;
  /** File offset of the body's first byte. */
  first: number;
  /** Bytes [0, held) are already persisted; body bytes below it are ignored. */
  held: number;
  /** Body bytes at or past this file offset are read but not persisted. */
  keepEnd: number;
  /** Called with every newly persisted piece, in file order (hashing). */
  onPersist?: (piece: Buffer) => void;
  ctx: RequestContext;
}

export interface ReceiveResult {
  /** Body bytes read. */
  read: number;
  /** New persisted end (>= held). */
  held: number;
  /** False when the client went away or a fault cut the body. */
  ended: boolean;
}

export async function receiveChunk(req: IncomingMessage, o: ReceiveOptions): Promise<ReceiveResult> {
  const cap = o.ctx.fault?.kind === 'truncate' ? o.ctx.fault.bytes : Infinity;
  // Leaving the loop early destroys the request, which drops its socket reference.
  const socket = req.socket;
  let read = 0;
  let held = o.held;
  let cut = false;
  let ended = false;
  try {
    for await (const piece of req as AsyncIterable<Buffer>) {
      let c = piece;
      if (read + c.length > cap) {
        c = c.subarray(0, cap - read);
        cut = true;
      }
      const at = o.first + read;
      read += c.length;
      o.ctx.received(c.length);
      // The slice of this piece that lands on [held, keepEnd): contiguous by construction,
      // because every earlier byte below `at` is already held or was dropped past keepEnd.
      const from = Math.max(held, at);
      const to = Math.min(o.keepEnd, at + c.length);
      if (to > from && from === held) {
        const slice = c.subarray(from - at, to - at);
        if (o.fh) await writeAll(o.fh, slice, from);
        o.onPersist?.(slice);
        held = to;
      }
      if (cut) break;
    }
    ended = !cut && req.complete;
  } catch {
    // Client disconnected mid-body: what was written stays written and counts as persisted.
  }
  if (o.fh && held > o.held) await o.fh.sync();
  if (cut) socket.destroy();
  return { read, held, ended };
}

/** Reads and forgets a body we are going to refuse, so the client sees the answer rather than a reset. */
export async function drain(req: IncomingMessage): Promise<void> {
  try {
    for await (const _ of req as AsyncIterable<Buffer>) void _;
  } catch {
    // The client gave up; nothing to answer.
  }
}
