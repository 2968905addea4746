// Keyboard shortcuts for what a user does most: add, pause all, resume all. Single keys work
// when no text field has focus (as in Gmail or Dropbox's web app); Ctrl/⌘+O adds files anywhere.
export const SHORTCUTS = [
  { keys: 'A or Ctrl+O', what: 'Add files…', action: 'addFiles' },
  { keys: 'Shift+A', what: 'Add a folder…', action: 'addFolder' },
  { keys: 'P', what: 'Pause all', action: 'pauseAll' },
  { keys: 'R', what: 'Resume all', action: 'resumeAll' },
  { keys: '← →', what: 'Move between tabs (on a tab)', action: '' },
] as const;

export type ShortcutAction = 'addFiles' | 'addFolder' | 'pauseAll' | 'resumeAll';

/** The action a key press asks for, or undefined. Pure (tested). */
export function shortcutFor(e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean; inField: boolean }): ShortcutAction | undefined {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'o') return e.shiftKey ? 'addFolder' : 'addFiles';
  if (e.inField || e.ctrlKey || e.metaKey || e.altKey) return undefined;
  switch (e.key) {
    case 'a': return 'addFiles';
    case 'A': return 'addFolder';
    case 'p': return 'pauseAll';
    case 'r': return 'resumeAll';
    default: return undefined;
  }
}
