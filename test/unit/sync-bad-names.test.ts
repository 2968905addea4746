// Issue 11, item 12: a file whose name is not valid UTF-8 cannot be opened by the name Node
// gives it; the folder scan reports it as skipped with that reason instead of dropping it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandPaths } from '../../app/service/expand-paths.js';
import { scanTree } from '../../app/sync/tree-scan.js';

describe.skipIf(process.platform !== 'linux')('scan of a name that is not valid UTF-8', () => {
  let root: string;
  beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'ferry-names-')); });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  it('is reported as skipped with the reason, next to the files that sync', async () => {
    await writeFile(Buffer.concat([Buffer.from(`${root}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'latin-1 name');
    await writeFile(join(root, 'ok.txt'), 'fine');
    const files: string[] = [];
    const skipped: [string, string][] = [];
    await scanTree(root, '', { file: (rel) => files.push(rel), error: () => undefined, skipped: (rel, why) => skipped.push([rel, why]) });
    expect(files).toEqual(['ok.txt']);
    expect(skipped).toEqual([['caf\ufffd.txt', expect.stringMatching(/not valid UTF-8/)]]);
  });

  it('adding the folder (transfers:add) queues the rest and names the file it left out', async () => {
    await writeFile(Buffer.concat([Buffer.from(`${root}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'latin-1 name');
    await writeFile(join(root, 'ok.txt'), 'fine');
    const r = await expandPaths([root], '/in', { allowed: [root], denied: [] });
    expect(r.items.map((i) => i.localPath)).toEqual([join(root, 'ok.txt')]);
    expect(r.skipped).toEqual([{ path: join(root, 'caf\ufffd.txt'), reason: expect.stringMatching(/not valid UTF-8/) }]);
  });
});
