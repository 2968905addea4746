// Serves the renderer build from app://ferry/ instead of file:// (file:// pages get broad
// file-system origins; a standard secure scheme gets a real origin and CSP 'self').
import { protocol } from 'electron';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { assetName, contentType, RENDERER_CSP } from './renderer-assets.js';
import { APP_HOST, APP_SCHEME } from './window-options.js';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function serveRenderer(dir: string): void {
  protocol.handle(APP_SCHEME, async (req) => {
    const url = new URL(req.url);
    const name = url.host === APP_HOST ? assetName(url.pathname) : undefined;
    const data = name ? await fsp.readFile(join(dir, name)).catch(() => undefined) : undefined;
    if (!name || !data) return new Response('not found', { status: 404 });
    return new Response(data, {
      headers: { 'content-type': contentType(name)!, 'content-security-policy': RENDERER_CSP, 'x-content-type-options': 'nosniff' },
    });
  });
}
