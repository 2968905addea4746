// Runs one provider emulator in discard mode in its own process, so that the client under test
// never shares an event loop (or a core's time slices) with the server. Prints one JSON line
// {url, origin, token, options} and serves until SIGTERM or until its parent closes stdin.
import { emulatorOrigin } from '../../app/emulators/registry.js';
import { benchEntry } from './providers.js';

const [id, extraJson] = process.argv.slice(2);
const entry = benchEntry(id ?? '');
const extra = JSON.parse(extraJson ?? '{}') as Record<string, unknown>;
// A long idle bound: a slow client on a loaded machine must never be cut mid-run by the server.
const emu = await entry.emulate({ discard: true, port: 0, idleTimeoutMs: 300_000, ...extra });
const ep = entry.endpointFor(emu);
process.stdout.write(`${JSON.stringify({ url: ep.url, origin: emulatorOrigin(emu), token: emu.token, options: ep.options })}\n`);

const stop = (): void => {
  void emu.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
