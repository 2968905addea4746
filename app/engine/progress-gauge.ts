// What the progress bar shows of one transfer: confirmed bytes plus the furthest in-flight byte,
// never lower while the transfer runs. A chunk resent after a dropped connection reports its bytes
// again from its start; showing those would move the bar back (1 → 27 → 20 %). The bar goes down
// only on a real loss: the server confirms less than it had (a new session, a server that lost data).

export interface Gauge {
  /** Shown bytes (TransferView.transferred). */
  transferred: number;
  /** The last offset the server confirmed. */
  confirmed: number;
}

/** Applies one report: `confirmed` when the server said so, else bytes handed to the network. */
export function report(g: Gauge, bytes: number, confirmed: boolean): void {
  if (confirmed) {
    g.transferred = bytes < g.confirmed ? bytes : Math.max(g.transferred, bytes);
    g.confirmed = bytes;
  } else {
    g.transferred = Math.max(g.transferred, bytes);
  }
}
