// Remotes appear as targets `remote-<name>` (for the host, the desktop app and NAME:path), carry no
// secret, and cannot be overwritten as plain targets.
import { describe, expect, it } from 'vitest';
import { MemoryAccountStore } from '../../app/accounts/account-store.js';
import { RemoteTargetStore } from '../../app/accounts/remote-targets.js';
import { MemoryTargetStore } from '../../app/runtime/target-stores.js';

describe('RemoteTargetStore', () => {
  it('lists remotes beside plain targets, with the account named and a placeholder for a token', async () => {
    const accounts = new MemoryAccountStore();
    await accounts.put({ name: 'mybox', provider: 'box', url: 'https://api.box.com', options: { rootFolderId: '7' }, kind: 'oauth', clientId: 'c', status: 'ok', createdAt: 0, updatedAt: 0 });
    const plain = { id: 't1', name: 't1', provider: 'tus' as const, url: 'http://127.0.0.1:1', token: 'tok', options: {}, conflict: 'rename' as const, remoteRoot: '/' };
    const s = new RemoteTargetStore(new MemoryTargetStore([plain]), accounts);
    expect((await s.list()).map((t) => t.id)).toEqual(['t1', 'remote-mybox']);
    const t = await s.get('remote-mybox');
    expect(t).toMatchObject({ provider: 'box', url: 'https://api.box.com', account: 'mybox', options: { rootFolderId: '7' }, token: 'ferry-account-token-placeholder' });
    await expect(s.put({ ...t!, token: 'x' })).rejects.toMatchObject({ code: 'bad-input' });
    expect(await s.get('remote-gone')).toBeUndefined();
    expect(await s.get('t1')).toEqual(plain);
  });
});
