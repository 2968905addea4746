// `ferry remote add|list|show|remove|reconnect`: named accounts, as `rclone config` keeps remotes.
// Secrets go to the secret store ($FERRY_HOME/accounts, 0600) and are never printed.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { toErrorInfo } from '../../common/errors.js';
import { PROVIDER_IDS, type ProviderId } from '../../common/transfer.js';
import { ferryHome } from '../../runtime/ferry-home.js';
import { homeAccounts } from '../../accounts/wiring.js';
import { UndiciHttp } from '../../node/http-transport.js';
import { systemClock } from '../../node/system-clock.js';
import { addRemote, reconnectRemote, type AddValues } from './remote-add.js';

const HELP = `Usage:
  ferry remote add NAME --provider ID [--endpoint URL] [how to sign in] [--option key=value]...
      (--endpoint defaults to the provider's real address: api.box.com, graph.microsoft.com, ...; tus needs it)
      --token T                          a fixed token (API token, personal access token)
      --client-id C [--client-secret S] --refresh-token R [--token-url U]
                                         OAuth tokens from elsewhere (rclone config create style)
      --client-id C [--client-secret S] [--auth-url U] [--token-url U] [--scope S]
                                         sign in with the browser (loopback redirect + PKCE)
      --client-id C --device-code [--device-url U] [--token-url U]
                                         sign in on another device (Microsoft)
  ferry remote reconnect NAME [--refresh-token R | --device-code]   sign in again
  ferry remote list [--json]
  ferry remote show NAME [--json]
  ferry remote remove NAME
Remotes live in $FERRY_HOME/accounts; their secrets in files only you can read (mode 0600).
Providers: ${PROVIDER_IDS.join(', ')}
`;

const OPTIONS = {
  provider: { type: 'string' }, endpoint: { type: 'string' }, token: { type: 'string' },
  'client-id': { type: 'string' }, 'client-secret': { type: 'string' }, 'refresh-token': { type: 'string' },
  'token-url': { type: 'string' }, 'auth-url': { type: 'string' }, 'device-url': { type: 'string' }, scope: { type: 'string' },
  'device-code': { type: 'boolean' }, option: { type: 'string', multiple: true }, json: { type: 'boolean' }, help: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`ferry remote: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const [sub, name] = positionals;
  if (v.help || !sub) {
    process.stdout.write(HELP);
    return v.help ? 0 : 2;
  }
  const http = new UndiciHttp({});
  const accounts = homeAccounts(ferryHome(), http, systemClock);
  const out = (human: string, json: unknown): void => void process.stdout.write(v.json ? `${JSON.stringify(json)}\n` : `${human}\n`);
  try {
    switch (sub) {
      case 'list': {
        const all = await accounts.d.accounts.list();
        out(all.map((a) => `${a.name}\t${a.provider}\t${a.url}\t${a.kind}\t${a.status === 'ok' ? 'ok' : 'needs sign-in'}`).join('\n') || '(no remotes)', all.map(publicView));
        return 0;
      }
      case 'show': {
        const a = name ? await accounts.d.accounts.get(name) : undefined;
        if (!a) return usage(`no remote named ${name ?? '(none given)'}`);
        const s = await accounts.d.secrets.get(a.name);
        const view = { ...publicView(a), hasRefreshToken: Boolean(s?.refreshToken), accessTokenExpiresAt: s?.expiresAt ? new Date(s.expiresAt).toISOString() : null, secrets: accounts.d.secrets.describe() };
        out(Object.entries(view).map(([k, x]) => `${k}: ${typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x)}`).join('\n'), view);
        return 0;
      }
      case 'remove': {
        if (!name || !(await accounts.d.accounts.get(name))) return usage(`no remote named ${name ?? '(none given)'}`);
        await accounts.d.secrets.delete(name);
        await accounts.d.accounts.remove(name);
        out(`removed ${name}`, { removed: name });
        return 0;
      }
      case 'add':
      case 'reconnect': {
        if (!name) return usage(`${sub}: which remote? (a name such as mybox)`);
        const a = sub === 'add' ? await addRemote(accounts, http, name, v as AddValues) : await reconnectRemote(accounts, http, name, v as AddValues);
        if (typeof a === 'string') return usage(a);
        out(`${sub === 'add' ? 'added' : 'signed in again:'} ${a.name} (${a.provider}, ${a.kind}); use it as ${a.name}:/path`, publicView(a));
        return 0;
      }
      default:
        return usage(`unknown subcommand '${sub}'`);
    }
  } catch (e) {
    process.stderr.write(`ferry remote: ${toErrorInfo(e).message}\n`);
    return 1;
  } finally {
    await http.close();
  }
}

function usage(msg: string): number {
  process.stderr.write(`ferry remote: ${msg}\n\n${HELP}`);
  return 2;
}

/** What may be shown of an account: everything but secrets (there are none in Account). */
function publicView(a: { name: string; provider: ProviderId; url: string; kind: string; status: string; statusReason?: string; clientId?: string; tokenUrl?: string; options: Record<string, string> }): Record<string, unknown> {
  return { name: a.name, provider: a.provider, url: a.url, kind: a.kind, status: a.status, ...(a.statusReason ? { statusReason: a.statusReason } : {}), ...(a.clientId ? { clientId: a.clientId } : {}), ...(a.tokenUrl ? { tokenUrl: a.tokenUrl } : {}), options: a.options };
}
