// The bandwidth limit on UCloud's WEBSOCKET_V2 uploads: a real engine, the UCloud client's socket
// and the emulator's im2-like socket on loopback, with time on a FakeClock that the test moves while
// the real I/O runs: straight to the limit's short waits, 1 ms at a time otherwise (the socket's
// stall and keepalive timers never come due), so the clock reads about the time the limit imposed
// (no timed test). A socket's bytes must leave no faster than the
// limit, and a closed upload window must hold them — in the middle of a chunk, for longer than the
// socket's stall timeout — without failing the upload or dropping the socket (a new socket would
// restart the file from byte 0).
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBwLimit } from '../../app/common/bwlimit-schedule.js';
import { FerryError } from '../../app/common/errors.js';
import { fixedOffsetWeek } from '../../app/common/local-week.js';
import type { TransferView } from '../../app/common/transfer.js';
import { Bandwidth, pacedHttp } from '../../app/engine/bandwidth.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { startUcloudEmulator } from '../../app/emulators/ucloud/emulator.js';
import { createUcloudProvider } from '../../app/providers/ucloud/client.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';
import { CASES } from '../helpers/provider-cases.js';

const MiB = 1024 * 1024;
/** A sleep due within this is the limit's (a slice is ~50 ms of the rate): the clock jumps to it. */
const JUMP_MS = 100;
const ucloudWs = { ...CASES.find((x) => x.id === 'ucloud')!, emulator: { protocol: 'WEBSOCKET_V2' } };

let rig: Rig | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  await cleanup?.();
  cleanup = undefined;
});

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

/** Watches a transfer until it settles. */
function watch(r: Rig, id: string): { settled: () => boolean; view: Promise<TransferView> } {
  let done = false;
  const view = r.engine.settled(id).then((v) => {
    done = true;
    return v;
  });
  return { settled: () => done, view };
}

/** Moves the clock while `go()`, calling `seen` after each step. */
async function stepWhile(clock: FakeClock, go: () => boolean, seen: () => void = () => undefined): Promise<void> {
  while (go()) {
    const due = clock.nextDue();
    await clock.advance(due !== undefined && due <= JUMP_MS ? due : 1);
    seen();
    await tick();
  }
}

describe('bandwidth limit on UCloud WEBSOCKET_V2 (emulator, loopback)', () => {
  it('--bwlimit 1M: the socket delivers 4 MiB no faster than 1 MiB/s, in about 4 s of clock time', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 12, 0));
    rig = await startRig(ucloudWs, { clock, chunkSize: MiB / 2, bwlimit: '1M', localWeek: fixedOffsetWeek(0) });
    const file = await rig.makeFile('limited.bin', 4 * MiB);
    const t0 = clock.now();
    const { id } = await rig.add(file);
    const w = watch(rig, id);
    // What the emulator has received (whole Chunk messages, as im2 reads them) against the clock.
    const over: string[] = [];
    let samples = 0;
    await stepWhile(clock, () => !w.settled(), () => {
      const secs = (clock.now() - t0) / 1000;
      const got = rig!.received();
      samples++;
      // The bucket lets ~50 ms of the rate (64 KiB) go ahead of the line; the rest is a violation.
      if (got > MiB * secs + 64 * 1024) over.push(`${got} bytes by ${secs.toFixed(2)} s`);
    });
    const v = await w.view;
    expect(v.state.kind).toBe('done');
    expect(over).toEqual([]);
    expect(samples).toBeGreaterThan(100);
    const secs = (clock.now() - t0) / 1000;
    expect(secs).toBeGreaterThan(4 * 0.95);
    // Slower only by the steps the clock took while real I/O ran.
    expect(secs).toBeLessThan(4 * 1.5);
    expect(await rig.stored(file)).toBeDefined();
    expect(rig.stats().sessionsCreated).toBe(1);
  }, 60_000);

  it('a window that closes in the middle of a chunk holds the socket for 30 min, keeps it, and sends the rest when it opens', async () => {
    // 1 MiB/s until 09:00, closed 09:00-09:30, unlimited after; the upload starts at 08:59:59.
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 8, 59, 59));
    const closes = Date.UTC(2026, 0, 5, 9, 0);
    const opens = Date.UTC(2026, 0, 5, 9, 30);
    // One 8 MiB chunk: the window closes while its first MiB or less is on the socket, and what is
    // left after it opens fills every fragment buffer, so the socket waits (its stall clock runs) again.
    rig = await startRig(ucloudWs, { clock, chunkSize: 8 * MiB, bwlimit: '08:00,1M 09:00,0 09:30,off', localWeek: fixedOffsetWeek(0) });
    const file = await rig.makeFile('window.bin', 8 * MiB);
    const { id } = await rig.add(file);
    const w = watch(rig, id);
    // Every state the transfer shows: a stall or a dropped socket would show as a retry ('waiting').
    const states = new Set<string>();
    const seen = (): void => void states.add(rig!.engine.get(id)!.state.kind);
    await stepWhile(clock, () => !w.settled() && clock.now() < closes + 500, seen);
    expect(w.settled()).toBe(false);
    const sentAtClose = rig.engine.get(id)!.transferred;
    // At most 1 s of the rate (the clock also moved while the session and socket were set up).
    expect(sentAtClose).toBeGreaterThan(0.1 * MiB);
    expect(sentAtClose).toBeLessThan(1.1 * MiB);
    // The window's wait: 20 minutes at once, far past the socket's 60 s stall timeout.
    await clock.advance(20 * 60_000);
    for (let i = 0; i < 50; i++) await tick();
    seen();
    const held = rig.engine.get(id)!;
    expect(held.state.kind).toBe('uploading');
    // What the user sees: held by the window, with the time it opens.
    expect(held).toMatchObject({ waitingFor: 'window', waitingUntil: opens });
    expect(held.transferred).toBe(sentAtClose);
    // The Chunk message is incomplete: the emulator has received the Listing (25 bytes) and nothing else whole.
    expect(rig.received()).toBeLessThan(1024);
    await clock.advance(opens - clock.now());
    await stepWhile(clock, () => !w.settled(), seen);
    const v = await w.view;
    expect(v.state.kind).toBe('done');
    expect(clock.now()).toBeGreaterThanOrEqual(opens);
    expect([...states].filter((k) => k !== 'queued' && k !== 'preparing' && k !== 'uploading' && k !== 'finishing' && k !== 'done')).toEqual([]);
    expect(await rig.stored(file)).toBeDefined();
    expect(rig.stats().sessionsCreated).toBe(1);
  }, 60_000);

  it('a send held by a closed window stops at once when aborted, and its socket is gone', async () => {
    const dir = await fsp.mkdtemp(join(os.tmpdir(), 'ferry-ucloud-ws-bw-'));
    const emu = await startUcloudEmulator({ dataDir: join(dir, 'server'), idleTimeoutMs: 5_000 });
    const transport = new UndiciHttp({ idleTimeoutMs: 5_000 });
    cleanup = async () => {
      await transport.close();
      await emu.close();
      await fsp.rm(dir, { recursive: true, force: true });
    };
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 12, 0));
    const bw = new Bandwidth(clock, parseBwLimit('off'), fixedOffsetWeek(0));
    // The socket's set-up runs in real time while the test moves the clock: no answer timeout then.
    const p = createUcloudProvider({ clock, endpoint: { url: emu.url, token: emu.token }, http: pacedHttp(transport, bw), options: { socketAnswerTimeoutMs: String(24 * 3_600_000) } });
    const data = randomBytes(2 * MiB);
    const path = join(dir, 'held.bin');
    await fsp.writeFile(path, data);
    const job = { file: { path, name: 'held.bin', size: data.length, mtimeMs: 1_700_000_000_000 }, target: { remotePath: '/1/held.bin', conflict: 'rename' as const }, chunkSize: data.length, digests: {} };
    const never = new AbortController().signal;
    const s = await p.create(job, never);
    // The window closes (a limit of 0 set at run time) before the first byte of the file.
    bw.set(parseBwLimit('0'));
    const ac = new AbortController();
    const sending = p.sendChunk(s, job, { index: 0, offset: 0, data, final: true }, { signal: ac.signal }).then(() => new Error('the send completed'), (e: unknown) => e);
    while (emu.stats().bytesReceived === 0) await tick();
    for (let i = 0; i < 50; i++) await tick();
    await clock.advance(10 * 60_000);
    for (let i = 0; i < 50; i++) await tick();
    // Held: the listing went, no file byte did.
    expect(emu.stats().bytesReceived).toBeLessThan(1024);
    ac.abort(new FerryError('cancelled', 'stopped by the test'));
    const e = await sending;
    expect(e).toBeInstanceOf(FerryError);
    expect((e as FerryError).code).toBe('cancelled');
    // The socket went with it (nothing of it is left waiting on the clock: no keepalive, no wait for
    // the limit), and a new one would start the file again.
    expect(clock.pending()).toBe(0);
    expect(await p.status(s, job, never)).toEqual({ kind: 'offset', offset: 0 });
  });
});
