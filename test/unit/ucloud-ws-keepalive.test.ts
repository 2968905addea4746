// A WEBSOCKET_V2 socket held by the bandwidth limit is kept alive as im2's own client keeps its
// sockets (a ping every 15 s), and a socket that carries data never pings. On a FakeClock.
import { describe, expect, it } from 'vitest';
import { keepAlive, KEEPALIVE_MS } from '../../app/providers/ucloud/ws-keepalive.js';
import { FakeClock } from '../fakes/fake-clock.js';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('UCloud socket keepalive', () => {
  it('a quiet socket pings every 15 s until stopped, then nothing is left waiting on the clock', async () => {
    const clock = new FakeClock();
    const pings: number[] = [];
    const stop = new AbortController();
    const t0 = clock.now();
    void keepAlive(clock, () => t0, () => void pings.push(clock.now() - t0), stop.signal);
    for (let i = 0; i < 60; i++) await clock.advance(1_000);
    expect(KEEPALIVE_MS).toBe(15_000);
    expect(pings).toEqual([15_000, 30_000, 45_000, 60_000]);
    stop.abort();
    await settle();
    await clock.advance(60_000);
    expect(pings).toHaveLength(4);
    expect(clock.pending()).toBe(0);
  });

  it('a socket whose bytes keep moving never pings; a ping that throws (socket closing) is not an error', async () => {
    const clock = new FakeClock();
    let moved = clock.now();
    let pings = 0;
    const stop = new AbortController();
    void keepAlive(clock, () => moved, () => { pings++; throw new Error('WebSocket is not open'); }, stop.signal);
    for (let i = 0; i < 60; i++) {
      moved = clock.now();
      await clock.advance(1_000);
    }
    expect(pings).toBe(0);
    // Quiet from here (the last movement was 1 s ago): the first ping 15 s after it.
    await clock.advance(13_000);
    expect(pings).toBe(0);
    await clock.advance(1_000);
    expect(pings).toBe(1);
    stop.abort();
  });
});
