// The engine's command loop: user commands, runner outcomes and shutdown run one at a time,
// in arrival order, so no two of them interleave on a transfer's state.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(command: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(command);
    // Keep the loop alive after a failed command; the caller still sees the rejection.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
