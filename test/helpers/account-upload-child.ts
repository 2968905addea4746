// Child for the SIGKILL-during-refresh test: one upload through a remote, resumed from the
// journal when it is there; prints the final state (never a token).
import { createRuntime } from '../../app/runtime/runtime.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';
import type { TargetConfig } from '../../app/engine/engine-api.js';

const [home, targetJson, file, remote] = [process.argv[2]!, process.argv[3]!, process.argv[4]!, process.argv[5]!];
const target = JSON.parse(targetJson) as TargetConfig;
const runtime = await createRuntime({
  home, targets: new MemoryTargetStore([target]),
  settings: { autoResume: true, maxConcurrent: 1, retry: { baseMs: 20, capMs: 200, jitterMs: 20, signInPollMs: 50 } },
});
const [v] = await runtime.engine.add({ targetId: target.id, items: [{ localPath: file, remotePath: remote }] });
// Needs sign-in parks the transfer: report it and stop (the parent signs in again and restarts).
const timer = setInterval(() => {
  const s = runtime.engine.get(v!.id)?.state;
  if (s?.kind === 'waiting' && s.reason === 'sign-in') {
    process.stdout.write(JSON.stringify({ state: 'needs-sign-in' }) + '\n');
    void runtime.close().then(() => process.exit(0));
  }
}, 50);
const done = await runtime.engine.settled(v!.id);
clearInterval(timer);
process.stdout.write(JSON.stringify({ state: done.state.kind, offset: done.transferred }) + '\n');
await runtime.close();
