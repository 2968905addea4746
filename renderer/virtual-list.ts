// A virtualized list: only the rows in view (plus a few) exist in the DOM, positioned with
// transforms inside a spacer as tall as the whole list. Rendering is batched into one
// animation frame however many updates arrive in between.
import { h } from './dom.js';

export interface RowPool<R extends { el: HTMLElement }> {
  create(): R;
  bind(row: R, index: number): void;
}

export class VirtualList<R extends { el: HTMLElement }> {
  readonly el: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly pool: R[] = [];
  private count = 0;
  private frame = 0;
  /** Called after each render, with the frame's timestamp (the UI benchmark listens here). */
  onRendered: ((t: number) => void) | undefined;

  constructor(private readonly rowHeight: number, private readonly rows: RowPool<R>, label: string) {
    this.spacer = h('div', { class: 'spacer', role: 'list', 'aria-label': label });
    this.el = h('div', { class: 'vlist', tabindex: -1 }, this.spacer);
    this.el.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(this.el);
  }

  setCount(n: number): void {
    if (n !== this.count) {
      this.count = n;
      this.spacer.style.height = `${n * this.rowHeight}px`;
    }
    this.schedule();
  }

  schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame((t) => { this.frame = 0; this.render(); this.onRendered?.(t); });
  }

  /** Renders now (tests and the first paint). */
  render(): void {
    const top = this.el.scrollTop;
    const height = this.el.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / this.rowHeight) - 4);
    const last = Math.min(this.count, Math.ceil((top + height) / this.rowHeight) + 4);
    const need = Math.max(0, last - first);
    while (this.pool.length < need) {
      const r = this.rows.create();
      this.pool.push(r);
      this.spacer.append(r.el);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const r = this.pool[k]!;
      if (k >= need) {
        if (!r.el.hidden) r.el.hidden = true;
        continue;
      }
      const i = first + k;
      if (r.el.hidden) r.el.hidden = false;
      r.el.style.transform = `translateY(${i * this.rowHeight}px)`;
      this.rows.bind(r, i);
    }
  }
}
