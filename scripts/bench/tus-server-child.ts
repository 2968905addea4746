// A real @tus/server 2 + @tus/file-store 2 (a server nobody here wrote) in its own process, its
// store in a fresh temp dir on the same disk for every client measured. Prints {url}; on SIGTERM
// or when stdin closes, stops and removes the store.
import { startRealTusServer } from '../../test/helpers/tus-server.js';

const srv = await startRealTusServer();
process.stdout.write(`${JSON.stringify({ url: srv.url, dir: srv.dir })}\n`);
const stop = (): void => {
  void srv.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
