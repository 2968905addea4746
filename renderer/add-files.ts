// Getting files into the queue: native paths on the desktop (dialog, or a drop resolved by the
// preload), or, in a browser talking to the host, streaming each file to the host's staging
// area first and adding the staged copies (a browser has no local paths).
import type { AddFilesResult, Bridge, Result } from '../app/common/api.js';
import type { HttpBridge } from './bridge-http.js';

export interface PickedFile {
  file: File;
  /** Path relative to what was dropped or picked, '/'-separated, e.g. 'Clips/a.mov'. */
  rel: string;
}

export function isHttp(b: Bridge): b is HttpBridge {
  return b.kind === 'http';
}

export async function addPaths(bridge: Bridge, targetId: string, paths: string[]): Promise<Result<AddFilesResult>> {
  if (paths.length === 0) return { ok: false, error: { code: 'bad-input', message: 'nothing to add: no local paths were found' } };
  return bridge.invoke('transfers:add', { targetId, paths });
}

export interface StageProgress {
  /** Files fully copied to the host, and how many in all. */
  files: number;
  totalFiles: number;
  /** Bytes copied to the host so far, of all the files. */
  sent: number;
  total: number;
  current: string;
}

export async function stageAndAdd(bridge: HttpBridge, targetId: string, files: PickedFile[], progress: (p: StageProgress) => void): Promise<Result<AddFilesResult>> {
  const batch = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const tops = new Set<string>();
  const total = files.reduce((n, f) => n + f.file.size, 0);
  let before = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const report = (sent: number) => progress({ files: i, totalFiles: files.length, sent: before + sent, total, current: f.rel });
    report(0);
    const r = await bridge.stage(f.file, f.rel, batch, report);
    if (!r.ok) return r;
    before += f.file.size;
    tops.add(r.value.top);
  }
  progress({ files: files.length, totalFiles: files.length, sent: total, total, current: '' });
  return addPaths(bridge, targetId, [...tops]);
}

/** Files of a browser drop, walking dropped folders where the browser exposes entries. */
export async function filesOfDrop(dt: DataTransfer): Promise<PickedFile[]> {
  const entries = [...dt.items].map((i) => (i.kind === 'file' ? i.webkitGetAsEntry?.() : null));
  if (entries.length === 0 || entries.some((e) => !e)) {
    return [...dt.files].map((file) => ({ file, rel: file.name }));
  }
  const out: PickedFile[] = [];
  for (const e of entries) await walkEntry(e!, '', out);
  return out;
}

async function walkEntry(e: FileSystemEntry, prefix: string, out: PickedFile[]): Promise<void> {
  const rel = prefix ? `${prefix}/${e.name}` : e.name;
  if (e.isFile) {
    const file = await new Promise<File>((res, rej) => (e as FileSystemFileEntry).file(res, rej));
    out.push({ file, rel });
    return;
  }
  const reader = (e as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (about 100 in Chromium) until it answers an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) break;
    for (const child of batch) await walkEntry(child, rel, out);
  }
}

/** Files from <input type=file> (with webkitdirectory the browser gives relative paths). */
export function filesOfInput(input: HTMLInputElement): PickedFile[] {
  return [...(input.files ?? [])].map((file) => ({ file, rel: file.webkitRelativePath || file.name }));
}
