// The fake S3's own origin. Synapse's presigned part URLs are S3's (or Google Cloud Storage's):
// the server signs them with the storage client for the bucket and key, so a client PUTs its
// parts to another host than the Synapse API's (README "Presigned part URLs: another origin").
// Requests reaching this port are handed to the emulator host's own listener, so statistics, the
// request log and scripted faults cover them; only the S3 paths answer here.
import type { Server } from 'node:http';
import type { resolveEmulatorOptions } from '../kit/emulator-host.js';
import { startSecondOrigin, type SecondOrigin } from '../kit/second-origin.js';
import { S3_PREFIX } from './emulator-s3.js';

export type S3Origin = SecondOrigin;

export async function startS3Origin(api: Server, opts: ReturnType<typeof resolveEmulatorOptions>): Promise<S3Origin> {
  return startSecondOrigin(api, opts, 0, (req, res) => {
    if ((req.url ?? '').startsWith(S3_PREFIX)) return true;
    req.resume();
    const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>';
    res.writeHead(404, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return false;
  });
}
