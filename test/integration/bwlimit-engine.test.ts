// The bandwidth limit end to end: a real engine, the undici transport and the tus emulator on
// loopback, with time on a FakeClock that jumps to the next sleep's deadline. The limit is the only
// thing that sleeps, so the clock reads exactly the time the limit imposed (no timed test): an
// upload with --bwlimit 2M must take size / 2 MiB/s, chunks must start when their bytes were due,
// and a closed upload window must hold the transfer, shown as a known wait, until it opens.
import { afterEach, describe, expect, it } from 'vitest';
import { fixedOffsetWeek } from '../../app/common/local-week.js';
import type { TransferView } from '../../app/common/transfer.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';

const MiB = 1024 * 1024;
let rig: Rig | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  await rig?.check().catch(() => undefined);
  stop?.();
  rig = undefined;
});

describe('bandwidth limit (tus emulator, loopback)', () => {
  it('--bwlimit 2M: 8 MiB in 4 s of clock time, each 1 MiB chunk starting when its bytes are due', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 12, 0));
    const bar: number[] = [];
    let id = '';
    stop = clock.drive(() => {
      if (id) bar.push(rig!.engine.get(id)!.transferred);
    });
    rig = await startRig('tus', { clock, chunkSize: MiB, bwlimit: '2M', localWeek: fixedOffsetWeek(0) });
    const file = await rig.makeFile('limited.bin', 8 * MiB);
    const t0 = clock.now();
    id = (await rig.add(file)).id;
    const v = await rig.engine.settled(id);
    expect(v.state.kind).toBe('done');
    const secs = (clock.now() - t0) / 1000;
    expect(secs).toBeGreaterThan(4 * 0.95);
    expect(secs).toBeLessThan(4 * 1.05);
    // The request log: chunk k (1 MiB) starts at about k/2 s, the time its first bytes were due.
    const starts = rig.dataRequests().map((r) => (r.at - t0) / 1000);
    expect(starts).toHaveLength(8);
    starts.forEach((s, k) => expect(Math.abs(s - k / 2), `chunk ${k} started at ${s}s`).toBeLessThan(0.1));
    expect(rig.received()).toBe(8 * MiB);
    // The bar moves with the bytes as they leave (~100 KiB slices at this rate), not chunk by chunk.
    expect(bar.length).toBeGreaterThan(60);
    const steps = bar.slice(1).map((x, i) => x - bar[i]!);
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...steps)).toBeLessThan(256 * 1024);
  });

  it('a closed window holds the upload, shown as waitingFor window until it opens, then it finishes', async () => {
    // 1 MiB/s until 09:00, closed 09:00-09:30, unlimited after; the upload starts at 08:59:59.
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 8, 59, 59));
    const opens = Date.UTC(2026, 0, 5, 9, 30);
    const during: TransferView[] = [];
    let id = '';
    stop = clock.drive((ms) => {
      // A jump of minutes is the window's wait: look at what the user sees before it passes.
      if (ms > 60_000 && id) during.push(rig!.engine.get(id)!);
    });
    rig = await startRig('tus', { clock, chunkSize: MiB / 2, bwlimit: '08:00,1M 09:00,0 09:30,off', localWeek: fixedOffsetWeek(0) });
    const file = await rig.makeFile('window.bin', 4 * MiB);
    id = (await rig.add(file)).id;
    const v = await rig.engine.settled(id);
    expect(v.state.kind).toBe('done');
    expect(clock.now()).toBeGreaterThanOrEqual(opens);
    expect(during.length).toBeGreaterThan(0);
    expect(during[0]).toMatchObject({ waitingFor: 'window', waitingUntil: opens });
    expect(during[0]!.transferred).toBeGreaterThan(0.9 * MiB);
    expect(during[0]!.transferred).toBeLessThan(1.6 * MiB);
    // Nothing started inside the closed window.
    const inside = rig.dataRequests().filter((r) => r.at > Date.UTC(2026, 0, 5, 9, 0, 0, 100) && r.at < opens);
    expect(inside).toEqual([]);
    expect(rig.received()).toBe(4 * MiB);
  });

  it('a target with an Http of its own (a signed-in account) is held to the limit too', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 12, 0));
    stop = clock.drive();
    rig = await startRig('tus', { clock, chunkSize: MiB, bwlimit: '2M', localWeek: fixedOffsetWeek(0), ownHttp: true });
    const file = await rig.makeFile('account.bin', 4 * MiB);
    const t0 = clock.now();
    expect((await rig.upload(file)).state.kind).toBe('done');
    const secs = (clock.now() - t0) / 1000;
    expect(secs).toBeGreaterThan(2 * 0.95);
    expect(secs).toBeLessThan(2 * 1.05);
  });

  it('a limit changed at run time applies to the upload under way', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 12, 0));
    stop = clock.drive();
    rig = await startRig('tus', { clock, chunkSize: MiB, bwlimit: '0', localWeek: fixedOffsetWeek(0) });
    const file = await rig.makeFile('later.bin', 2 * MiB);
    const { id } = await rig.add(file);
    // Held: nothing may leave while the limit is 0.
    await new Promise((r) => setTimeout(r, 100));
    expect(rig.engine.get(id)).toMatchObject({ waitingFor: 'window', transferred: 0 });
    expect(rig.engine.get(id)!.waitingUntil).toBeUndefined();
    expect(rig.received()).toBe(0);
    rig.engine.setBandwidth('off');
    expect(rig.engine.bandwidth()).toEqual({ spec: 'off', rate: null });
    expect((await rig.engine.settled(id)).state.kind).toBe('done');
    expect(() => rig!.engine.setBandwidth('4Q')).toThrow(/bandwidth limit "4Q": "4Q" is not a size/);
  });
});
