// Settings and diagnostics: what works today (notifications, where state lives, how tokens are
// kept), the keyboard shortcuts, the recent log, and "Copy diagnostics" for a bug report.
// The bandwidth limit (all transfers together, rclone's timetable syntax) changes while uploads run.
import type { AppInfo, Bridge, SettingsView } from '../app/common/api.js';
import { h, setText } from './dom.js';
import { limitNowWords } from './format.js';
import type { Notices } from './notices.js';
import { SHORTCUTS } from './shortcuts.js';

interface LogLine { t?: string; level?: string; msg?: string; [field: string]: unknown }

/** A log line's own words plus its fields (file, error, …) in one short line. */
function logText(l: LogLine): string {
  const extra = Object.entries(l).filter(([k, v]) => !['t', 'level', 'msg'].includes(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return extra.length ? `${l.msg ?? ''} — ${extra.join(', ')}` : l.msg ?? '';
}

const TOKEN_WORDS: Record<AppInfo['tokenStorage'], string> = {
  os: 'Encrypted with the operating system’s keychain',
  file: 'In a file only your user can read (headless host)',
  none: 'In plain text (no keychain was available)',
};

export function settingsPanel(bridge: Bridge, info: AppInfo, notices: Notices): { el: HTMLElement; refresh(): void; notify(title: string, body: string): void } {
  const notify = h('input', { type: 'checkbox', id: 'notify-toggle' });
  notify.checked = localStorage.getItem('ferry.notify') === 'on';
  const notifyState = h('span', { class: 'muted', id: 'notify-state' });
  const permission = () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  const showNotifyState = () => setText(notifyState, notify.checked && permission() === 'denied' ? 'Blocked by the browser: allow notifications for this page in its site settings.' : '');
  notify.addEventListener('change', () => {
    localStorage.setItem('ferry.notify', notify.checked ? 'on' : 'off');
    if (notify.checked && permission() === 'default') void Notification.requestPermission().then(showNotifyState);
    showNotifyState();
  });
  const stateFolder = h('code', { id: 'state-folder', text: '…' });
  const bw = h('input', { type: 'text', id: 'bwlimit-input', 'aria-label': 'Bandwidth limit', placeholder: 'off, 4M, or 08:00,512k 19:00,off', 'aria-describedby': 'bwlimit-state' });
  const bwState = h('span', { class: 'muted', id: 'bwlimit-state' });
  const showBw = (v: SettingsView) => {
    files.value = String(v.filesAtOnce);
    bw.value = v.bwlimit.spec;
    const now = limitNowWords(v.bwlimit);
    setText(bwState, v.bwlimit.until ? `${now}, until ${new Date(v.bwlimit.until).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' })}.` : `${now}.`);
  };
  const files = h('input', { type: 'number', id: 'files-at-once', min: '1', max: '16', 'aria-label': 'Files at once' });
  const filesState = h('span', { class: 'muted', id: 'files-at-once-state' });
  files.addEventListener('change', () => void bridge.invoke('settings:set', { filesAtOnce: Number(files.value) }).then((r) => {
    if (r.ok) { files.value = String(r.value.filesAtOnce); setText(filesState, ''); } else setText(filesState, r.error.message);
  }));
  const saveBw = h('button', { type: 'button', id: 'bwlimit-save', text: 'Set limit' });
  saveBw.addEventListener('click', () => void bridge.invoke('settings:set', { bwlimit: bw.value.trim() || 'off' }).then((r) => {
    if (r.ok) showBw(r.value);
    else setText(bwState, r.error.message);
  }));
  const row = (label: string, ...value: (Node | string)[]) => h('div', { class: 'setting' }, h('span', { class: 'setting-label', text: label }), h('span', { class: 'setting-value' }, ...value));

  const log = h('ol', { class: 'log', id: 'log-view', 'aria-label': 'Recent events' });
  const onlyProblems = h('input', { type: 'checkbox', id: 'log-problems' });
  let lines: LogLine[] = [];
  const renderLog = () => {
    const shown = lines.filter((l) => !onlyProblems.checked || l.level === 'warn' || l.level === 'error').slice(-100).reverse();
    log.replaceChildren(...(shown.length ? shown.map((l) => h('li', { class: `log-${l.level ?? 'info'}` },
      h('time', { text: l.t ? new Date(l.t).toLocaleTimeString([], { hour12: false }) : '' }), h('span', { class: 'log-level', text: l.level ?? '' }), h('span', { text: logText(l) })))
      : [h('li', { class: 'muted', text: 'Nothing logged yet.' })]));
  };
  onlyProblems.addEventListener('change', renderLog);

  const diagnostics = async (tests: boolean) => {
    const r = await bridge.invoke('app:diagnostics', { connectionTests: tests });
    if (!r.ok) {
      notices.error('Could not collect diagnostics', r.error);
      return undefined;
    }
    return r.value;
  };
  const refresh = () => void bridge.invoke('settings:get', null).then((r) => r.ok && showBw(r.value)).then(() => diagnostics(false)).then((d) => {
    if (!d) return;
    setText(stateFolder, d.stateFolder);
    try {
      lines = ((JSON.parse(d.text) as { log?: string[] }).log ?? []).map((l) => {
        try { return JSON.parse(l) as LogLine; } catch { return { msg: l }; }
      });
    } catch {
      lines = [];
    }
    renderLog();
  });
  const button = (id: string, text: string, run: () => void) => {
    const b = h('button', { type: 'button', id, text });
    b.addEventListener('click', run);
    return b;
  };
  const copy = button('copy-diagnostics', 'Copy diagnostics', () => {
    setText(copy, 'Collecting…');
    void diagnostics(true).then(async (d) => {
      setText(copy, 'Copy diagnostics');
      if (!d) return;
      try {
        await navigator.clipboard.writeText(d.text);
        notices.show('Diagnostics copied: paste them into the bug report. Tokens and signed URLs are removed.');
      } catch {
        download(d.text);
        notices.show('The clipboard is not available here, so the diagnostics were saved as a file instead.');
      }
    });
  });
  const save = button('save-diagnostics', 'Save diagnostics…', () => void diagnostics(true).then((d) => d && download(d.text)));
  const refreshButton = button('refresh-log', 'Refresh', refresh);

  const el = h('section', { class: 'panel-body settings' },
    h('div', { class: 'settings-col' },
      h('h2', { text: 'Settings' }),
      // The desktop app's main process already notifies (main/attention.ts); the browser needs asking.
      info.shell === 'desktop' ? row('Notifications', 'Ferry tells you when uploads finish or fail, through the system’s notifications.')
        : row('Notifications', h('label', { class: 'inline' }, notify, 'Tell me when uploads finish or fail'), notifyState),
      row('Files at once', files, filesState),
      row('Bandwidth limit', h('span', { class: 'inline' }, bw, saveBw), bwState),
      row('Where Ferry keeps its state', stateFolder),
      row('Sign-in tokens', TOKEN_WORDS[info.tokenStorage]),
      row('Version', `Ferry ${info.version} (${info.shell === 'host' ? 'browser, via ferry host' : 'desktop'}, ${info.platform})`),
      info.shell === 'desktop' ? row('Start at login', 'In the tray menu') : '',
      h('h2', { text: 'Keyboard shortcuts' }),
      h('dl', { class: 'shortcuts' }, ...SHORTCUTS.flatMap((s) => [h('dt', {}, h('kbd', { text: s.keys })), h('dd', { text: s.what })]))),
    h('div', { class: 'settings-col' },
      h('h2', { text: 'Recent events' }),
      h('div', { class: 'card-actions' }, refreshButton, h('label', { class: 'inline' }, onlyProblems, 'Only warnings and errors'), copy, save),
      log));
  return {
    el,
    refresh,
    notify(title, body) {
      if (info.shell === 'desktop' || !notify.checked || permission() !== 'granted') return;
      new Notification(title, { body, icon: 'icon.svg' });
    },
  };
}

function download(text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = h('a', { href: url, download: `ferry-diagnostics-${new Date().toISOString().replace(/[:.]/g, '-')}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
