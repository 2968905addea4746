// Issue 11, item 6, the pure part: whether a saved session may be followed to the target's URL.
import { describe, expect, it } from 'vitest';
import { sameEndpoint } from '../../app/engine/session-endpoint.js';

const session = (ref: unknown, endpoint?: string) => ({ ref: ref as never, chunkSize: 1, createdAt: 0, ...(endpoint ? { endpoint } : {}) });

describe('sameEndpoint', () => {
  it('follows a session only to the URL it was made against', () => {
    expect(sameEndpoint(session({}, 'http://127.0.0.1:4000'), 'http://127.0.0.1:4000')).toBe(true);
    expect(sameEndpoint(session({}, 'http://127.0.0.1:4000'), 'http://127.0.0.1:4001')).toBe(false);
  });

  it('older records (no endpoint): a loopback session URL must be on the target\'s origin; remote upload hosts stay allowed', () => {
    const ucloud = { endpoint: 'http://127.0.0.1:4000/ucloud/emulator/chunked/upload', token: 'x' };
    expect(sameEndpoint(session(ucloud), 'http://127.0.0.1:4000')).toBe(true);
    expect(sameEndpoint(session(ucloud), 'http://127.0.0.1:5123')).toBe(false);
    // Graph hands out upload URLs on another host than the API: not a move.
    expect(sameEndpoint(session({ uploadUrl: 'https://tenant.sharepoint.com/up?tempauth=x' }), 'https://graph.microsoft.com/v1.0')).toBe(true);
  });
});
