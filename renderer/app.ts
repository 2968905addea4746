// The window: header with the drop target selector and bulk actions, tabs for the queue, the
// history, targets and watched folders, a drop overlay and notices. Talks only to a Bridge.
import type { AppInfo, Bridge, TargetSummary, TransfersDelta } from '../app/common/api.js';
import { formatBytes } from '../app/common/transfer.js';
import { addPaths, filesOfDrop, filesOfInput, isHttp, stageAndAdd, type PickedFile } from './add-files.js';
import { h, setText } from './dom.js';
import { foldersPanel } from './folders-panel.js';
import { formatSpeed, type Tab } from './format.js';
import { Notices } from './notices.js';
import { createQueueRow, type QueueRow } from './queue-row.js';
import { targetsPanel } from './targets-panel.js';
import { TransferStore } from './transfer-store.js';
import { VirtualList } from './virtual-list.js';

export const ROW_HEIGHT = 64;

export interface FerryApp {
  store: TransferStore;
  lists: Record<Tab, VirtualList<QueueRow>>;
  /** Applies a delta as the event stream does (the UI benchmark drives this directly). */
  apply(d: TransfersDelta): void;
}

export function startApp(bridge: Bridge, info: AppInfo, root: HTMLElement, pathForFile?: (f: File) => string): FerryApp {
  const notices = new Notices();
  const store = new TransferStore();
  let targets: TargetSummary[] = [];
  const targetName = (id: string) => targets.find((t) => t.id === id)?.name ?? id;

  const makeList = (tab: Tab, label: string) => {
    const list: VirtualList<QueueRow> = new VirtualList(ROW_HEIGHT, {
      create: createQueueRow,
      bind: (row, i) => {
        const ids = store.ids(tab);
        const v = store.rows.get(ids[i]!);
        if (v) row.bind(v, targetName(v.targetId), i + 1, ids.length);
      },
    }, label);
    list.el.addEventListener('click', (ev) => {
      const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-act]');
      const id = btn?.closest<HTMLElement>('.row')?.dataset.id;
      if (!btn || !id) return;
      const act = btn.dataset.act as 'pause' | 'resume' | 'cancel' | 'retry';
      void bridge.invoke(`transfers:${act}`, { id }).then((r) => {
        if (!r.ok) notices.show(r.error.message, 'error');
      });
    });
    return list;
  };
  const lists: Record<Tab, VirtualList<QueueRow>> = { queue: makeList('queue', 'Transfer queue'), history: makeList('history', 'Finished and failed transfers') };

  // Header: where drops go, and actions on everything at once.
  const targetSelect = h('select', { id: 'target-select', 'aria-label': 'Upload to' });
  targetSelect.addEventListener('change', () => localStorage.setItem('ferry.target', targetSelect.value));
  const button = (id: string, text: string, onClick: () => void) => {
    const b = h('button', { type: 'button', id, text });
    b.addEventListener('click', onClick);
    return b;
  };
  const summary = h('span', { class: 'summary', role: 'status' });
  const fileInput = h('input', { type: 'file', id: 'file-input', multiple: true, class: 'visually-hidden', tabindex: -1, 'aria-hidden': 'true' });
  const folderInput = h('input', { type: 'file', id: 'folder-input', webkitdirectory: true, class: 'visually-hidden', tabindex: -1, 'aria-hidden': 'true' });
  const simple = (channel: 'transfers:pauseAll' | 'transfers:resumeAll' | 'transfers:clearFinished') => () =>
    void bridge.invoke(channel, null).then((r) => { if (!r.ok) notices.show(r.error.message, 'error'); });

  const report = (r: Awaited<ReturnType<typeof addPaths>>) => {
    if (!r.ok) return notices.show(`Not added: ${r.error.message}`, 'error');
    const { added, skipped } = r.value;
    notices.show(added.length === 1 ? `Added ${added[0]!.name}` : `Added ${added.length} files`);
    // Files left out (credentials, Ferry's own state, links) are named, never dropped silently.
    if (skipped.length > 0) {
      const first = skipped.slice(0, 3).map((s) => `${s.path} (${s.reason})`).join('; ');
      notices.show(`Left out ${skipped.length}: ${first}${skipped.length > 3 ? '; …' : ''}`, 'error');
    }
    showTab('queue');
  };
  const addPicked = async (files: PickedFile[]) => {
    if (files.length === 0) return;
    if (!targetSelect.value) return notices.show('Add a target first (Targets tab)', 'error');
    if (isHttp(bridge)) {
      report(await stageAndAdd(bridge, targetSelect.value, files, (done, total) => {
        if (total > 1 && done < total) setText(summary, `Sending files to the host… ${done}/${total}`);
      }));
    } else {
      report(await addPaths(bridge, targetSelect.value, files.map((f) => pathForFile?.(f.file) ?? '').filter((p) => p !== '')));
    }
  };
  const pick = (folders: boolean) => async () => {
    if (!info.nativeDialog) return (folders ? folderInput : fileInput).click();
    const r = await bridge.invoke('dialog:pick', { folders });
    if (r.ok && r.value.length > 0) report(await addPaths(bridge, targetSelect.value, r.value));
  };
  for (const input of [fileInput, folderInput]) {
    input.addEventListener('change', () => {
      const files = filesOfInput(input);
      input.value = '';
      void addPicked(files);
    });
  }

  // Tabs.
  const panels: Record<string, HTMLElement> = {};
  const tabButtons: Record<string, HTMLButtonElement> = {};
  const tPanel = targetsPanel(bridge, notices);
  const fPanel = foldersPanel(bridge, info, notices);
  const historyBar = h('div', { class: 'panel-bar' }, button('clear-finished', 'Clear finished', simple('transfers:clearFinished')));
  const content: Record<string, HTMLElement> = {
    queue: lists.queue.el,
    history: h('div', { class: 'stack' }, historyBar, lists.history.el),
    targets: tPanel.el,
    folders: fPanel.el,
  };
  const tabNames: Record<string, string> = { queue: 'Queue', history: 'History', targets: 'Targets', folders: 'Watched folders' };
  const tablist = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'Views' });
  for (const key of Object.keys(content)) {
    const b = h('button', { type: 'button', role: 'tab', id: `tab-${key}`, 'aria-controls': `panel-${key}`, text: tabNames[key]! });
    b.addEventListener('click', () => showTab(key));
    tabButtons[key] = b;
    tablist.append(b);
    panels[key] = h('div', { class: 'panel', role: 'tabpanel', id: `panel-${key}`, 'aria-labelledby': `tab-${key}` }, content[key]!);
  }
  tablist.addEventListener('keydown', (ev) => {
    const keys = Object.keys(content);
    const at = keys.findIndex((k) => tabButtons[k] === document.activeElement);
    if (at < 0 || (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft')) return;
    const next = keys[(at + (ev.key === 'ArrowRight' ? 1 : keys.length - 1)) % keys.length]!;
    showTab(next);
    tabButtons[next]!.focus();
  });
  function showTab(key: string) {
    for (const k of Object.keys(content)) {
      const on = k === key;
      panels[k]!.hidden = !on;
      tabButtons[k]!.setAttribute('aria-selected', String(on));
      tabButtons[k]!.tabIndex = on ? 0 : -1;
    }
    if (key === 'queue' || key === 'history') lists[key].setCount(store.ids(key).length);
  }

  const banner = h('div', { class: 'banner', role: 'alert', hidden: !info.warning, text: info.warning ?? '' });
  const offline = h('div', { class: 'banner', role: 'alert', hidden: true, text: 'Lost the connection to the Ferry host; reconnecting…' });
  const overlay = h('div', { class: 'drop-overlay', hidden: true }, h('div', { class: 'drop-box', id: 'drop-label' }));
  root.replaceChildren(
    h('header', { class: 'top' },
      h('h1', { text: 'Ferry' }),
      h('label', { class: 'inline' }, h('span', { text: 'Upload to' }), targetSelect),
      button('add-files', 'Add files…', () => void pick(false)()),
      button('add-folder', 'Add folder…', () => void pick(true)()),
      button('pause-all', 'Pause all', simple('transfers:pauseAll')),
      button('resume-all', 'Resume all', simple('transfers:resumeAll')),
      summary, fileInput, folderInput),
    banner, offline, tablist, ...Object.values(panels), overlay, notices.el,
  );
  showTab('queue');

  // Drag and drop anywhere on the window.
  let depth = 0;
  const showOverlay = (on: boolean) => {
    overlay.hidden = !on;
    setText(overlay.firstElementChild as HTMLElement, `Drop to upload to ${targetName(targetSelect.value) || '…'}`);
  };
  window.addEventListener('dragenter', (e) => { if (e.dataTransfer?.types.includes('Files')) { depth++; showOverlay(true); } });
  window.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; showOverlay(false); } });
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    showOverlay(false);
    if (!e.dataTransfer) return;
    const dt = e.dataTransfer;
    void (isHttp(bridge) ? filesOfDrop(dt) : Promise.resolve([...dt.files].map((file) => ({ file, rel: file.name })))).then(addPicked);
  });

  const refreshCounts = () => {
    const q = store.ids('queue').length;
    const hist = store.ids('history').length;
    setText(tabButtons.queue!, `Queue (${q})`);
    setText(tabButtons.history!, `History (${hist})`);
    lists.queue.setCount(q);
    lists.history.setCount(hist);
    const t = store.totals();
    const parts = t.active > 0 ? [`${t.active} active · ${formatSpeed(t.speed) || `${formatBytes(0)}/s`}`] : [];
    if (t.paused) parts.push(`${t.paused} paused`);
    if (t.failed) parts.push(`${t.failed} failed`);
    setText(summary, parts.length ? parts.join(' · ') : 'Idle');
  };
  const apply = (d: TransfersDelta) => {
    store.apply(d);
    refreshCounts();
  };
  const setTargets = (t: TargetSummary[]) => {
    targets = t;
    const keep = targetSelect.value || localStorage.getItem('ferry.target') || '';
    targetSelect.replaceChildren(...t.map((x) => h('option', { value: x.id, text: x.sandbox && !/sandbox/i.test(x.name) ? `${x.name} (sandbox)` : x.name })));
    targetSelect.value = t.some((x) => x.id === keep) ? keep : (t.find((x) => !x.sandbox) ?? t[0])?.id ?? '';
    tPanel.update(t);
    fPanel.setTargets(t);
    lists.queue.schedule();
    lists.history.schedule();
  };

  bridge.on('transfers:changed', apply);
  bridge.on('targets:changed', setTargets);
  bridge.on('folders:changed', fPanel.update);
  if (isHttp(bridge)) bridge.onConnection((up) => { offline.hidden = up; });
  // The host's event stream opens with the full list; over IPC, events sent before this
  // listener existed are gone, so start from the list and follow deltas from there.
  else void bridge.invoke('transfers:list', null).then((r) => r.ok && apply({ reset: true, upsert: r.value, remove: [] }));
  void bridge.invoke('targets:list', null).then((r) => (r.ok ? setTargets(r.value) : notices.show(r.error.message, 'error')));
  void bridge.invoke('folders:list', null).then((r) => r.ok && fPanel.update(r.value));
  return { store, lists, apply };
}
