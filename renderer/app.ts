// The window: header with where drops go, the add and bulk actions and the state of everything;
// tabs for the queue (failures stay here), the history, accounts, watched folders and settings;
// a drop overlay and notices. Talks only to a Bridge.
import type { AppInfo, Bridge, TargetSummary, TransfersDelta } from '../app/common/api.js';
import { explainError, providerName } from '../app/common/error-words.js';
import type { TransferView } from '../app/common/transfer.js';
import { formatBytes } from '../app/common/transfer.js';
import { addPaths, filesOfDrop, filesOfInput, isHttp, stageAndAdd, type PickedFile } from './add-files.js';
import { h, setHidden, setText } from './dom.js';
import { showErrorDialog } from './error-view.js';
import { foldersPanel } from './folders-panel.js';
import { cancelNeedsConfirm, headerSummary, type Tab } from './format.js';
import { Notices } from './notices.js';
import { queuePanel } from './queue-panel.js';
import { createQueueRow, type QueueRow } from './queue-row.js';
import { settingsPanel } from './settings-panel.js';
import { shortcutFor, type ShortcutAction } from './shortcuts.js';
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
  let confirmCancel: { id: string; timer: ReturnType<typeof setTimeout> } | undefined;
  /** The header's words while the browser copies files to the host. */
  let staging: string | undefined;

  const act = (action: 'pause' | 'resume' | 'cancel' | 'retry', v: TransferView) =>
    void bridge.invoke(`transfers:${action}`, { id: v.id }).then((r) => {
      if (!r.ok) notices.error(`Could not ${action} ${v.name}`, r.error);
    });
  const makeList = (tab: Tab, label: string) => {
    const list: VirtualList<QueueRow> = new VirtualList(ROW_HEIGHT, {
      create: createQueueRow,
      bind: (row, i) => {
        const ids = store.ids(tab);
        const v = store.rows.get(ids[i]!);
        if (v) row.bind(v, { targetName: targetName(v.targetId), now: Date.now(), confirmingCancel: confirmCancel?.id === v.id }, i + 1, ids.length);
      },
    }, label);
    list.el.addEventListener('click', (ev) => {
      const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-act]');
      const v = store.rows.get(btn?.closest<HTMLElement>('.row')?.dataset.id ?? '');
      if (!btn || !v) return;
      const action = btn.dataset.act as 'pause' | 'resume' | 'cancel' | 'retry' | 'details';
      if (action === 'details') {
        if (v.state.kind === 'failed') showErrorDialog(v.name, v.state.error, [{ label: 'Retry', run: () => act('retry', v) }]);
        return;
      }
      // Cancelling a large transfer throws work away: the first press asks, the second cancels.
      if (action === 'cancel' && cancelNeedsConfirm(v) && confirmCancel?.id !== v.id) {
        if (confirmCancel) clearTimeout(confirmCancel.timer);
        confirmCancel = { id: v.id, timer: setTimeout(() => { confirmCancel = undefined; list.schedule(); }, 6_000) };
        notices.show(`Press “Really cancel?” to cancel ${v.name} (${formatBytes(v.size)})${v.transferred > 0 ? `: the ${formatBytes(v.transferred)} already sent would be lost` : ''}.`);
        list.schedule();
        return;
      }
      if (action === 'cancel' && confirmCancel) {
        clearTimeout(confirmCancel.timer);
        confirmCancel = undefined;
      }
      act(action, v);
    });
    return list;
  };
  const lists: Record<Tab, VirtualList<QueueRow>> = { queue: makeList('queue', 'Transfer queue'), history: makeList('history', 'Finished transfers') };

  // Header: where drops go, and actions on everything at once.
  const targetSelect = h('select', { id: 'target-select', 'aria-label': 'Upload to' });
  const button = (id: string, text: string, onClick: () => void, keys?: string) => {
    const b = h('button', { type: 'button', id, text, ...(keys ? { 'aria-keyshortcuts': keys, title: `${text} (${keys.replace(/Control/g, 'Ctrl')})` } : {}) });
    b.addEventListener('click', onClick);
    return b;
  };
  const summary = h('span', { class: 'summary', role: 'status', id: 'summary' });
  const fileInput = h('input', { type: 'file', id: 'file-input', multiple: true, class: 'visually-hidden', tabindex: -1, 'aria-hidden': 'true' });
  const folderInput = h('input', { type: 'file', id: 'folder-input', webkitdirectory: true, class: 'visually-hidden', tabindex: -1, 'aria-hidden': 'true' });
  const simple = (channel: 'transfers:pauseAll' | 'transfers:resumeAll' | 'transfers:clearFinished') => () =>
    void bridge.invoke(channel, null).then((r) => { if (!r.ok) notices.error('That did not work', r.error); });

  const report = (r: Awaited<ReturnType<typeof addPaths>>) => {
    if (!r.ok) return notices.error('Not added', r.error);
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
    if (!targetSelect.value) return notices.show('Add an account first (Accounts tab)', 'error');
    if (isHttp(bridge)) {
      // A browser has no local paths: each file is copied to the host first. Show that copy.
      showTab('queue');
      const r = await stageAndAdd(bridge, targetSelect.value, files, (p) => {
        const what = p.totalFiles > 1 ? `${p.files + 1} of ${p.totalFiles}: ${p.current}` : p.current;
        const f = p.total > 0 ? p.sent / p.total : 1;
        queue.staging(p.current ? `Copying ${what} to the host… ${formatBytes(p.sent)} of ${formatBytes(p.total)}` : undefined, f);
        staging = p.current ? `Copying to the host… ${Math.floor(f * 100)}%` : undefined;
        refreshCounts();
      });
      queue.staging(undefined);
      staging = undefined;
      report(r);
      refreshCounts();
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
  const retryAll = () => {
    for (const id of store.failedIds()) {
      const v = store.rows.get(id);
      if (v) act('retry', v);
    }
  };

  // Tabs.
  const panels: Record<string, HTMLElement> = {};
  const tabButtons: Record<string, HTMLButtonElement> = {};
  const tPanel = targetsPanel(bridge, notices);
  const fPanel = foldersPanel(bridge, info, notices);
  const sPanel = settingsPanel(bridge, info, notices);
  const queue = queuePanel(lists.queue.el, { addFiles: () => void pick(false)(), addFolder: () => void pick(true)(), retryAll, showAccounts: () => showTab('targets') });
  const historyBar = h('div', { class: 'panel-bar' }, button('clear-finished', 'Clear finished', simple('transfers:clearFinished')));
  const historyEmpty = h('p', { class: 'empty-history muted', text: 'Uploads that finished or were cancelled appear here.' });
  const content: Record<string, HTMLElement> = {
    queue: queue.el,
    history: h('div', { class: 'stack' }, historyBar, historyEmpty, lists.history.el),
    targets: tPanel.el,
    folders: fPanel.el,
    settings: sPanel.el,
  };
  const tabNames: Record<string, string> = { queue: 'Queue', history: 'History', targets: 'Accounts', folders: 'Watched folders', settings: 'Settings' };
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
    if (key === 'settings') sPanel.refresh();
  }

  const banner = h('div', { class: 'banner', role: 'alert', hidden: !info.warning, text: info.warning ?? '' });
  const offline = h('div', { class: 'banner', role: 'alert', hidden: true, text: 'Lost the connection to the Ferry host; reconnecting…' });
  const overlay = h('div', { class: 'drop-overlay', hidden: true }, h('div', { class: 'drop-box', id: 'drop-label' }));
  const run: Record<ShortcutAction, () => void> = {
    addFiles: () => void pick(false)(), addFolder: () => void pick(true)(),
    pauseAll: simple('transfers:pauseAll'), resumeAll: simple('transfers:resumeAll'),
  };
  root.replaceChildren(
    h('header', { class: 'top' },
      h('h1', {}, h('img', { src: 'icon.svg', alt: '', width: 22, height: 22 }), 'Ferry'),
      h('label', { class: 'inline' }, h('span', { text: 'Upload to' }), targetSelect),
      h('div', { class: 'actions' },
        button('add-files', 'Add files…', run.addFiles, 'A Control+O'),
        button('add-folder', 'Add folder…', run.addFolder, 'Shift+A'),
        button('pause-all', 'Pause all', run.pauseAll, 'P'),
        button('resume-all', 'Resume all', run.resumeAll, 'R')),
      summary, fileInput, folderInput),
    banner, offline, tablist, ...Object.values(panels), overlay, notices.el,
  );
  showTab('queue');

  window.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement | null;
    const inField = !!t && (t.matches('input, select, textarea, [contenteditable]') || !!t.closest('dialog'));
    const action = shortcutFor({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, shiftKey: e.shiftKey, inField });
    if (!action) return;
    e.preventDefault();
    run[action]();
  });

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
    const t = store.totals();
    setText(tabButtons.queue!, t.failed ? `Queue (${q}, ${t.failed} failed)` : `Queue (${q})`);
    setText(tabButtons.history!, `History (${hist})`);
    lists.queue.setCount(q);
    lists.history.setCount(hist);
    queue.update(t, q);
    setText(summary, staging && headerSummary(t) === 'Idle' ? staging : headerSummary(t));
    setHidden(historyEmpty, hist > 0);
  };
  // Notifications for rows that just finished or failed; a reset (the first list, a reconnect)
  // only records what is there. Looks at the delta alone: cheap with 10,000 rows.
  const kinds = new Map<string, string>();
  const notifyChanges = (d: TransfersDelta) => {
    for (const v of d.upsert) {
      const before = kinds.get(v.id);
      kinds.set(v.id, v.state.kind);
      if (d.reset || before === undefined || before === v.state.kind) continue;
      if (v.state.kind === 'done') sPanel.notify(`Uploaded ${v.name}`, `${targetName(v.targetId)} ${v.remotePath}`);
      if (v.state.kind === 'failed') sPanel.notify(`${v.name} failed`, explainError(v.state.error).summary);
    }
    for (const id of d.remove) kinds.delete(id);
  };
  const apply = (d: TransfersDelta) => {
    store.apply(d);
    refreshCounts();
    notifyChanges(d);
  };
  // A waiting row's "retrying in Ns" counts down even when no event arrives.
  setInterval(() => { if (store.anyWaiting()) { lists.queue.schedule(); refreshCounts(); } }, 1_000);
  const setTargets = (t: TargetSummary[]) => {
    targets = t;
    const keep = targetSelect.value || localStorage.getItem('ferry.target') || '';
    targetSelect.replaceChildren(...t.map((x) => h('option', { value: x.id, text: x.sandbox ? (/sandbox/i.test(x.name) ? x.name : `${x.name} (sandbox)`) : `${x.name} · ${providerName(x.provider)}` })));
    targetSelect.value = t.some((x) => x.id === keep) ? keep : (t.find((x) => !x.sandbox) ?? t[0])?.id ?? '';
    queue.setTarget(t.find((x) => x.id === targetSelect.value));
    tPanel.update(t);
    fPanel.setTargets(t);
    lists.queue.schedule();
    lists.history.schedule();
  };
  targetSelect.addEventListener('change', () => {
    localStorage.setItem('ferry.target', targetSelect.value);
    queue.setTarget(targets.find((x) => x.id === targetSelect.value));
  });

  bridge.on('transfers:changed', apply);
  bridge.on('targets:changed', setTargets);
  bridge.on('folders:changed', fPanel.update);
  if (isHttp(bridge)) bridge.onConnection((up) => { offline.hidden = up; });
  // The host's event stream opens with the full list; over IPC, events sent before this
  // listener existed are gone, so start from the list and follow deltas from there.
  else void bridge.invoke('transfers:list', null).then((r) => r.ok && apply({ reset: true, upsert: r.value, remove: [] }));
  void bridge.invoke('targets:list', null).then((r) => (r.ok ? setTargets(r.value) : notices.error('Could not list the accounts', r.error)));
  void bridge.invoke('folders:list', null).then((r) => r.ok && fPanel.update(r.value));
  refreshCounts();
  return { store, lists, apply };
}
