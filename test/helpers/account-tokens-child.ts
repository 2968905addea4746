// Child for the cross-process refresh test: asks for the account's token from `n` concurrent
// callers and prints what it got (hashes of the tokens, never the tokens) and how.
import { createHash } from 'node:crypto';
import { homeAccounts } from '../../app/accounts/wiring.js';
import { UndiciHttp } from '../../app/node/http-transport.js';
import { systemClock } from '../../app/node/system-clock.js';

const [home, name, n] = [process.argv[2]!, process.argv[3]!, Number(process.argv[4] ?? 10)];
const http = new UndiciHttp({});
const accounts = homeAccounts(home, http, systemClock);
const t = accounts.tokensOf(name);
try {
  const got = await Promise.all(Array.from({ length: n }, () => t.token()));
  const hashes = [...new Set(got.map((g) => createHash('sha256').update(g).digest('hex').slice(0, 12)))];
  process.stdout.write(JSON.stringify({ ok: true, hashes, refreshes: t.refreshes, adopted: t.adopted }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, code: (e as { code?: string }).code, message: (e as Error).message }) + '\n');
}
await http.close();
