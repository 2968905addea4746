// Whether a saved upload session may be resumed against the target's current URL. A session
// is followed only to the address it was made against: after the sandbox comes back on another
// port, whatever took the old port must never receive chunks or the session's upload token.
import type { JournalSession } from './journal.js';

/**
 * A session recorded with its endpoint must match it exactly. Older records carry none: their
 * loopback session URLs (the sandbox) must at least be on the target's own origin.
 */
export function sameEndpoint(s: JournalSession, endpoint: string): boolean {
  if (s.endpoint !== undefined) return s.endpoint === endpoint;
  let origin: string;
  try { origin = new URL(endpoint).origin; } catch { return true; }
  const loopback = (u: URL) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(u.hostname);
  const urls = JSON.stringify(s.ref).match(/https?:\/\/[^"\s]+/g) ?? [];
  return urls.every((u) => { try { const x = new URL(u); return !loopback(x) || x.origin === origin; } catch { return true; } });
}

