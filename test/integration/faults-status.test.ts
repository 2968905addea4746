// Fault catalogue rows 10-15 and 18 through the real engine: statuses that must not be retried,
// 401 on the API, offset disagreements (Graph 416, GCS 308 without Range, tus 409), checksum
// mismatches (tus 460), Box part conflicts and commit 202s, and Graph's 409 nameAlreadyExists.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../app/common/transfer.js';
import type { RunningTusEmulator } from '../../app/emulators/tus/emulator.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { startRig, type Rig } from '../helpers/engine-rig.js';
import { DATA_ROUTE, dataOffset, isData, toSession } from '../helpers/invariants.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('row 10: 400 / 403 / 413 / 507 on a chunk', () => {
  const cases: [ProviderId, number, string][] = [
    ['tus', 400, 'rejected'], ['tus', 403, 'rejected'], ['tus', 413, 'rejected'], ['tus', 507, 'quota'],
    ['redivis', 400, 'rejected'], ['redivis', 403, 'rejected'], ['redivis', 413, 'rejected'], ['redivis', 507, 'quota'],
  ];
  it.each(cases)('%s, HTTP %d: no retry, the item fails as %s with a message naming file and cause, the next file uploads', async (id, status, code) => {
    rig = await startRig(id);
    const cs = rig.c.chunkSize;
    const a = await rig.makeFile(`a-${status}.bin`, 3 * cs);
    const b = await rig.makeFile(`b-${status}.bin`, 2 * cs + 5);
    rig.emu.inject({ method: DATA_ROUTE[id].method, path: DATA_ROUTE[id].path, withBody: true, after: 1, action: { kind: 'respond', status } });
    const ta = await rig.add(a);
    const tb = await rig.add(b);
    const va = await rig.engine.settled(ta.id);
    const vb = await rig.engine.settled(tb.id);
    expect(va.state.kind).toBe('failed');
    if (va.state.kind !== 'failed') return;
    expect(va.state.error.code).toBe(code);
    expect(va.state.error.status).toBe(status);
    expect(va.state.error.message).toContain(`a-${status}.bin`);
    expect(va.state.error.message).toContain(`HTTP ${status}`);
    // Zero further requests for that item once the server said no.
    const mine = toSession(rig.http, rig.sessions(ta.id)[0]!);
    expect(mine.at(-1)!.status).toBe(status);
    expect(vb.state.kind, JSON.stringify(vb.state)).toBe('done');
    await rig.check();
  });
});

describe('row 11: 401 on the API', () => {
  it.each(['tus', 'onedrive'] as ProviderId[])('%s: the item fails as "auth" at once (no retry loop, no session), the queue goes on', async (id) => {
    rig = await startRig(id);
    const cs = rig.c.chunkSize;
    const a = await rig.makeFile('expired.bin', 2 * cs);
    const b = await rig.makeFile('later.bin', 2 * cs);
    const create = id === 'tus' ? { method: 'POST', path: '/files' } : { method: 'POST', path: 'createUploadSession' };
    rig.emu.inject({ ...create, action: { kind: 'respond', status: 401, body: id === 'onedrive' ? '{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}' : 'token expired' } });
    const ta = await rig.add(a);
    const tb = await rig.add(b);
    const va = await rig.engine.settled(ta.id);
    expect(va.state.kind === 'failed' && va.state.error.code).toBe('auth');
    expect(va.state.kind === 'failed' && va.state.error.message).toMatch(/401.*rejected the token|rejected the token/);
    expect(rig.http.records.filter((r) => r.status === 401)).toHaveLength(1);
    expect(rig.sessions(ta.id)).toEqual([]);
    expect((await rig.engine.settled(tb.id)).state.kind).toBe('done');
    await rig.check();
  });

  it('onedrive: upload-URL requests never carry the bearer token (the emulator answers 401 if they do)', async () => {
    rig = await startRig('onedrive', { emulator: { strictUploadAuth: true } });
    const p = await rig.makeFile('noauth.bin', 3 * rig.c.chunkSize);
    const v = await rig.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    const up = rig.http.records.filter((r) => new URL(r.url).pathname.startsWith('/up/'));
    expect(up.length).toBeGreaterThanOrEqual(3);
    for (const r of up) expect(r.headers.authorization).toBeUndefined();
    await rig.check();
  });
});

describe('row 12: Graph 416 on a fragment', () => {
  it('onedrive: one 416 → status query, then the fragment the server expects; done', async () => {
    rig = await startRig('onedrive');
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('416.bin', 3 * cs);
    rig.emu.inject({ method: 'PUT', path: '/up/', withBody: true, after: 1, action: { kind: 'respond', status: 416, body: '{"error":{"code":"invalidRange","message":"Fragment overlap"}}' } });
    const v = await rig.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    const hit = rig.http.records.find((r) => r.status === 416)!;
    const [q, again] = rig.http.records.slice(hit.seq + 1);
    expect(q!.method).toBe('GET');
    expect(dataOffset(again!)).toBe(cs);
    expect(rig.received()).toBe(3 * cs);
    await rig.check();
  });

  it('onedrive: 416 that reconciling cannot cure → fails as "offset drift" after 2 reconciliations (no loop)', async () => {
    rig = await startRig('onedrive');
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('drift.bin', 3 * cs);
    rig.emu.inject({ method: 'PUT', path: '/up/', withBody: true, after: 1, times: 100, action: { kind: 'respond', status: 416, body: '{"error":{"code":"invalidRange","message":"Fragment overlap"}}' } });
    const v = await rig.upload(p);
    expect(v.state.kind).toBe('failed');
    expect(v.state.kind === 'failed' && v.state.error.message).toMatch(/offset drift/);
    expect(rig.http.records.filter((r) => r.status === 416)).toHaveLength(3);
    expect(rig.http.records.filter((r) => r.method === 'GET')).toHaveLength(2);
    await rig.check();
  });
});

describe('row 13: GCS 308 without Range on a status query', () => {
  it('redivis: read as offset 0 (not an error, not done); the upload starts over from byte 0', async () => {
    rig = await startRig('redivis');
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('norange.bin', 2 * cs + 3);
    // The first chunk's connection is cut before the server reads a byte: it holds nothing.
    rig.emu.inject({ method: 'PUT', path: '/upload/storage/', withBody: true, action: { kind: 'reset' } });
    const v = await rig.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    const q = rig.http.records.find((r) => r.method === 'PUT' && r.bodyBytes === 0)!;
    expect(q.status).toBe(308);
    expect(q.resHeaders?.range).toBeUndefined();
    const next = rig.http.records[q.seq + 1]!;
    expect(isData('redivis', next) && dataOffset(next)).toBe(0);
    await rig.check();
  });
});

describe('row 14: tus 409 and 460', () => {
  it('409 → HEAD, then the PATCH continues from Upload-Offset', async () => {
    rig = await startRig('tus');
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('409.bin', 3 * cs);
    rig.emu.inject({ method: 'PATCH', withBody: true, after: 1, action: { kind: 'respond', status: 409, body: 'Upload-Offset conflict' } });
    const v = await rig.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    const hit = rig.http.records.find((r) => r.status === 409)!;
    const [head, patch] = rig.http.records.slice(hit.seq + 1);
    expect(head!.method).toBe('HEAD');
    expect(patch!.headers['upload-offset']).toBe(head!.resHeaders!['upload-offset']);
    await rig.check();
  });

  it('one 460 → the chunk is read again and resent once; done', async () => {
    rig = await startRig('tus');
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('460.bin', 3 * cs);
    (rig.emu as RunningTusEmulator).corruptNext(1);
    const v = await rig.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    const data = rig.dataRequests();
    expect(data.map((r) => [dataOffset(r), r.status])).toEqual([[0, 460], [0, 204], [cs, 204], [2 * cs, 204]]);
    await rig.check();
  });

  it('460 twice on the same chunk → fails as "integrity" (file changing or disk failing), nothing committed', async () => {
    rig = await startRig('tus');
    const p = await rig.makeFile('460x2.bin', 3 * rig.c.chunkSize);
    (rig.emu as RunningTusEmulator).corruptNext(2);
    const v = await rig.upload(p);
    expect(v.state.kind).toBe('failed');
    expect(v.state.kind === 'failed' && v.state.error.code).toBe('integrity');
    expect(v.state.kind === 'failed' && v.state.error.message).toMatch(/checksum mismatch twice/);
    expect(rig.dataRequests()).toHaveLength(2);
    await rig.check();
  });
});

describe('row 15: Box part conflicts and commit 202', () => {
  it.each([416, 409])('part %d → parts listed and reconciled; no part that Box holds is uploaded again', async (status) => {
    rig = await startRig('box');
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile(`part-${status}.bin`, 4 * cs + 9);
    rig.emu.inject({ method: 'PUT', path: '/upload_sessions/', withBody: true, after: 2, action: { kind: 'respond', status } });
    const v = await rig.upload(p);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    const hit = rig.http.records.find((r) => r.status === status)!;
    // The next request, besides the part that was on the wire alongside, lists the parts.
    expect(rig.http.records.slice(hit.seq + 1).find((r) => !isData('box', r))!.url).toMatch(/\/parts/);
    const ok = rig.dataRequests().filter((r) => r.status === 200 || r.status === 201).map(dataOffset);
    expect(ok.sort((x, y) => x! - y!)).toEqual([0, cs, 2 * cs, 3 * cs, 4 * cs]);
    expect(rig.dataRequests()).toHaveLength(6);
    await rig.check();
  });

  it('commit answered 202 + Retry-After: 3 twice, then 201: each retry waits ≥ 3 s, the sha1 is verified', async () => {
    // On a FakeClock that jumps to each wait's end: the waits are measured exactly, not timed.
    const clock = new FakeClock();
    rig = await startRig('box', { clock, emulator: { commitAcceptedCount: 2, retryAfterSeconds: 3 } });
    const stop = clock.drive();
    try {
      const p = await rig.makeFile('commit.bin', 2 * rig.c.chunkSize + 1);
      const v = await rig.upload(p);
      expect(v.state).toMatchObject({ kind: 'done', verified: true });
      const commits = rig.http.records.filter((r) => r.url.endsWith('/commit'));
      expect(commits.map((r) => r.status)).toEqual([202, 202, 201]);
      expect(commits[1]!.at - commits[0]!.at).toBeGreaterThanOrEqual(3_000);
      expect(commits[2]!.at - commits[1]!.at).toBeGreaterThanOrEqual(3_000);
      await rig.check();
    } finally {
      stop();
    }
  });
});

describe('row 18: Graph 409 nameAlreadyExists on createUploadSession', () => {
  const conflict = { kind: 'respond' as const, status: 409, body: '{"error":{"code":"nameAlreadyExists","message":"The specified item name already exists."}}' };

  it('onedrive, no saved session: an actionable name-conflict error, no retry', async () => {
    rig = await startRig('onedrive', { conflict: 'fail' });
    const p = await rig.makeFile('orphan.bin', 2 * rig.c.chunkSize);
    rig.emu.inject({ method: 'POST', path: 'createUploadSession', times: 10, action: conflict });
    const v = await rig.upload(p);
    expect(v.state.kind === 'failed' && v.state.error.code).toBe('name-conflict');
    expect(v.state.kind === 'failed' && v.state.error.message).toMatch(/nameAlreadyExists|already exists/);
    expect(rig.http.records.filter((r) => r.url.includes('createUploadSession'))).toHaveLength(1);
    await rig.check();
  });

  it('onedrive, saved session: a relaunch resumes the saved upload URL and never creates again', async () => {
    rig = await startRig('onedrive', { conflict: 'fail' });
    const cs = rig.c.chunkSize;
    const p = await rig.makeFile('resume.bin', 3 * cs);
    const gate = rig.http.hold((r) => isData('onedrive', r) && dataOffset(r) === cs);
    const t = await rig.add(p);
    await gate.held;
    const quit = rig.restartEngine();
    gate.release();
    await quit;
    rig.emu.inject({ method: 'POST', path: 'createUploadSession', times: 10, action: conflict });
    const v = await rig.engine.settled(t.id);
    expect(v.state.kind, JSON.stringify(v.state)).toBe('done');
    expect(rig.http.records.filter((r) => r.url.includes('createUploadSession'))).toHaveLength(1);
    expect(rig.sessions(t.id)).toHaveLength(1);
    await rig.check();
  });
});
