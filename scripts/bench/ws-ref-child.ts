// The WEBSOCKET_V2 reference: the thinnest sender of that protocol, as curl is for HTTP. One ws
// socket (masking by bufferutil), the Listing, then each pre-split chunk file (tmpfs) read into a
// buffer behind its 5-byte Chunk head and sent as one message, the next one read while the last
// is written; timed from dialling to the server's Completed. Peak RSS and CPU come from
// /usr/bin/time. Input: the JSON line of ws-prepare. Prints {ok, total} or {ok: false, error}.
import { promises as fsp } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { chunkHead, decodeFrame, encodeClose, encodeListings } from '../../app/providers/ucloud/ws-wire.js';

const input = JSON.parse(process.argv[2] ?? '{}') as { url: string; parts: string[]; size: number; mtimeMs: number; chunkSize: number };
const t0 = performance.now();
const ws = new WebSocket(input.url, { perMessageDeflate: false });
const seen = new Set<string>();
let wake: () => void = () => undefined;
ws.on('message', (b: Buffer, binary: boolean) => {
  if (binary) for (const m of decodeFrame(b).messages) seen.add(m.type);
  wake();
});
const closed = new Promise<never>((_, reject) => {
  ws.on('close', (code: number) => reject(new Error(`socket closed (${code})`)));
  ws.on('error', (e: Error) => reject(e));
});
const until = async (type: string): Promise<void> => {
  while (!seen.has(type)) await Promise.race([closed, new Promise<void>((r) => { wake = r; })]);
};
const send = (b: Buffer): Promise<void> => new Promise((resolve, reject) => ws.send(b, (e) => (e ? reject(e) : resolve())));

try {
  await Promise.race([closed, new Promise((r) => ws.once('open', r))]);
  ws.send(encodeListings([{ fileId: 0, size: input.size, modifiedAt: input.mtimeMs, path: '' }]));
  await until('ok');
  // Two buffers: one read from its chunk file while the other is on the wire.
  const bufs = [0, 1].map(() => Buffer.allocUnsafe(5 + input.chunkSize));
  let onWire: Promise<void> = Promise.resolve();
  for (let i = 0; i < input.parts.length; i++) {
    const b = bufs[i % 2]!;
    chunkHead(0).copy(b, 0);
    const fh = await fsp.open(input.parts[i]!, 'r');
    const { bytesRead } = await fh.read(b, 5, input.chunkSize, 0);
    await fh.close();
    await Promise.race([closed, onWire]);
    onWire = send(b.subarray(0, 5 + bytesRead));
  }
  await Promise.race([closed, onWire]);
  await until('completed');
  const total = performance.now() - t0;
  ws.send(encodeClose());
  ws.close(1000);
  process.stdout.write(`${JSON.stringify({ ok: true, total: Math.round(total * 1000) / 1000, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: (e as Error).message })}\n`);
  ws.terminate();
}
process.exit(0);
