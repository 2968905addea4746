// Through the engine: a researcher re-uploads a changed data file under the same name with the
// 'replace' policy (as folder sync does for every changed file). Synapse keeps one entity, now at
// version 2, holding the new bytes; before, the transfer failed with a name conflict.
import { promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { providerCase, startRig, type Rig } from '../helpers/engine-rig.js';

const c = providerCase('synapse');
let h: Rig;
beforeAll(async () => {
  h = await startRig(c);
});
afterAll(async () => {
  await h?.close();
});

it("a changed file re-uploaded with 'replace' becomes version 2 of the same entity", async () => {
  const file = await h.makeFile('measurements.csv', 2 * c.chunkSize + 9);
  expect((await h.upload(file, 'measurements.csv')).state).toMatchObject({ kind: 'done', version: 1 });
  const before = await h.stored(file);
  expect(before).toBeDefined();

  await fsp.writeFile(file, randomBytes(3 * c.chunkSize + 1));
  h.target.conflict = 'replace';
  const second = await h.upload(file, 'measurements.csv');
  expect(second.state.kind, JSON.stringify(second.state)).toBe('done');
  // The user is told which version they now have (the first upload made version 1).
  expect(second.state).toMatchObject({ kind: 'done', version: 2 });
  expect(h.engine.list().find((v) => v.id === second.id)?.state).toMatchObject({ version: 2 });
  // Kept in the journal, so the history still says it after a restart.
  expect((await h.journal.load()).find((r) => r.id === second.id)?.state).toMatchObject({ kind: 'done', version: 2 });
  const after = await h.stored(file);
  // The new bytes, at the same place; the old ones are no longer what the path shows.
  expect(after?.path).toBe(before?.path);
  expect((await h.emu.files()).filter((f) => f.path === before?.path)).toHaveLength(1);
  const entityPuts = h.emu.requests().filter((r) => r.method === 'PUT' && /^\/repo\/v1\/entity\/syn\d+$/.test(r.path));
  expect(entityPuts.map((r) => r.status)).toEqual([200]);
});
