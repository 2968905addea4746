// The gate every IPC call passes: the sender must be the top frame of our own page, then the
// payload is validated by the service (app/common/api-validate.ts). Pure: unit-tested with
// forged senders and malformed payloads, no Electron needed.
import type { Result } from '../app/common/api.js';
import { isTrustedSender, type SenderInfo } from '../app/common/path-guard.js';
import type { FerryService } from '../app/service/ferry-service.js';
import { APP_ORIGIN } from './window-options.js';

export async function guardedInvoke(service: FerryService, sender: SenderInfo | null | undefined, channel: unknown, payload: unknown): Promise<Result<unknown>> {
  if (!isTrustedSender(sender, APP_ORIGIN)) {
    return { ok: false, error: { code: 'auth', message: `refused ${String(channel).slice(0, 60)}: the caller is not Ferry's own window (${sender?.url ?? 'no frame'})` } };
  }
  return service.dispatch(channel, payload);
}
