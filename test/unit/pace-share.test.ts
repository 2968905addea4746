// The limit shared between Ferry processes on one $FERRY_HOME (app/node/pace-share.ts), with real
// lease files in a temp folder and time on a FakeClock: two processes sending count each other;
// one that stops sending, crashed or left a stale or damaged lease is not counted.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACTIVE_MS, BEAT_MS, FilePaceShare, STALE_MS } from '../../app/node/pace-share.js';
import { FakeClock } from '../fakes/fake-clock.js';

let dir: string;
let clock: FakeClock;
let shares: FilePaceShare[];
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'ferry-pace-')), 'pace');
  clock = new FakeClock();
  shares = [];
});
afterEach(async () => {
  for (const s of shares) await s.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

function share(pid = process.pid): FilePaceShare {
  const s = new FilePaceShare(dir, clock, pid);
  shares.push(s);
  return s;
}

/** Lets time pass in quarter beats while `sending` keep sending, until `pred` holds (bounded). */
async function until(pred: () => boolean, sending: FilePaceShare[], what: string): Promise<void> {
  for (let i = 0; i < 400 && !pred(); i++) {
    for (const s of sending) s.sending();
    await clock.advance(BEAT_MS / 4);
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(pred(), what).toBe(true);
}

const leases = (): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.')) : []);

it('two processes sending count each other; the one that stops is dropped and the other has the whole limit', async () => {
  const a = share();
  const b = share();
  expect(a.sharers()).toBe(1);
  await until(() => a.sharers() === 2 && b.sharers() === 2, [a, b], 'both see two sharers');
  expect(leases()).toHaveLength(2);
  // b stops sending: within ACTIVE_MS and a beat or two, its lease is gone and a is alone.
  const stopped = clock.now();
  await until(() => a.sharers() === 1 && leases().length === 1, [a], 'a alone again');
  expect(clock.now() - stopped).toBeLessThanOrEqual(ACTIVE_MS + STALE_MS + BEAT_MS);
  // a stops too: no lease left behind, and no timer keeps running.
  await until(() => leases().length === 0 && clock.pending() === 0, [], 'no lease, no timer');
});

it('a crashed process, a stale beat and a damaged file are not sharers; close removes the lease', async () => {
  mkdirSync(dir, { recursive: true });
  // A pid that is surely gone: a child that has exited.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(join(dir, `${dead}-00000000.json`), JSON.stringify({ pid: dead, at: clock.now() }));
  writeFileSync(join(dir, `${process.ppid}-11111111.json`), JSON.stringify({ pid: process.ppid, at: clock.now() - STALE_MS - 1 }));
  writeFileSync(join(dir, `${process.ppid}-22222222.json`), '{"pid": 1, "at":');
  const a = share();
  await until(() => leases().some((n) => n.startsWith(`${process.pid}-`)), [a], 'a wrote its lease');
  await until(() => !existsSync(join(dir, `${dead}-00000000.json`)), [a], "the dead process's lease removed");
  expect(a.sharers()).toBe(1);
  // A live process's fresh beat counts.
  writeFileSync(join(dir, `${process.ppid}-11111111.json`), JSON.stringify({ pid: process.ppid, at: clock.now() }));
  await until(() => a.sharers() === 2, [a], 'a fresh beat counted');
  await a.close();
  expect(leases().some((n) => n.startsWith(`${process.pid}-`))).toBe(false);
});

it('a pace folder that cannot be written leaves the whole limit to this process and beats no faster', async () => {
  // A file where the folder should be.
  mkdirSync(join(dir, '..'), { recursive: true });
  writeFileSync(dir, 'not a folder');
  const a = share();
  a.sending();
  for (let i = 0; i < 3; i++) {
    a.sending();
    await clock.advance(BEAT_MS);
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(a.sharers()).toBe(1);
  // One beat per BEAT_MS of clock time, not a spin.
  expect(clock.sleeps.filter((ms) => ms === BEAT_MS).length).toBeLessThanOrEqual(4);
  expect(clock.pending()).toBe(1);
});
