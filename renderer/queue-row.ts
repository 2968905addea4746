// One row of the transfer list. Rows are pooled by the virtual list and re-bound to whatever
// transfer scrolls into their slot; binding writes only the fields that changed.
import { explainError } from '../app/common/error-words.js';
import type { TransferView } from '../app/common/transfer.js';
import { formatBytes } from '../app/common/transfer.js';
import { h, setHidden, setText } from './dom.js';
import { actionsFor, eta, fraction, formatSpeed, percent, rowSpeed, stateWords } from './format.js';

export interface RowContext {
  targetName: string;
  now: number;
  /** This row's Cancel was pressed once and waits for the second press. */
  confirmingCancel: boolean;
}

export interface QueueRow {
  el: HTMLElement;
  bind(v: TransferView, ctx: RowContext, pos: number, total: number): void;
}

export function createQueueRow(): QueueRow {
  const name = h('span', { class: 'name' });
  const where = h('span', { class: 'where' });
  const size = h('span', { class: 'size' });
  const bar = h('div', { class: 'bar-fill' });
  const barWrap = h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, bar);
  const pct = h('span', { class: 'pct' });
  const speed = h('span', { class: 'speed' });
  const left = h('span', { class: 'eta' });
  const state = h('span', { class: 'state' });
  const error = h('span', { class: 'error' });
  const btn = (act: string, label: string) => h('button', { type: 'button', class: `act act-${act}`, 'data-act': act, text: label });
  const pause = btn('pause', 'Pause');
  const resume = btn('resume', 'Resume');
  const cancel = btn('cancel', 'Cancel');
  const retry = btn('retry', 'Retry');
  const details = btn('details', 'Details');
  const el = h('div', { class: 'row', role: 'listitem' },
    h('div', { class: 'col-main' }, name, where),
    size,
    h('div', { class: 'col-progress' }, barWrap, h('div', { class: 'nums' }, pct, speed, left)),
    h('div', { class: 'col-state' }, state, error),
    h('div', { class: 'col-actions' }, pause, resume, retry, details, cancel),
  );
  let last: TransferView | undefined;
  let lastWidth = -1;
  let lastConfirm = false;

  return {
    el,
    bind(v, ctx, pos, total) {
      el.setAttribute('aria-posinset', String(pos));
      el.setAttribute('aria-setsize', String(total));
      if (last !== undefined && last.id !== v.id) lastWidth = -1;
      if (last?.id !== v.id || lastConfirm !== ctx.confirmingCancel) {
        el.dataset.id = v.id;
        el.setAttribute('aria-label', v.name);
        for (const b of [pause, resume, retry, details]) b.setAttribute('aria-label', `${b.textContent} ${v.name}`);
        setText(cancel, ctx.confirmingCancel ? 'Really cancel?' : 'Cancel');
        cancel.classList.toggle('confirm', ctx.confirmingCancel);
        cancel.setAttribute('aria-label', ctx.confirmingCancel ? `Confirm cancel ${v.name}` : `Cancel ${v.name}`);
        lastConfirm = ctx.confirmingCancel;
      }
      last = v;
      el.dataset.state = v.state.kind;
      setText(name, v.name);
      name.title = v.localPath;
      setText(where, `→ ${ctx.targetName} ${v.remotePath}`);
      setText(size, formatBytes(v.size));
      const w = Math.round(fraction(v) * 1000) / 10;
      if (w !== lastWidth) {
        bar.style.transform = `scaleX(${w / 100})`;
        barWrap.setAttribute('aria-valuenow', String(Math.floor(w)));
        lastWidth = w;
      }
      setText(pct, percent(v));
      setText(speed, formatSpeed(rowSpeed(v)));
      setText(left, eta(v) ? `${eta(v)} left` : '');
      const words = stateWords(v, ctx.now);
      setText(state, words);
      // A failed row says what happened in words; the wire text is behind "Details".
      const err = v.state.kind === 'failed' ? explainError(v.state.error) : undefined;
      setText(error, err ? err.summary : '');
      const tip = err ? `${err.summary} ${err.advice}` : '';
      if (error.title !== tip) error.title = tip;
      if (state.title !== words) state.title = words;
      const a = actionsFor(v);
      setHidden(pause, !a.pause);
      setHidden(resume, !a.resume);
      setHidden(cancel, !a.cancel);
      setHidden(retry, !a.retry);
      setHidden(details, v.state.kind !== 'failed');
    },
  };
}
