// The Queue tab: an overall progress bar with the time left for everything queued, a bar that
// keeps failures in view with "Retry all", the list, and, when nothing is queued, a drop zone
// that says what to do and which account files go to.
import { providerName } from '../app/common/error-words.js';
import type { TargetSummary } from '../app/common/api.js';
import { h, setHidden, setText } from './dom.js';
import { headerSummary, overallWords, type Totals } from './format.js';

export interface QueuePanel {
  el: HTMLElement;
  update(t: Totals, count: number): void;
  setTarget(t: TargetSummary | undefined): void;
  /** The browser copying files to the host before they can be queued. */
  staging(text: string | undefined, fraction?: number): void;
}

export function queuePanel(list: HTMLElement, actions: { addFiles(): void; addFolder(): void; retryAll(): void; showAccounts(): void }): QueuePanel {
  const fill = h('div', { class: 'bar-fill' });
  const bar = h('div', { class: 'bar overall-bar', role: 'progressbar', 'aria-label': 'Everything queued', 'aria-valuemin': 0, 'aria-valuemax': 100 }, fill);
  const words = h('span', { class: 'overall-words', id: 'overall-words' });
  const overall = h('div', { class: 'overall', hidden: true }, bar, words);
  const failedText = h('span', { class: 'failed-text' });
  const retryAll = h('button', { type: 'button', id: 'retry-all', text: 'Retry all' });
  retryAll.addEventListener('click', actions.retryAll);
  const failed = h('div', { class: 'failed-bar', role: 'alert', hidden: true }, failedText, retryAll);

  const addFiles = h('button', { type: 'button', class: 'primary', text: 'Add files…' });
  const addFolder = h('button', { type: 'button', text: 'Add folder…' });
  addFiles.addEventListener('click', actions.addFiles);
  addFolder.addEventListener('click', actions.addFolder);
  const dest = h('p', { class: 'empty-dest' });
  const accounts = h('button', { type: 'button', class: 'link', text: 'Accounts' });
  accounts.addEventListener('click', actions.showAccounts);
  const empty = h('div', { class: 'empty', id: 'empty-queue' },
    h('div', { class: 'empty-zone' },
      h('img', { src: 'icon.svg', alt: '', width: 56, height: 56 }),
      h('p', { class: 'empty-title', text: 'Drop files or folders here' }),
      h('p', { class: 'empty-or' }, 'or ', addFiles, ' ', addFolder),
      dest));
  const el = h('div', { class: 'stack' }, overall, failed, empty, list);

  let target: TargetSummary | undefined;
  const renderDest = () => {
    if (!target) dest.replaceChildren('Add an account first: ', accounts);
    else if (target.sandbox) dest.replaceChildren('They go to ', h('strong', { text: target.name }), `, folder ${target.remoteRoot}: a practice account that keeps files on this computer. Add a real one under `, accounts, '.');
    else dest.replaceChildren('They go to ', h('strong', { text: target.name }), ` (${providerName(target.provider)}, folder ${target.remoteRoot}). Change it under “Upload to”.`);
  };
  renderDest();
  let stagingText: string | undefined;
  let last: Totals | undefined;

  const show = (t: Totals, count: number) => {
    setHidden(empty, count > 0 || stagingText !== undefined);
    setHidden(list, count === 0);
    setHidden(failed, t.failed === 0);
    setText(failedText, t.failed === 1 ? '1 upload failed.' : `${t.failed} uploads failed.`);
    setText(retryAll, t.failed === 1 ? 'Retry' : 'Retry all');
    const busy = stagingText !== undefined || t.bytes > 0;
    setHidden(overall, !busy);
    if (stagingText === undefined && t.bytes > 0) {
      const f = t.sent / t.bytes;
      fill.style.transform = `scaleX(${f})`;
      bar.setAttribute('aria-valuenow', String(Math.floor(f * 100)));
      setText(words, `${overallWords(t)} · ${headerSummary(t)}`);
    }
  };
  return {
    el,
    update(t, count) {
      last = t;
      show(t, count);
    },
    setTarget(t) {
      target = t;
      renderDest();
    },
    staging(text, fraction) {
      stagingText = text;
      if (text !== undefined) {
        fill.style.transform = `scaleX(${fraction ?? 0})`;
        bar.setAttribute('aria-valuenow', String(Math.floor((fraction ?? 0) * 100)));
        setText(words, text);
      }
      if (last) show(last, list.hidden ? 0 : 1);
    },
  };
}
