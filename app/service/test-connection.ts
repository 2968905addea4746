// "Test connection" for a target. The provider port has no probe call, so this asks the
// target's base URL with its token and reads the answer: reachable, token refused, or not
// reachable. Protocol-specific probes (tus OPTIONS, Box /users/me) can replace it per provider.
import type { ConnectionCheck } from '../common/api.js';
import type { TargetConfig } from '../engine/engine-api.js';

export async function testConnection(t: TargetConfig, timeoutMs = 5_000): Promise<ConnectionCheck> {
  let host: string;
  try {
    host = new URL(t.url).host;
  } catch {
    return { ok: false, message: `${t.name}: the URL is not valid` };
  }
  try {
    // tus has a discovery call (OPTIONS → Tus-Version); elsewhere a GET of the base URL with the
    // token tells reachable from refused, though not every API checks a token on its base URL.
    const tus = t.provider === 'tus';
    const res = await fetch(t.url, {
      method: tus ? 'OPTIONS' : 'GET',
      headers: t.token ? { authorization: `Bearer ${t.token}` } : {},
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    if (res.status === 401 || res.status === 403) {
      return { ok: false, message: `${host} refused the token (HTTP ${res.status}); check or renew it` };
    }
    if (res.status >= 500) return { ok: false, message: `${host} answered with a server error (HTTP ${res.status})` };
    if (tus) {
      const version = res.headers.get('tus-version');
      return version?.split(',').map((v) => v.trim()).includes('1.0.0')
        ? { ok: true, message: `Reached the tus server at ${host} (tus 1.0.0${res.headers.get('tus-extension') ? `; ${res.headers.get('tus-extension')}` : ''})` }
        : { ok: false, message: `${host} answered, but not as a tus 1.0.0 server (no Tus-Version: 1.0.0)` };
    }
    return { ok: true, message: `Reached ${host}` };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    const why = cause === 'TimeoutError' ? `no answer within ${timeoutMs / 1000}s` : cause;
    return { ok: false, message: `Could not reach ${host}: ${why}` };
  }
}
