// Short messages for the user in a polite live region: results of actions and errors in words.
import type { ErrorInfo } from '../app/common/errors.js';
import { explainError, type ErrorWords } from '../app/common/error-words.js';
import { h } from './dom.js';
import { errorBlock } from './error-view.js';

export class Notices {
  readonly el = h('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });

  show(message: string, level: 'info' | 'error' = 'info'): void {
    this.add(h('span', { text: message }), level);
  }

  /** An error in words (what happened, what to do) with its technical text behind a disclosure. */
  error(title: string, e: ErrorInfo | ErrorWords): void {
    this.add(errorBlock('code' in e ? explainError(e) : e, title), 'error');
  }

  private add(body: HTMLElement, level: 'info' | 'error'): void {
    const close = h('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss', text: '×' });
    const n = h('div', { class: `notice notice-${level}` }, body, close);
    close.addEventListener('click', () => n.remove());
    this.el.append(n);
    // Errors stay until dismissed; information fades on its own.
    if (level === 'info') setTimeout(() => n.remove(), 6_000);
    while (this.el.children.length > 5) this.el.firstElementChild?.remove();
  }
}
