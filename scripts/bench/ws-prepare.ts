// Prepares the WEBSOCKET_V2 reference (UCloud) outside any timed region, as curl-prepare does for
// HTTP: the session created by our provider, the file split into chunk files of its chunk size.
// Prints one JSON line: the hand-over for ws-ref-child (socket URL with its token: never shown).
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { makeJob, makeProvider, type CurlInput } from './curl-job.js';

const input = JSON.parse(process.argv[2] ?? '{}') as CurlInput;
const t0 = performance.now();
const http = new UndiciHttp();
const p = makeProvider(input, http);
const fh = await fsp.open(input.file, 'r');
const st = await fh.stat();
const job = makeJob(p, input, st.size, st.mtimeMs);
const session = await p.create(job, new AbortController().signal);
const ref = session.ref as { protocol?: string; endpoint: string; token: string };
if (ref.protocol !== 'WEBSOCKET_V2') throw new Error(`bench: ${input.provider} answered ${ref.protocol ?? 'CHUNKED'}, not WEBSOCKET_V2`);
const url = new URL(ref.endpoint);
url.searchParams.set('token', ref.token);
const cs = session.chunkSize;
const dir = join(input.partsDir, `cs-${cs}`);
await fsp.mkdir(dir, { recursive: true });
const buf = Buffer.allocUnsafe(Math.min(cs, st.size));
const parts: string[] = [];
for (let offset = 0, i = 0; offset < st.size; offset += cs, i++) {
  const len = Math.min(cs, st.size - offset);
  const part = join(dir, `part-${i}`);
  if (!existsSync(part) || (await fsp.stat(part)).size !== len) {
    await fh.read(buf, 0, len, offset);
    await fsp.writeFile(part, buf.subarray(0, len));
  }
  parts.push(part);
}
await fh.close();
await http.close();
process.stdout.write(`${JSON.stringify({ url: url.toString().replace(/^http/, 'ws'), parts, size: st.size, mtimeMs: st.mtimeMs, chunkSize: cs, prepareMs: Math.round(performance.now() - t0) })}\n`);
