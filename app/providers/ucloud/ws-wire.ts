// UCloud's WEBSOCKET_V2 upload messages (im2 `provider-integration/im2/pkg/controller/upload/
// message.go`), shared by the client and the emulator. Every number is big-endian
// (`shared/pkg/util/ubuf.go` uses binary.BigEndian); a string is a u32 byte length then UTF-8.
// A frame holds one or more messages, each led by its opcode, except that a Listing frame holds
// only listings and the opcode is written once, before the first (server.go, "We did a stupid
// thing here in the past"). A Chunk runs to the end of its message. "Frame" below means one
// WebSocket message: the server's gorilla/websocket `ReadMessage` joins a fragmented message.

export const WS_OP = { ok: 0, checksum: 1, chunk: 2, skip: 3, listing: 4, completed: 5, close: 6 } as const;

export interface WsListing { fileId: number; size: number; modifiedAt: number; path: string }

export type WsMessage =
  | { type: 'ok'; fileId: number }
  | { type: 'skip'; fileId: number }
  | { type: 'chunk'; fileId: number; data: Buffer }
  | ({ type: 'listing' } & WsListing)
  | { type: 'completed'; count: number }
  | { type: 'close' };

/** `Ok`, `Skip` (either side) or `Completed` (server), 5 bytes each. */
export function encodeSmall(op: typeof WS_OP.ok | typeof WS_OP.skip | typeof WS_OP.completed, value: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt8(op, 0);
  b.writeInt32BE(value, 1);
  return b;
}

export function encodeClose(): Buffer {
  return Buffer.from([WS_OP.close]);
}

/** One Listing frame: the opcode once, then the entries. */
export function encodeListings(entries: WsListing[]): Buffer {
  const parts: Buffer[] = [Buffer.from([WS_OP.listing])];
  for (const e of entries) {
    const path = Buffer.from(e.path, 'utf8');
    const head = Buffer.alloc(4 + 8 + 8 + 4);
    head.writeInt32BE(e.fileId, 0);
    head.writeBigInt64BE(BigInt(e.size), 4);
    head.writeBigInt64BE(BigInt(Math.trunc(e.modifiedAt)), 12);
    head.writeUInt32BE(path.length, 20);
    parts.push(head, path);
  }
  return Buffer.concat(parts);
}

/** What a Chunk message starts with: opcode and file id; the bytes follow to the message's end. */
export function chunkHead(fileId: number): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(WS_OP.chunk, 0);
  head.writeInt32BE(fileId, 1);
  return head;
}

/**
 * Reads the messages of one frame. Stops at the first unknown opcode or truncated field and
 * reports it (`bad`), as the im2 server stops reading a frame it cannot parse.
 */
export function decodeFrame(frame: Buffer): { messages: WsMessage[]; bad?: string } {
  const messages: WsMessage[] = [];
  let at = 0;
  let op = -1;
  let mustReadOp = true;
  const need = (n: number): boolean => at + n <= frame.length;
  while (at < frame.length) {
    if (mustReadOp) op = frame.readUInt8(at++);
    switch (op) {
      case WS_OP.ok:
      case WS_OP.skip:
      case WS_OP.completed: {
        if (!need(4)) return { messages, bad: 'truncated message' };
        const v = frame.readInt32BE(at);
        at += 4;
        messages.push(op === WS_OP.completed ? { type: 'completed', count: v } : { type: op === WS_OP.ok ? 'ok' : 'skip', fileId: v });
        break;
      }
      case WS_OP.chunk: {
        if (!need(4)) return { messages, bad: 'truncated chunk' };
        messages.push({ type: 'chunk', fileId: frame.readInt32BE(at), data: frame.subarray(at + 4) });
        at = frame.length;
        break;
      }
      case WS_OP.listing: {
        if (!need(24)) return { messages, bad: 'truncated listing' };
        const fileId = frame.readInt32BE(at);
        const size = Number(frame.readBigInt64BE(at + 4));
        const modifiedAt = Number(frame.readBigInt64BE(at + 12));
        const len = frame.readUInt32BE(at + 20);
        at += 24;
        if (!need(len)) return { messages, bad: 'truncated listing path' };
        messages.push({ type: 'listing', fileId, size, modifiedAt, path: frame.toString('utf8', at, at + len) });
        at += len;
        break;
      }
      case WS_OP.close:
        messages.push({ type: 'close' });
        break;
      default:
        return { messages, bad: `unknown opcode ${op}` };
    }
    mustReadOp = op !== WS_OP.listing;
  }
  return { messages };
}
