// SHA-256 of a file for the sync index, streamed with node:crypto (the fast path; see
// architecture.md). Only new and changed files are hashed, never the whole tree on a restart.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  const fd = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await fd.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fd.close();
  }
  return h.digest('hex');
}
