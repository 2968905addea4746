// The other end of the WAN bench's "one TCP stream": an HTTP server that reads any PUT or POST
// body, throws the bytes away and answers 200 with how many it read. It runs in the emulators'
// place (same network namespace, same proxy in front), so curl crosses exactly Ferry's path.
// Prints one JSON line {host, port}; serves until SIGTERM or until its parent closes stdin.
import { createServer } from 'node:http';

const host = process.argv[2] ?? '127.0.0.1';
let total = 0;
const server = createServer((req, res) => {
  let n = 0;
  req.on('data', (b) => { n += b.length; });
  req.on('end', () => {
    total += n;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ bytes: n, total }));
  });
});
server.requestTimeout = 0;
server.listen(0, host, () => {
  process.stdout.write(`${JSON.stringify({ host, port: server.address().port })}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
