// Redivis through the real engine checks what GCS stored with CRC32C (the session's `crc32c`,
// base64 big-endian, GCS-hash in app/providers/redivis/README.md) instead of an MD5 pass: a byte
// changed on the way is caught by it, a clean upload is verified by it, and where the server gives
// only an MD5 (an answer without x-goog-hash) the engine reads the file once more for that one.
import { afterEach, describe, expect, it } from 'vitest';
import type { Http, StreamBody } from '../../app/engine/http.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** A middlebox that flips one bit of the second chunk's body: the server stores (and hashes) the wrong byte. */
function corruptingSecondChunk(inner: Http): { http: Http; flipped: () => number } {
  let chunks = 0;
  let flipped = 0;
  return {
    flipped: () => flipped,
    http: {
      request: (r) => {
        if (r.method === 'PUT' && r.headers?.['content-range']?.match(/^bytes \d+-\d+\//) && ++chunks === 2) {
          flipped++;
          if (Buffer.isBuffer(r.body)) {
            const body = Buffer.from(r.body);
            body[1000] = body[1000]! ^ 0x01;
            return inner.request({ ...r, body });
          }
          // A chunk streamed from the file: byte 1000 of it flipped on the way.
          const src = r.body as StreamBody;
          const body: StreamBody = {
            length: src.length,
            async *read() {
              let at = 0;
              for await (const piece of src.read()) {
                const out = Buffer.from(piece);
                if (at <= 1000 && 1000 < at + out.length) out[1000 - at] = out[1000 - at]! ^ 0x01;
                at += out.length;
                yield out;
              }
            },
          };
          return inner.request({ ...r, body });
        }
        return inner.request(r);
      },
    },
  };
}

describe('redivis integrity by crc32c', () => {
  it('a byte corrupted in transit is caught by the crc32c the session reports: failed:integrity naming crc32c', async () => {
    rig = await startRig('redivis');
    const mb = corruptingSecondChunk(rig.http.inner);
    rig.http.inner = mb.http;
    const p = await rig.makeFile('crc.bin', 3 * rig.c.chunkSize + 5);
    const v = await rig.upload(p);
    expect(mb.flipped()).toBe(1);
    expect(v.state.kind).toBe('failed');
    if (v.state.kind !== 'failed') return;
    expect(v.state.error.code).toBe('integrity');
    expect(v.state.error.message).toContain("server's crc32c");
    await rig.check({ committedOnIntegrityFailure: true });
  });

  it('a clean upload is done and verified by crc32c, with no MD5 computed by the engine', async () => {
    rig = await startRig('redivis');
    const v = await rig.upload(await rig.makeFile('ok.bin', 2 * rig.c.chunkSize + 7));
    expect(v.state).toMatchObject({ kind: 'done', verified: true });
    // The in-thread hashers see no byte: crc32c went through the upload's own pass (the digester).
    expect(rig.hashedBytes()).toBe(0);
    await rig.check();
  });

  it('only an MD5 reported (no x-goog-hash): one more read of the file for it, and the item is verified', async () => {
    rig = await startRig('redivis', { emulator: { googHash: false } });
    const size = 2 * rig.c.chunkSize + 7;
    const v = await rig.upload(await rig.makeFile('md5only.bin', size));
    expect(v.state).toMatchObject({ kind: 'done', verified: true });
    expect(rig.hashedBytes()).toBe(size);
    await rig.check();
  });
});
