// Fault catalogue rows 26, 27 and 32 through the real engine: the local file changes during the
// upload, changes between a quit and the resume, or gets shorter than the size that was declared.
import { appendFileSync, openSync, writeSync, closeSync, truncateSync, promises as fsp } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../app/common/transfer.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';
import { dataOffset, isData, toSession } from '../helpers/invariants.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const DELETABLE: ProviderId[] = ['tus', 'onedrive', 'redivis', 'box'];

/** A rig whose afterChunk hook runs `act` once, after the chunk that ends at `offset` was confirmed. */
async function rigActingAt(id: ProviderId, offset: (cs: number) => number, act: (path: string) => void): Promise<{ r: Rig; path: string }> {
  let path = '';
  let done = false;
  const r = await startRig(id, {
    afterChunk: (_t, off) => {
      if (!done && off === offset(r.c.chunkSize)) {
        done = true;
        act(path);
      }
    },
  });
  path = await r.makeFile('changing.bin', 4 * r.c.chunkSize);
  return { r, path };
}

function overwrite(path: string, at: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, at);
  closeSync(fd);
}

describe('row 26: the local file is modified during the upload', () => {
  const edits: [string, (p: string, cs: number) => void][] = [
    ['appended to', (p) => appendFileSync(p, 'more')],
    ['rewritten in place (same size)', (p, cs) => overwrite(p, 3 * cs, Buffer.from('edited'))],
  ];
  it.each(['tus', 'onedrive', 'redivis', 'box', 'ucloud'] as ProviderId[])('%s: stops before the next chunk, cancels the session, commits nothing', async (id) => {
    for (const [how, edit] of edits) {
      let cs = 0;
      const { r, path } = await rigActingAt(id, (c) => 2 * c, (p) => edit(p, cs));
      rig = r;
      cs = r.c.chunkSize;
      const v = await r.upload(path);
      expect(v.state.kind, how).toBe('failed');
      if (v.state.kind !== 'failed') return;
      expect(v.state.error.code, how).toBe('file-changed');
      expect(v.state.error.message, how).toContain(path);
      // Abort within the chunks on the wire: nothing past the change was started (Box sends parts
      // four at once, so those after were already on their way when the change was seen).
      const offsets = r.dataRequests().map(dataOffset);
      if (id === 'box') expect(offsets.length, how).toBeLessThanOrEqual(2 + 3);
      else expect(offsets, how).toEqual([0, cs]);
      const [ref] = r.sessions(v.id);
      const deletes = toSession(r.http, ref!).filter((x) => x.method === 'DELETE');
      expect(deletes, how).toHaveLength(DELETABLE.includes(id) ? 1 : 0);
      await r.check();
      await r.close();
      rig = undefined;
    }
  });
});

describe('row 27: the file changes (same size, same mtime) while Ferry is not running', () => {
  it.each(['tus', 'onedrive', 'redivis', 'box'] as ProviderId[])('%s: the head/tail fingerprint catches it; the old session is dropped and the new content uploaded from 0', async (id) => {
    rig = await startRig(id);
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('edited-offline.bin', 4 * cs);
    // A whole-second mtime can be put back exactly, so only the content tells the versions apart.
    await fsp.utimes(p, 1_700_000_000, 1_700_000_000);
    const gate = rig.http.hold((x) => isData(id, x) && dataOffset(x) === 2 * cs);
    const t = await rig.add(p);
    await gate.held;
    const relaunch = rig.restartEngine(async () => {
      overwrite(p, 100, Buffer.from('a different first chunk'));
      await fsp.utimes(p, 1_700_000_000, 1_700_000_000);
    });
    gate.release();
    await relaunch;
    const v = await rig.engine.settled(t.id);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    const [old, fresh] = rig.sessions(t.id);
    expect(rig.sessions(t.id)).toHaveLength(2);
    expect(toSession(rig.http, fresh!).filter((x) => isData(id, x)).map(dataOffset)[0]).toBe(0);
    // The old session's partial data must never be completed with new bytes: deleted where the API can.
    expect(toSession(rig.http, old!).filter((x) => x.method === 'DELETE')).toHaveLength(1);
    await rig.check();
  });
});

describe('row 27: a same-size edit in the middle (outside head and tail), mtime put back', () => {
  const run = async (id: ProviderId): Promise<void> => {
    rig = await startRig(id);
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('edited-middle.bin', 4 * cs);
    await fsp.utimes(p, 1_700_000_000, 1_700_000_000);
    const gate = rig.http.hold((x) => isData(id, x) && dataOffset(x) === 2 * cs);
    const t = await rig.add(p);
    await gate.held;
    const relaunch = rig.restartEngine(async () => {
      // Inside the part already on the server, 64 KiB+ away from both ends of the file.
      overwrite(p, cs + 100, Buffer.from('edited while Ferry was closed'));
      await fsp.utimes(p, 1_700_000_000, 1_700_000_000);
    });
    gate.release();
    await relaunch;
    await rig.engine.settled(t.id);
    // I1: either the server holds exactly the new bytes and the item is done, or nothing is committed.
    await rig.check();
  };

  it('box: the commit digest (whole-file SHA-1) refuses the mixed file; nothing committed', () => run('box'));

  // Size, mtime and the head/tail SHA-1 cannot see this edit; the ctime in the fingerprint does
  // (utimes cannot put it back): the old session is dropped and the upload starts over.
  it.each(['tus', 'onedrive', 'redivis'] as ProviderId[])('%s: the edit is seen, the upload starts over, the server holds exactly the new bytes', (id) => run(id));
});

describe('row 32: the file gets shorter than the size declared to the server', () => {
  it.each(['tus', 'onedrive', 'redivis', 'box', 'ucloud'] as ProviderId[])('%s: fails as file-short, cancels the session, commits nothing', async (id) => {
    const { r, path } = await rigActingAt(id, (c) => c, (p) => truncateSync(p, 2 * r.c.chunkSize - 10));
    rig = r;
    const v = await r.upload(path);
    expect(v.state.kind).toBe('failed');
    if (v.state.kind !== 'failed') return;
    expect(['file-short', 'file-changed']).toContain(v.state.error.code);
    expect(v.state.error.message).toContain(path);
    const [ref] = r.sessions(v.id);
    expect(toSession(r.http, ref!).filter((x) => x.method === 'DELETE')).toHaveLength(DELETABLE.includes(id) ? 1 : 0);
    await r.check();
  });
});
