// Issue 11, item 6: after a crash the sandbox comes back on a new port while the journal still
// names the old one. Whatever process has taken the old port must receive nothing (no chunk, no
// upload token): a saved session whose endpoint no longer matches its target is dropped and the
// upload starts a new session at the target's current address.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../app/runtime/runtime.js';

describe('a resumed upload never follows a session to an address its target no longer has', () => {
  let dir: string;
  let runtime: Runtime | undefined;
  let trap: Server | undefined;
  afterEach(async () => {
    await runtime?.close();
    await new Promise((r) => (trap ? trap.close(r) : r(undefined)));
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('drops the saved sandbox session when the sandbox moved port, and sends the other process nothing', async () => {
    dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-moved-'));
    const home = join(dir, 'home');
    const file = join(dir, 'big.bin');
    const data = randomBytes(3 << 20);
    await fsp.writeFile(file, data);
    let paused = false;
    runtime = await createRuntime({
      home, sandbox: true, settings: { autoResume: false, chunkSize: 1 << 20, maxConcurrent: 1 },
      afterChunk: (id) => { if (!paused) { paused = true; void runtime!.engine.pause(id); } },
    });
    const oldPort = Number(new URL(runtime.sandboxTarget!.url).port);
    const [v] = await runtime.engine.add({ targetId: 'sandbox', items: [{ localPath: file, remotePath: '/sandbox/big.bin' }] });
    await expect.poll(() => runtime!.engine.list()[0]!.state.kind, { timeout: 10_000 }).toBe('paused');
    await runtime.close();
    runtime = undefined;

    // Another program takes the old port and records what it is sent.
    const seen: string[] = [];
    trap = createServer((req, res) => { seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`); req.resume(); res.writeHead(500).end(); });
    await new Promise<void>((r) => trap!.listen(oldPort, '127.0.0.1', () => r()));

    runtime = await createRuntime({ home, sandbox: true, settings: { autoResume: false, chunkSize: 1 << 20, maxConcurrent: 1 } });
    expect(Number(new URL(runtime.sandboxTarget!.url).port)).not.toBe(oldPort);
    await runtime.engine.resume(v!.id);
    const done = await Promise.race([runtime.engine.settled(v!.id), new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000))]);
    expect(seen).toEqual([]);
    expect(done?.state.kind).toBe('done');
    const stored = await runtime.sandboxEmulator!.files();
    expect(stored.find((f) => f.path.endsWith('big.bin'))?.size).toBe(data.length);
  }, 60_000);
});
