// Completes an upload whose chunks curl sent: the provider's own finish (Box commit with the
// whole-file SHA-1, Synapse complete + entity, Redivis finalize), from the hand-over of
// curl-prepare. Prints {ok, path} or {ok: false, error}; a failure means curl's run does not count.
import { UndiciHttp } from '../../app/node/http-transport.js';
import { makeProvider, type Prepared } from './curl-job.js';

const prep = JSON.parse(process.argv[2] ?? '{}') as Prepared;
const http = new UndiciHttp();
try {
  const p = makeProvider(prep.input, http);
  const r = await p.finish(prep.session, prep.job, prep.digests, new AbortController().signal);
  process.stdout.write(`${JSON.stringify({ ok: true, path: r.path, size: r.size ?? null })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: (e as Error).message })}\n`);
} finally {
  await http.close();
}
