// Errors in words for people: what happened and what to do, from a FerryError code. The wire
// text (`message`) stays available as the technical detail, one click away in the window and
// under `--verbose`-style detail lines in the CLI. Pure, shared by the renderer and the CLI.
import type { ErrorInfo, FerryErrorCode } from './errors.js';
import type { ProviderId } from './transfer.js';

export interface ErrorWords {
  /** One sentence: what happened. */
  summary: string;
  /** One sentence: what the user can do about it. */
  advice: string;
  /** The technical text (already redacted by whoever made it), for a details disclosure. */
  detail: string;
}

const WORDS: Record<FerryErrorCode, { summary: string; advice: string }> = {
  'file-missing': { summary: 'The file is no longer where it was added from.', advice: 'Put it back (or reconnect its drive) and press Retry, or cancel this upload.' },
  'file-not-regular': { summary: 'This is not a regular file (a device, pipe or socket).', advice: 'Add an ordinary file or a folder instead.' },
  'file-unreadable': { summary: 'Ferry is not allowed to read this file.', advice: 'Check the file’s permissions, then press Retry.' },
  'file-changed': { summary: 'The file changed while it was being uploaded.', advice: 'Wait until whatever writes it has finished, then press Retry to upload the new version.' },
  'file-short': { summary: 'The file got shorter while it was being uploaded.', advice: 'Wait until whatever writes it has finished, then press Retry.' },
  network: { summary: 'Could not reach the server.', advice: 'Check the network connection and the account’s address; Ferry retries by itself.' },
  stalled: { summary: 'The connection stopped moving data.', advice: 'Ferry retries by itself; if it keeps happening, check the network.' },
  'server-error': { summary: 'The server had a problem on its side.', advice: 'Ferry retries by itself; if it keeps failing, try again later.' },
  'rate-limited': { summary: 'The server asked Ferry to slow down.', advice: 'Nothing to do: Ferry waits as long as the server asks and carries on.' },
  'offset-mismatch': { summary: 'The server and Ferry disagreed about how much was already uploaded.', advice: 'Press Retry: Ferry asks the server where to continue.' },
  'session-gone': { summary: 'The server no longer has the unfinished upload (it expired or was removed).', advice: 'Press Retry to start this file again from the beginning.' },
  'needs-sign-in': { summary: 'The account needs you to sign in again (its sign-in was revoked or has expired).', advice: 'Sign in again (ferry remote reconnect NAME, or Accounts in the window): the upload then continues where it stopped.' },
  auth: { summary: 'The account’s sign-in was refused or has expired.', advice: 'Sign in to the account again (Accounts), then press Retry.' },
  rejected: { summary: 'The server refused this upload.', advice: 'Check the destination folder and the account’s permissions; the details say why.' },
  'name-conflict': { summary: 'A file with this name already exists at the destination.', advice: 'Rename the file, or set the account to replace or rename existing files, then press Retry.' },
  quota: { summary: 'The account has no space left.', advice: 'Free some space in the account (or choose another one), then press Retry.' },
  integrity: { summary: 'The uploaded copy did not match the file (checksum mismatch).', advice: 'Press Retry to upload it again; if it happens again, copy the diagnostics into a bug report.' },
  protocol: { summary: 'The server answered in a way Ferry did not expect.', advice: 'Check the account’s address points at the right service; copy the diagnostics into a bug report if it does.' },
  'disk-full': { summary: 'This computer’s disk is full.', advice: 'Free some disk space, then press Retry.' },
  'journal-corrupt': { summary: 'Part of Ferry’s saved state was damaged and set aside.', advice: 'Add the file again; copy the diagnostics into a bug report if it happens again.' },
  'in-use': { summary: 'Another Ferry window or command is already working on this.', advice: 'Close the other Ferry (or wait for it to finish) and try again.' },
  'bad-input': { summary: 'Ferry could not use what was given.', advice: 'Correct it and try again; the details say which part.' },
  cancelled: { summary: 'The upload was cancelled.', advice: 'Add the file again to upload it.' },
  paused: { summary: 'The upload is paused.', advice: 'Press Resume to continue.' },
  internal: { summary: 'Something went wrong inside Ferry.', advice: 'Press Retry; if it happens again, copy the diagnostics into a bug report.' },
};

/** The request prefix of a validation message (`targets:add: request.url must …`) in words. */
function plainBadInput(message: string): string {
  const m = /^[a-z]+:[a-zA-Z]+: request\.([\w.[\]]+) (.+)$/.exec(message);
  if (!m) return message;
  const field = FIELD_NAMES[m[1]!] ?? m[1]!.replace(/[.[\]]+/g, ' ').trim();
  const rest = m[2]!.replace('must be an http(s) URL', 'must start with http:// or https://');
  return `${field.charAt(0).toUpperCase()}${field.slice(1)} ${rest}.`;
}

const FIELD_NAMES: Record<string, string> = {
  url: 'the address', name: 'the name', token: 'the token', remoteRoot: 'the remote folder', localPath: 'the local folder',
  remoteDir: 'the remote folder', targetId: 'the account', paths: 'the list of files', provider: 'the provider',
};

/** What happened and what to do, for an error a transfer or a command ended with. */
export function explainError(e: ErrorInfo): ErrorWords {
  const w = WORDS[e.code] ?? WORDS.internal;
  if (e.code === 'bad-input') {
    // A validation message names the thing and the cause already: it is the summary.
    return { summary: plainBadInput(e.message), advice: w.advice, detail: e.message };
  }
  if (e.code === 'auth' && e.status === 403) {
    return { summary: 'The account is signed in but not allowed to upload here.', advice: 'Choose a folder the account may write to, or ask its owner for access.', detail: e.message };
  }
  return { summary: w.summary, advice: w.advice, detail: e.message };
}

/** A connection-test failure ("Could not reach 127.0.0.1:9: TypeError") in words. */
export function explainUnreachable(detail: string): ErrorWords {
  const host = /reach ([^\s:]+(?::\d+)?)/.exec(detail)?.[1];
  if (/refused the token/.test(detail)) {
    return { summary: 'The server refused the sign-in.', advice: 'Sign in to the account again.', detail };
  }
  return {
    summary: host ? `Could not reach ${host}.` : 'Could not reach the server.',
    advice: 'Check the address and that the service is running, and that this computer is online.',
    detail,
  };
}

/** Provider names as people know them. */
export const PROVIDER_NAMES: Record<ProviderId, string> = {
  box: 'Box', onedrive: 'OneDrive', synapse: 'Synapse', redivis: 'Redivis', ucloud: 'UCloud', tus: 'tus',
};

export function providerName(id: string): string {
  return (PROVIDER_NAMES as Record<string, string>)[id] ?? id;
}
