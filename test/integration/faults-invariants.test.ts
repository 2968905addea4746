// The invariant checks themselves can fail: each is broken on purpose after a clean upload and
// must report it (otherwise every fault test's final `check()` would prove nothing).
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startRig, type Rig } from '../helpers/engine-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it.each([
  ['I1', 'the local file differs from the remote copy', /I1: .*a\.bin is done but/],
  ['I2', 'the client sends to a finished session', /I2: 1 request\(s\) to session .*\/up\//],
  ['I2', 'a request to a finished session reaches the emulator', /I2: the emulator saw 1 request/],
  ['I3', 'an upload URL with its tempauth lands in the log', /I3: logs\/ferry\.log contains the secret[\s\S]*query string \(tempauth/],
  ['I3', 'the token lands in the log unredacted', /I3: logs\/ferry\.log contains the secret tok_/],
  ['I4', 'a journal record fails its checksum', /I4: zz\.json fails its checksum/],
])('%s catches it when %s', async (_inv, what, expected) => {
  rig = await startRig('onedrive');
  const p = await rig.makeFile('a.bin', 2 * rig.c.chunkSize);
  const v = await rig.upload(p);
  expect(v.state.kind).toBe('done');
  const { uploadUrl } = rig.sessions(v.id)[0] as { uploadUrl: string };
  const log = join(rig.home, 'logs', 'ferry.log');
  if (what.startsWith('the local')) await fsp.appendFile(p, 'x');
  if (what.startsWith('the client')) await rig.http.request({ method: 'GET', url: uploadUrl });
  if (what.startsWith('a request')) await fetch(uploadUrl);
  if (what.startsWith('an upload URL')) await fsp.appendFile(log, `${JSON.stringify({ url: uploadUrl })}\n`);
  if (what.startsWith('the token')) await fsp.appendFile(log, `${JSON.stringify({ auth: rig.token })}\n`);
  if (what.startsWith('a journal')) await fsp.writeFile(join(rig.home, 'transfers', 'zz.json'), '{"sha256":"00","record":{"id":"zz"}}');
  await expect(rig.check()).rejects.toThrow(expected);
});
