// Bytes per second over a sliding window, from (time, bytes) samples.
const WINDOW_MS = 5_000;

export class SpeedMeter {
  private samples: [number, number][] = [];

  add(now: number, bytes: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && now - last[0] < 100) {
      last[1] = bytes;
      return;
    }
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[0]![0] > WINDOW_MS) this.samples.shift();
  }

  rate(now: number): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last === first || now - last[0] > 3_000) return 0;
    const dt = (last[0] - first[0]) / 1000;
    return dt > 0 ? Math.max(0, (last[1] - first[1]) / dt) : 0;
  }

  reset(): void {
    this.samples = [];
  }
}
