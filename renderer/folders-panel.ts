// Watched folders: a local folder mirrored into a remote folder of a target by folder sync.
import type { AppInfo, Bridge, TargetSummary, WatchedFolder } from '../app/common/api.js';
import { h } from './dom.js';
import type { Notices } from './notices.js';

export function foldersPanel(bridge: Bridge, info: AppInfo, notices: Notices): {
  el: HTMLElement; update(f: WatchedFolder[]): void; setTargets(t: TargetSummary[]): void;
} {
  const list = h('ul', { class: 'cards', 'aria-label': 'Watched folders' });
  const local = h('input', { name: 'localPath', required: true, placeholder: info.shell === 'host' ? 'Folder on the host machine' : 'Folder on this computer' });
  const target = h('select', { name: 'targetId' });
  const remote = h('input', { name: 'remoteDir', value: '/' });
  const choose = h('button', { type: 'button', text: 'Choose…', hidden: !info.nativeDialog });
  choose.addEventListener('click', () => {
    void bridge.invoke('dialog:pick', { folders: true }).then((r) => {
      if (r.ok && r.value[0]) local.value = r.value[0];
    });
  });
  const field = (label: string, ...input: HTMLElement[]) => h('label', { class: 'field' }, h('span', { text: label }), ...input);
  const form = h('form', { class: 'add-form', 'aria-label': 'Watch a folder' },
    h('h3', { text: 'Watch a folder' }),
    field('Local folder', local, choose), field('Account', target), field('Remote folder', remote),
    info.shell === 'host' ? h('p', { class: 'hint', id: 'allow-root-hint' }, 'In the browser, Ferry watches folders on the host machine, and only those the host was started with. To allow one, start it with ', h('code', { text: 'ferry host --allow-root <folder>' }), '.') : '',
    h('button', { type: 'submit', text: 'Watch folder' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void bridge.invoke('folders:add', { localPath: local.value, targetId: target.value, remoteDir: remote.value || '/' }).then((r) => {
      if (!r.ok) {
        // In the browser the host decides what may be read: say how to allow a folder.
        if (info.shell === 'host' && /outside the folders Ferry may read/.test(r.error.message)) {
          return notices.error('Could not watch the folder', {
            summary: `The host may not read ${local.value}.`,
            advice: `Restart it with \`ferry host --allow-root ${local.value}\` to allow this folder (and what is inside it).`,
            detail: r.error.message,
          });
        }
        return notices.error('Could not watch the folder', r.error);
      }
      local.value = '';
      notices.show(`Watching ${r.value.localPath}`);
    });
  });
  let names = new Map<string, string>();
  let folders: WatchedFolder[] = [];
  const render = () => list.replaceChildren(...(folders.length === 0 ? [h('li', { class: 'muted', text: 'No watched folders yet. A watched folder is kept uploaded: new and changed files go up by themselves.' })] : []), ...folders.map((f) => {
    const remove = h('button', { type: 'button', text: 'Stop watching', 'aria-label': `Stop watching ${f.localPath}` });
    remove.addEventListener('click', () => void bridge.invoke('folders:remove', { id: f.id }).then((r) => {
      if (!r.ok) notices.error('Could not stop watching', r.error);
    }));
    return h('li', { class: 'card' }, h('strong', { text: f.localPath }),
      h('div', { class: 'muted', text: `→ ${names.get(f.targetId) ?? 'removed target'} ${f.remoteDir}` }), h('div', { class: 'card-actions' }, remove));
  }));
  return {
    el: h('section', { class: 'panel-body' }, list, form),
    update(f) { folders = f; render(); },
    setTargets(t) {
      names = new Map(t.map((x) => [x.id, x.name]));
      const keep = target.value;
      target.replaceChildren(...t.map((x) => h('option', { value: x.id, text: x.name })));
      if (t.some((x) => x.id === keep)) target.value = keep;
      render();
    },
  };
}
