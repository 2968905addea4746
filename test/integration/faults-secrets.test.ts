// Fault catalogue row 40 through the real engine: secrets stay out of the logs and out of what the
// UI is sent, even when a server echoes them back in an error body. The token the emulator
// accepts is planted as tok_SECRET_<random>; upload URLs carry their own capabilities (tempauth,
// upload_id, UCloud's upload token). Every other fault test checks the same through I3; these
// make sure URL-bearing failures were actually logged, so the check is not vacuous.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../app/common/transfer.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';
import { DATA_ROUTE, isData, refSecrets } from '../helpers/invariants.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('row 40: secret redaction', () => {
  it.each(['onedrive', 'redivis', 'tus', 'box', 'ucloud'] as ProviderId[])('%s: a reset, a stall-free retry and an error body that echoes the token and the session URL leave no secret in the log or the views', async (id) => {
    // One part at a time: the injected answer must meet the held request, not another part in flight.
    rig = await startRig(id, { proxy: true, partsInFlight: 1 });
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('secret.bin', 3 * cs);
    // A reset mid-upload: a warning naming the request's URL goes to the log.
    await rig.proxy!.setMode({ kind: 'reset_after', bytes: cs + cs / 2 });
    const gate = rig.http.hold((r) => isData(id, r) && r.seq > 0 && rig!.http.records.some((x) => x.error === 'network'));
    const t = await rig.add(p);
    const held = await gate.held;
    // The server then answers with an error body quoting every secret it knows of.
    const ref = rig.sessions(t.id).at(-1)!;
    const echo = `rejected ${held.url} for ${JSON.stringify(ref)} with Authorization: Bearer ${rig.token}`;
    rig.emu.inject({ method: DATA_ROUTE[id].method, path: DATA_ROUTE[id].path, withBody: true, action: { kind: 'respond', status: 400, body: JSON.stringify({ error: { code: 'invalidRequest', message: echo }, why: echo, message: echo }) } });
    gate.release();
    const v = await rig.engine.settled(t.id);
    expect(v.state.kind).toBe('failed');
    const log = await fsp.readFile(join(rig.home, 'logs', 'ferry.log'), 'utf8');
    // Non-vacuous: the log did record the failures, URL included (its path, not its query).
    expect(log).toMatch(/transfer step failed/);
    expect(log).toContain(new URL(held.url).pathname);
    const secrets = [rig.token, ...refSecrets(ref)];
    expect(secrets.length).toBeGreaterThanOrEqual(1);
    for (const s of secrets) {
      expect(log.includes(s), `log leaks ${s.slice(0, 6)}…`).toBe(false);
      expect(JSON.stringify(rig.engine.list()).includes(s), `views leak ${s.slice(0, 6)}…`).toBe(false);
    }
    await rig.check();
  });
});
