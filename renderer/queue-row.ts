// One row of the transfer list. Rows are pooled by the virtual list and re-bound to whatever
// transfer scrolls into their slot; binding writes only the fields that changed.
import type { TransferView } from '../app/common/transfer.js';
import { describeState, formatBytes } from '../app/common/transfer.js';
import { h, setHidden, setText } from './dom.js';
import { actionsFor, eta, fraction, formatSpeed, percent } from './format.js';

export interface QueueRow {
  el: HTMLElement;
  bind(v: TransferView, targetName: string, pos: number, total: number): void;
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
  const el = h('div', { class: 'row', role: 'listitem' },
    h('div', { class: 'col-main' }, name, where),
    size,
    h('div', { class: 'col-progress' }, barWrap, h('div', { class: 'nums' }, pct, speed, left)),
    h('div', { class: 'col-state' }, state, error),
    h('div', { class: 'col-actions' }, pause, resume, retry, cancel),
  );
  let last: TransferView | undefined;
  let lastWidth = -1;

  return {
    el,
    bind(v, targetName, pos, total) {
      el.setAttribute('aria-posinset', String(pos));
      el.setAttribute('aria-setsize', String(total));
      if (last !== undefined && last.id !== v.id) lastWidth = -1;
      if (last?.id !== v.id) {
        el.dataset.id = v.id;
        el.setAttribute('aria-label', v.name);
        for (const b of [pause, resume, cancel, retry]) b.setAttribute('aria-label', `${b.textContent} ${v.name}`);
      }
      last = v;
      el.dataset.state = v.state.kind;
      setText(name, v.name);
      name.title = v.localPath;
      setText(where, `→ ${targetName} ${v.remotePath}`);
      setText(size, formatBytes(v.size));
      const w = Math.round(fraction(v) * 1000) / 10;
      if (w !== lastWidth) {
        bar.style.transform = `scaleX(${w / 100})`;
        barWrap.setAttribute('aria-valuenow', String(Math.floor(w)));
        lastWidth = w;
      }
      setText(pct, percent(v));
      setText(speed, formatSpeed(v.speed));
      setText(left, eta(v) ? `${eta(v)} left` : '');
      const words = describeState(v.state);
      const err = v.state.kind === 'failed' || v.state.kind === 'waiting' ? v.state.error.message : '';
      // Failed rows show the error once, in its own field, rather than repeated in the state words.
      setText(state, v.state.kind === 'failed' ? 'Failed' : words);
      setText(error, err && v.state.kind === 'failed' ? err : '');
      // Long messages are cut to one line; the whole text is on hover and for screen readers.
      if (error.title !== error.textContent) error.title = error.textContent ?? '';
      if (state.title !== words) state.title = words;
      const a = actionsFor(v);
      setHidden(pause, !a.pause);
      setHidden(resume, !a.resume);
      setHidden(cancel, !a.cancel);
      setHidden(retry, !a.retry);
    },
  };
}
