// settings:get / settings:set through the command service (what the window's settings panel calls
// over IPC or the host's HTTP): a bad timetable is refused naming the field and the cause, before the
// engine sees it; a good one reaches the engine and the answer shows the limit in force.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostInfo } from '../../app/host/start-host.js';
import { createFerryService, type FerryService } from '../../app/service/ferry-service.js';
import { JsonFolderStore } from '../../app/service/folder-store.js';
import { FakeEngine, MemoryTargetStore } from '../fakes/fake-engine.js';

let dir: string;
let engine: FakeEngine;
let service: FerryService;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-settings-'));
  const targets = new MemoryTargetStore();
  engine = new FakeEngine();
  service = createFerryService({ engine, targets, folders: new JsonFolderStore(join(dir, 'folders.json')), info: hostInfo('0.0.0-test'), paths: () => ({ allowed: [], denied: [], staging: dir }) });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('settings commands', () => {
  it('settings:set with a bad bandwidth limit names the field and the cause; the engine is untouched', async () => {
    const r = await service.dispatch('settings:set', { bwlimit: '4Q' });
    expect(r).toEqual({ ok: false, error: { code: 'bad-input', message: expect.stringContaining('settings:set: request.bwlimit "4Q": "4Q" is not a size') } });
    const r2 = await service.dispatch('settings:set', { bwlimit: 'Mun-08:00,1M' });
    expect(r2.ok ? '' : r2.error.message).toContain('invalid weekday "Mun"');
    const r3 = await service.dispatch('settings:set', { bwlimit: '4M', chunk: 1 });
    expect(r3.ok ? '' : r3.error.message).toContain('request.chunk is not a known field');
    expect(engine.calls.filter((c) => c.startsWith('setBandwidth'))).toEqual([]);
  });

  it('settings:set applies the limit at once and answers the limit in force; settings:get reads it', async () => {
    const r = await service.dispatch('settings:set', { bwlimit: '4M' });
    expect(r).toEqual({ ok: true, value: { bwlimit: { spec: '4M', rate: 4 * 1024 * 1024 }, filesAtOnce: 1 } });
    expect(engine.calls).toContain('setBandwidth:4M');
    expect(await service.dispatch('settings:get', null)).toEqual({ ok: true, value: { bwlimit: { spec: '4M', rate: 4 * 1024 * 1024 }, filesAtOnce: 1 } });
  });

  it('settings:set changes the files at once within 1 to 16, and names the field when out of range', async () => {
    expect(await service.dispatch('settings:set', { filesAtOnce: 3 })).toMatchObject({ ok: true, value: { filesAtOnce: 3 } });
    expect(engine.calls).toContain('setMaxConcurrent:3');
    for (const bad of [0, 17, 1.5, '2']) {
      const r = await service.dispatch('settings:set', { filesAtOnce: bad });
      expect(r.ok ? '' : r.error.message).toContain('settings:set: request.filesAtOnce must be a whole number from 1 to 16');
    }
  });
});
