// An error as people read it: what happened and what to do, with the technical text one click
// away in a details disclosure (app/common/error-words.ts decides the words).
import type { ErrorInfo } from '../app/common/errors.js';
import type { ErrorWords } from '../app/common/error-words.js';
import { explainError } from '../app/common/error-words.js';
import { h } from './dom.js';

export function errorBlock(w: ErrorWords, title?: string): HTMLElement {
  return h('div', { class: 'error-words' },
    h('strong', { class: 'error-summary', text: title ? `${title}: ${w.summary}` : w.summary }),
    h('span', { class: 'error-advice', text: w.advice }),
    h('details', { class: 'error-detail' }, h('summary', { text: 'Technical details' }), h('code', { text: w.detail })));
}

/** A modal with an error's words, for a row's "Details" button. */
export function showErrorDialog(name: string, e: ErrorInfo, actions: { label: string; run: () => void }[] = []): void {
  const close = h('button', { type: 'button', text: 'Close' });
  const buttons = actions.map((a) => {
    const b = h('button', { type: 'button', class: 'primary', text: a.label });
    b.addEventListener('click', () => { a.run(); dialog.close(); });
    return b;
  });
  const dialog = h('dialog', { class: 'error-dialog', 'aria-label': `Why ${name} failed` },
    h('h2', { text: name }), errorBlock(explainError(e)), h('div', { class: 'dialog-actions' }, ...buttons, close));
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
