// Our client, one upload, in its own process: the app's composition root (`createRuntime`, the
// same adapters as `ferry upload`) with the target in memory. Prints one JSON line with the
// phase timings; peak RSS and CPU time come from /usr/bin/time around this process.
// Input: one JSON argument {provider, url, token, options, file, remotePath, chunkSize?, home}.
import { performance } from 'node:perf_hooks';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import { createRuntime } from '../../app/runtime/runtime.js';
import { benchEntry, CLIENTS } from './providers.js';
import { timedFactory, type Phases } from './timed-provider.js';

interface Input {
  provider: string;
  url: string;
  token: string;
  options: Record<string, string>;
  file: string;
  remotePath: string;
  chunkSize?: number;
  home: string;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const entry = benchEntry(input.provider);
const phases: Phases = { chunks: 0, requests: 0 };
const now = (): number => performance.now();
CLIENTS[entry.id] = { ...CLIENTS[entry.id], create: timedFactory(entry.create, phases, now) };

const target = { id: 'bench', name: 'bench', provider: entry.id, url: input.url, token: input.token, options: input.options, conflict: 'rename' as const, remoteRoot: '/' };
const runtime = await createRuntime({
  home: input.home,
  targets: new MemoryTargetStore([target]),
  settings: { autoResume: false, maxConcurrent: 1, ...(input.chunkSize ? { chunkSize: input.chunkSize } : {}) },
});
const t0 = now();
const [view] = await runtime.engine.add({ targetId: 'bench', items: [{ localPath: input.file, remotePath: input.remotePath }] });
if (!view) throw new Error('bench: the engine did not queue the file');
const done = await runtime.engine.settled(view.id);
const t1 = now();
await runtime.close();

const st = done.state;
const rel = (t: number | undefined): number | null => (t === undefined ? null : Math.round((t - t0) * 1000) / 1000);
process.stdout.write(`${JSON.stringify({
  ok: st.kind === 'done',
  state: st.kind,
  ...(st.kind === 'done' ? { verified: st.verified, remotePath: st.remotePath } : {}),
  ...(st.kind === 'failed' ? { error: st.error.message } : {}),
  // Milliseconds from engine.add.
  createStart: rel(phases.createStart), createEnd: rel(phases.createEnd),
  firstChunkStart: rel(phases.firstChunkStart), lastChunkEnd: rel(phases.lastChunkEnd),
  finishStart: rel(phases.finishStart), finishEnd: rel(phases.finishEnd), total: rel(t1),
  chunks: phases.chunks, chunkSize: phases.chunkSize ?? null, requests: phases.requests, readBufferBytes: phases.readBufferBytes ?? null,
  timeline: (phases.timeline ?? []).map(([a, b, n]) => [rel(a), rel(b), n]),
  maxRssKiB: process.resourceUsage().maxRSS,
})}\n`);
