// The WEBSOCKET_V2 client's own fragment writer, read back by ws's Receiver (an independent
// RFC 6455 parser, the one the emulator's server uses) acting as the server: every payload length
// form (7-bit, 16-bit, 64-bit), masking that continues across the Chunk head, and one message
// made of several fragments.
import { randomBytes } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { FragmentWriter } from '../../app/providers/ucloud/ws-fragments.js';
import { chunkHead } from '../../app/providers/ucloud/ws-wire.js';

// ws exports its Receiver; @types/ws does not describe it.
const { Receiver } = wsModule as unknown as { Receiver: new (o: { isServer: boolean }) => Writable };

/** Writes `parts` as one message through the writer; resolves the message the server side reads. */
async function roundTrip(parts: Buffer[], slice: number): Promise<Buffer[]> {
  const rx = new Receiver({ isServer: true });
  const got: Buffer[] = [];
  rx.on('message', (m: Buffer) => got.push(m));
  const failed = new Promise<never>((_, reject) => rx.on('error', reject));
  // Like a socket, which calls back once the kernel holds a copy: the writer reuses its buffers then.
  const wire = new Writable({ write(b: Buffer, _enc, cb) { rx.write(Buffer.from(b)); cb(); } });
  const w = new FragmentWriter(wire, slice, 2);
  for (let i = 0; i < parts.length; i++) {
    while (!w.ready) await new Promise((r) => setImmediate(r));
    await Promise.race([failed, new Promise<void>((resolve, reject) => w.write(i === 0 ? chunkHead(0) : undefined, parts[i]!, i === parts.length - 1, (e) => (e ? reject(e) : resolve())))]);
  }
  await Promise.race([failed, new Promise((r) => setImmediate(r))]);
  return got;
}

describe('UCloud WEBSOCKET_V2 fragment writer', () => {
  it.each([0, 1, 120, 121, 65530, 65531, 70_000])('a one-fragment Chunk message of %i bytes reads back whole', async (n) => {
    const data = randomBytes(n);
    expect(await roundTrip([data], 80_000)).toEqual([Buffer.concat([chunkHead(0), data])]);
  });

  it('several fragments (opcode, then continuations, FIN on the last) read back as one message', async () => {
    const data = randomBytes(3 * 4096 + 17);
    const parts = [data.subarray(0, 4091), data.subarray(4091, 8187), data.subarray(8187, 12283), data.subarray(12283)];
    expect(await roundTrip(parts, 4096)).toEqual([Buffer.concat([chunkHead(0), data])]);
    // The next message starts with a fresh opcode again.
    const w2 = await roundTrip([Buffer.from('a'), Buffer.from('b')], 16);
    expect(w2).toEqual([Buffer.concat([chunkHead(0), Buffer.from('ab')])]);
  });

  it('refuses a payload larger than its slice', () => {
    const w = new FragmentWriter(new PassThrough(), 16, 1);
    expect(() => w.write(chunkHead(0), Buffer.alloc(12), true, () => undefined)).toThrow(/larger than a slice/);
  });
});
