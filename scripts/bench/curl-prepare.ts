// Prepares the curl baseline for one upload, outside any timed region: whole-file digests the
// protocol needs (Synapse MD5, Box SHA-1), the session created by our provider, each chunk split
// into its own file, and one curl config whose requests are exactly those our provider builds
// (captured from its sendChunk, digest headers included), one `next` block per request.
// Prints one JSON line: the hand-over for curl-finish.
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HashAlgorithm } from '../../app/engine/hashing.js';
import { createHasher } from '../../app/node/hashers.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { Captured, CaptureHttp, type CapturedRequest } from './capture-http.js';
import { makeJob, makeProvider, type CurlInput, type Prepared } from './curl-job.js';
import { synapseUrls } from '../../app/providers/synapse/endpoints.js';

const input = JSON.parse(process.argv[2] ?? '{}') as CurlInput;
const t0 = performance.now();
const http = new CaptureHttp(new UndiciHttp());
const p = makeProvider(input, http);
const signal = new AbortController().signal;
const fh = await fsp.open(input.file, 'r');
const st = await fh.stat();
const size = st.size;
const job = makeJob(p, input, size, st.mtimeMs);

// Whole-file digests: computed here so that curl's timing holds none of them.
const wanted = [...new Set<HashAlgorithm>([...(p.needsBefore ?? []), ...(p.needsAtFinish ?? [])])];
const digests: Partial<Record<HashAlgorithm, string>> = {};
if (wanted.length > 0) {
  const hs = wanted.map((a) => [a, createHasher(a)] as const);
  const buf = Buffer.allocUnsafe(16 << 20);
  for (let pos = 0; pos < size;) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    for (const [, h] of hs) h.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  for (const [a, h] of hs) digests[a] = h.digest();
}
for (const a of p.needsBefore ?? []) job.digests[a] = digests[a]!;

const session = await p.create(job, signal);
const cs = session.chunkSize;
const dir = join(input.partsDir, `cs-${cs}`);
await fsp.mkdir(dir, { recursive: true });
const buf = Buffer.allocUnsafe(Math.min(cs, size));
const lines: string[] = [];
let requests = 0;
const chunks = Math.ceil(size / cs);
for (let i = 0; i < chunks; i++) {
  const offset = i * cs;
  const len = Math.min(cs, size - offset);
  const data = buf.subarray(0, len);
  await fh.read(data, 0, len, offset);
  const part = join(dir, `part-${i}`);
  if (!existsSync(part) || (await fsp.stat(part)).size !== len) await fsp.writeFile(part, data);
  http.arm(data);
  let req: CapturedRequest | undefined;
  try {
    await p.sendChunk(session, job, { index: i, offset, data, final: offset + len === size }, { signal });
  } catch (e) {
    if (!(e instanceof Captured)) throw e;
    req = e.request;
  }
  // Box and OneDrive send small files in one simple upload whose body is not the chunk: no replay.
  if (!req) throw new Error(`bench: ${input.provider} sent chunk ${i} itself (a small-file upload whose body is not the chunk?): curl cannot replay it; use a larger --size`);
  lines.push(...block(req, part));
  requests++;
  if (input.provider === 'synapse') {
    // Synapse: each stored part is then added with its MD5 (a small call to the file service).
    lines.push(...block(synapseAddPart(session, i + 1, createHash('md5').update(data).digest('hex')), undefined));
    requests++;
  }
}
await fh.close();
// `next` separates requests; one after the last would announce a request with no URL.
if (lines.at(-1) === 'next') lines.pop();
await fsp.writeFile(input.config, `${lines.join('\n')}\n`);
await http.close();

const out: Prepared = {
  input, session, job, digests, requests, bodies: chunks, chunkSize: cs,
  lastCompletes: input.provider === 'onedrive',
  prepareMs: Math.round(performance.now() - t0),
};
process.stdout.write(`${JSON.stringify(out)}\n`);

/** One curl config block: the captured request, its body from the chunk file, status on stdout. */
function block(r: CapturedRequest, bodyFile: string | undefined): string[] {
  const out = [`url = ${q(r.url)}`, `request = ${q(r.method)}`];
  for (const [k, v] of Object.entries(r.headers)) out.push(`header = ${q(`${k}: ${v}`)}`);
  // curl would add headers our client does not send: 100-continue waits and a form content type.
  out.push(`header = ${q('Expect:')}`);
  if (bodyFile) {
    if (!Object.keys(r.headers).some((k) => k.toLowerCase() === 'content-type')) out.push(`header = ${q('Content-Type:')}`);
    // -T appends the file name to a URL ending in '/', so such URLs take the other form.
    const streamed = input.body === 'upload-file' && !new URL(r.url).pathname.endsWith('/');
    out.push(streamed ? `upload-file = ${q(bodyFile)}` : `data-binary = ${q(`@${bodyFile}`)}`);
  } else if (r.method !== 'GET' && r.method !== 'HEAD') {
    out.push(`data-binary = ${q('')}`);
  }
  out.push(`output = ${q('/dev/null')}`, `write-out = ${q('%{http_code}\\n')}`, 'next');
  return out;
}

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function synapseAddPart(s: typeof session, partNumber: number, md5: string): CapturedRequest {
  const uploadId = (s.ref as { uploadId: string }).uploadId;
  const { fileUrl } = synapseUrls(input.url, input.options);
  return {
    method: 'PUT',
    url: `${fileUrl}/file/multipart/${encodeURIComponent(uploadId)}/add/${partNumber}?partMD5Hex=${md5}`,
    headers: { authorization: `Bearer ${input.token}`, accept: 'application/json' },
  };
}
