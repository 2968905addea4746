// Box serves its API and its uploads on two hosts (developer.box.com guides/uploads, "Upload
// domain"): https://api.box.com/2.0/… and https://upload.box.com/api/2.0/…. The emulator does the
// same on two loopback ports, so a client that builds upload URLs from the API base meets 404s.
// The upload port hands its requests to the emulator host's own listener, so statistics, the
// request log and scripted faults cover both origins; `/_emulator/*` lives on the API origin only.
import type { IncomingMessage, Server } from 'node:http';
import type { resolveEmulatorOptions } from '../kit/emulator-host.js';
import { startSecondOrigin, type SecondOrigin } from '../kit/second-origin.js';
import { sendBoxError } from './emulator-reply.js';

export type Origin = 'api' | 'upload';

/** Requests that arrived on the upload port (the emulator host's listener serves both). */
const viaUpload = new WeakSet<IncomingMessage>();

export function originOf(req: IncomingMessage): Origin {
  return viaUpload.has(req) ? 'upload' : 'api';
}

export type UploadOrigin = SecondOrigin;

export async function startUploadOrigin(api: Server, opts: ReturnType<typeof resolveEmulatorOptions>, port: number): Promise<UploadOrigin> {
  return startSecondOrigin(api, opts, port, (req, res) => {
    if ((req.url ?? '').startsWith('/_emulator/')) {
      req.resume();
      sendBoxError(res, 404, 'not_found', 'Not Found');
      return false;
    }
    viaUpload.add(req);
    return true;
  });
}

/** The base a request's own Host names on loopback (a proxy in front stays in front), else the fallback. */
export function hostBase(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  return host && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host) ? `http://${host}` : fallback;
}
