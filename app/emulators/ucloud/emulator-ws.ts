// The WEBSOCKET_V2 side of the emulator, modelled on im2 (`provider-integration/im2/pkg/
// controller/upload/server.go`, the upload handler in `controller/files.go`, and the k8s file
// system's `OpenFileIfNeeded` in `integrations/k8s/filesystem/00_module.go`):
// - the upgrade is accepted first; an unknown token then gets the connection closed, no message;
// - a listed file the target already holds with the same size and a modification time within a
//   minute is answered Skip; any other is answered Ok and written from its first byte (O_TRUNC);
// - chunks are written in order; when `size` bytes have arrived the file is complete, its mtime
//   set to the listed one, and Completed (files finished on this connection) is sent;
// - a connection that ends early leaves the bytes written so far in the target file, as im2
//   writes in place; the session stays valid until the client sends Close (then it is forgotten);
// - a text "ping" is answered "pong" once the messages before it are handled; 30 s after the last
//   file completed the server hangs up.
import { promises as fsp } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { FileStore } from '../kit/file-store.js';
import type { SessionTable, UploadSession } from './emulator-sessions.js';
import { decodeFrame, encodeSmall, WS_OP, type WsListing } from '../../providers/ucloud/ws-wire.js';

export interface WsDeps {
  sessions: SessionTable;
  store: FileStore;
  received: (n: number) => void;
  /** How long the server keeps a connection whose files are all done (im2: 30 s). */
  lingerMs: number;
}

interface OpenFile { listing: WsListing; written: number; finished: boolean }

export function websocketUploads(d: WsDeps): { upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void; close(): void } {
  // im2 reads whole messages with gorilla/websocket's ReadMessage, which joins any number of
  // fragments, and sets no read limit; it admits chunks through a 64 MiB semaphore, so a bigger
  // message could never be written: the emulator refuses one (close 1009) rather than hold it in
  // memory. ws's own default cap of 16,384 fragments per message is lifted to match gorilla.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 + 5, maxFragments: 0 });
  return {
    upgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => void serve(ws, new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? '', d));
    },
    close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}

async function serve(ws: WebSocket, token: string, d: WsDeps): Promise<void> {
  const found = await d.sessions.lookup(token);
  if ('gone' in found) return void ws.terminate();
  const s = found.session;
  const files = new Map<number, OpenFile>();
  let completed = 0;
  let linger: NodeJS.Timeout | undefined;
  // Frames are handled one after another: writes land in order.
  let queue = Promise.resolve();
  const hangUpLater = (): void => {
    clearTimeout(linger);
    linger = setTimeout(() => ws.close(), d.lingerMs);
  };
  hangUpLater();

  const finish = async (f: OpenFile): Promise<void> => {
    f.finished = true;
    // An empty file has no part yet (no chunk came): create it, as im2's Close does.
    await (await d.store.openPart(s.token))?.close();
    await d.store.commit(s.token, s.path, f.written);
    if (!d.store.discard) {
      const t = f.listing.modifiedAt / 1000;
      await fsp.utimes(d.store.storedPath(s.path), t, t).catch(() => undefined);
    }
    completed++;
    ws.send(encodeSmall(WS_OP.completed, completed));
    if ([...files.values()].every((x) => x.finished)) hangUpLater();
  };

  const onFrame = async (data: Buffer): Promise<void> => {
    d.received(data.length);
    d.sessions.touch(s);
    const { messages } = decodeFrame(data);
    for (const m of messages) {
      if (m.type === 'listing') {
        if (files.has(m.fileId)) return void ws.close();
        clearTimeout(linger);
        const f: OpenFile = { listing: m, written: 0, finished: false };
        files.set(m.fileId, f);
        const have = await d.store.info(s.path);
        if (have && have.size === m.size && Math.abs(have.modifiedAt - m.modifiedAt) < 60_000) {
          f.finished = true;
          ws.send(encodeSmall(WS_OP.skip, m.fileId));
          completed++;
          ws.send(encodeSmall(WS_OP.completed, completed));
          continue;
        }
        await d.store.removePart(s.token);
        ws.send(encodeSmall(WS_OP.ok, m.fileId));
        if (m.size === 0) await finish(f);
      } else if (m.type === 'chunk') {
        const f = files.get(m.fileId);
        if (!f) return void ws.close();
        if (f.finished || m.data.length === 0) continue;
        const fh = await d.store.openPart(s.token);
        try {
          await fh?.write(m.data, 0, m.data.length, f.written);
        } finally {
          await fh?.close();
        }
        f.written += m.data.length;
        if (f.written >= f.listing.size) await finish(f);
      } else if (m.type === 'skip') {
        const f = files.get(m.fileId);
        if (f) f.finished = true;
      } else if (m.type === 'close') {
        await d.sessions.remove(s.token);
        return void ws.close();
      }
    }
  };

  ws.on('message', (raw: RawData, isBinary: boolean) => {
    const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (!isBinary) {
      // im2's main loop answers it in turn, after the messages before it (server.go).
      if (data.toString() === 'ping') queue = queue.then(() => ws.send('pong')).catch(() => ws.terminate());
      return;
    }
    queue = queue.then(() => onFrame(data)).catch(() => ws.terminate());
  });
  ws.on('close', () => {
    clearTimeout(linger);
    // im2 writes in place: what arrived of an unfinished file is what the target now holds.
    queue = queue.then(() => keepPartial(s, files, d)).catch(() => undefined);
  });
}

async function keepPartial(s: UploadSession, files: Map<number, OpenFile>, d: WsDeps): Promise<void> {
  for (const f of files.values()) {
    if (f.finished || f.written === 0) continue;
    f.finished = true;
    await d.store.commit(s.token, s.path, f.written);
    if (!d.store.discard) {
      const t = f.listing.modifiedAt / 1000;
      await fsp.utimes(d.store.storedPath(s.path), t, t).catch(() => undefined);
    }
  }
}
