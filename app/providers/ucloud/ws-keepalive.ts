// Keeps a held WEBSOCKET_V2 connection from looking dead. While the bandwidth limit holds an
// upload (a closed upload window can last hours, between chunks or in the middle of one), the
// socket carries nothing; im2's server sets no read deadline (server.go), but proxies and NAT in
// front of it drop a quiet connection, and a new connection restarts the file from byte 0 (README).
// im2's own client sends "ping" every 15 s whatever it is doing (`client.go`, `attemptToSendPing`,
// every chunkIoDeadline / 2). Ferry sends a WebSocket ping control frame instead of the text
// "ping": a control frame may come between the fragments of a message (RFC 6455 §5.4), so it is
// legal while a Chunk is half sent, and gorilla/websocket's default ping handler answers it with a
// pong from inside ReadMessage (gorilla `conn.go`, SetPingHandler; im2 sets no handler).
import type { Clock } from '../../engine/ports.js';

/** Quiet this long, the socket sends a ping (im2's client: every 15 s). */
export const KEEPALIVE_MS = 15_000;

/**
 * Until `stop` fires: whenever nothing has moved (`movedAt`) and no ping was sent for
 * KEEPALIVE_MS, calls `ping`. Timed on the clock; a socket that carries data never pings.
 */
export async function keepAlive(clock: Clock, movedAt: () => number, ping: () => void, stop: AbortSignal): Promise<void> {
  let pingedAt = -Infinity;
  while (!stop.aborted) {
    const now = clock.now();
    const quiet = now - Math.max(movedAt(), pingedAt);
    if (quiet >= KEEPALIVE_MS) {
      pingedAt = now;
      try {
        ping();
      } catch {
        /* not open: closing, which ends the keepalive */
      }
      continue;
    }
    // A fresh signal per sleep: listeners a clock leaves behind go with it, not onto `stop`.
    await clock.sleep(KEEPALIVE_MS - quiet, AbortSignal.any([stop])).catch(() => undefined);
  }
}
