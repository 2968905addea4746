// `ferry upload --conflict replace` of a changed file to Synapse, which keeps versions: the user is
// told which version the file now is, in the line a pipe reads and in the --json done event.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EMULATORS } from '../../app/emulators/registry.js';
import type { RunningEmulator } from '../../app/emulators/kit/emulator-host.js';
import { bundleForChild } from '../helpers/bundle.js';
import { providerCase } from '../helpers/engine-rig.js';
import { startCaseEmulator } from '../helpers/provider-cases.js';
import { runNode } from '../helpers/run-child.js';

const c = providerCase('synapse');
const token = `tok_${randomBytes(9).toString('hex')}`;
let CLI = '';
let root = '';
let emu: RunningEmulator;

beforeAll(async () => {
  CLI = await bundleForChild('app/cli/main.ts');
  root = mkdtempSync(join(tmpdir(), 'ferry-cli-version-'));
  emu = await startCaseEmulator(c, join(root, 'emu'), { token });
}, 60_000);
afterAll(async () => {
  await emu?.close();
  rmSync(root, { recursive: true, force: true });
});

function upload(file: string, dest: string, extra: string[] = []) {
  const ep = EMULATORS.synapse.endpointFor(emu);
  const options = Object.entries({ ...ep.options, ...c.client }).flatMap(([k, v]) => ['--option', `${k}=${v}`]);
  return runNode([CLI, 'upload', file, '--provider', 'synapse', '--endpoint', ep.url, '--dest', dest, '--conflict', 'replace', ...options, ...extra], {
    env: { FERRY_HOME: join(root, 'home'), FERRY_TOKEN: token, FERRY_RETRY_BASE_MS: '20' },
  });
}

it('says "(version 2)" on the done line after a replace', async () => {
  const file = join(root, 'data.csv');
  writeFileSync(file, randomBytes(1000));
  const first = await upload(file, '/Project/data.csv');
  expect(first.code, first.stderr).toBe(0);
  writeFileSync(file, randomBytes(1200));
  const second = await upload(file, '/Project/data.csv');
  expect(second.code, second.stderr).toBe(0);
  expect(second.stderr).toMatch(/data\.csv → \/syn1\/Project\/data\.csv \(version 2\): done/);
});

it('--json: the done event carries version 2 after a replace', async () => {
  const file = join(root, 'table.csv');
  writeFileSync(file, randomBytes(1000));
  expect((await upload(file, '/Project/table.csv', ['--json'])).code).toBe(0);
  writeFileSync(file, randomBytes(1300));
  const second = await upload(file, '/Project/table.csv', ['--json']);
  expect(second.code, second.stderr).toBe(0);
  const events = second.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(events.filter((e) => e.event === 'done')).toEqual([expect.objectContaining({ event: 'done', remotePath: '/syn1/Project/table.csv', version: 2 })]);
});
