// tus-js-client 4 (Node), one upload from a file read stream with the same chunk size as ours,
// in its own process. Prints {ok, total, firstPatch?}; peak RSS and CPU come from /usr/bin/time.
// Input: one JSON argument {url, file, remotePath, chunkSize}.
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tus from 'tus-js-client';

const input = JSON.parse(process.argv[2] ?? '{}') as { url: string; file: string; remotePath: string; chunkSize: number };
const size = statSync(input.file).size;
const t0 = performance.now();
const result = await new Promise<{ ok: boolean; error?: string }>((resolve) => {
  const up = new tus.Upload(createReadStream(input.file), {
    endpoint: input.url,
    chunkSize: input.chunkSize,
    uploadSize: size,
    metadata: { filename: basename(input.remotePath), path: input.remotePath },
    // No retries: a failure must show as a failed run, not as a slow one.
    retryDelays: [],
    onSuccess: () => resolve({ ok: true }),
    onError: (e) => resolve({ ok: false, error: e.message }),
  });
  up.start();
});
const total = Math.round((performance.now() - t0) * 1000) / 1000;
process.stdout.write(`${JSON.stringify({ ...result, total, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
