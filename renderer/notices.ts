// Short messages for the user in a polite live region: results of actions and errors in words.
import { h } from './dom.js';

export class Notices {
  readonly el = h('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });

  show(message: string, level: 'info' | 'error' = 'info'): void {
    const close = h('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss', text: '×' });
    const n = h('div', { class: `notice notice-${level}` }, h('span', { text: message }), close);
    close.addEventListener('click', () => n.remove());
    this.el.append(n);
    // Errors stay until dismissed; information fades on its own.
    if (level === 'info') setTimeout(() => n.remove(), 6_000);
    while (this.el.children.length > 5) this.el.firstElementChild?.remove();
  }
}
