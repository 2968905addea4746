// `ferry emulate <provider> --token-ttl 2s`: the emulator plus an emulated authorization server,
// and a user who already consented, so a remote can be added without a browser:
//   ferry remote add NAME --provider box --endpoint URL --token-url T --client-id C --client-secret S --refresh-token R
import { authFor, type AuthForEmulator } from '../../emulators/auth/attach.js';

/** '2s', '500ms', '10m', '1h', or a number of seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--token-ttl must be a duration such as 2s, 500ms or 10m, got '${text}'`);
  const n = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (n < 100) throw new Error(`--token-ttl must be at least 100ms, got '${text}'`);
  return n;
}

export async function emulateAuth(provider: string, ttlMs: number, host: string): Promise<AuthForEmulator & { printed: Record<string, string> }> {
  const a = await authFor(provider, { accessTtlMs: ttlMs, host });
  const t = a.server.preConsented(a.clientId, a.server.flavor === 'microsoft' ? 'Files.ReadWrite offline_access' : '');
  return {
    ...a,
    printed: {
      authorizeUrl: a.server.authorizeUrl, tokenUrl: a.server.tokenUrl,
      ...(a.server.flavor === 'microsoft' ? { deviceUrl: a.server.deviceUrl } : {}),
      clientId: a.clientId, ...(a.clientSecret ? { clientSecret: a.clientSecret } : {}),
      accessToken: t.access_token, refreshToken: t.refresh_token,
    },
  };
}
