// Getting files into the queue: native paths on the desktop (dialog, or a drop resolved by the
// preload), or, in a browser talking to the host, streaming each file to the host's staging
// area first and adding the staged copies (a browser has no local paths).
import { HOST_ROUTES, type Bridge, type Result } from '../app/common/api.js';
import type { TransferView } from '../app/common/transfer.js';
import type { HttpBridge } from './bridge-http.js';

export interface PickedFile {
  file: File;
  /** Path relative to what was dropped or picked, '/'-separated, e.g. 'Clips/a.mov'. */
  rel: string;
}

export function isHttp(b: Bridge): b is HttpBridge {
  return b.kind === 'http';
}

export async function addPaths(bridge: Bridge, targetId: string, paths: string[]): Promise<Result<TransferView[]>> {
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

export async function stageAndAdd(bridge: HttpBridge, targetId: string, files: PickedFile[], progress: (p: StageProgress) => void): Promise<Result<TransferView[]>> {
  const batch = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const tops = new Set<string>();
  const total = files.reduce((n, f) => n + f.file.size, 0);
  let before = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const report = (sent: number) => progress({ files: i, totalFiles: files.length, sent: before + sent, total, current: f.rel });
    report(0);
    const r = await stageWithProgress(bridge, f, batch, report);
    if (!r.ok) return r;
    before += f.file.size;
    tops.add(r.value.top);
  }
  progress({ files: files.length, totalFiles: files.length, sent: total, total, current: '' });
  return addPaths(bridge, targetId, [...tops]);
}

/**
 * One file to the host's staging area with upload progress. fetch() reports none for a request
 * body, so this uses XMLHttpRequest on the bridge's route; should the host refuse it (its
 * authentication changed), the bridge's own `stage` sends the file instead, without progress.
 */
function stageWithProgress(bridge: HttpBridge, f: PickedFile, batch: string, onSent: (n: number) => void): Promise<Result<{ localPath: string; top: string }>> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const fallback = () => resolve(bridge.stage(f.file, f.rel, batch));
    xhr.open('POST', HOST_ROUTES.files);
    xhr.setRequestHeader(HOST_ROUTES.csrfHeader, '1');
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('x-ferry-name', encodeURIComponent(f.rel));
    xhr.setRequestHeader('x-ferry-batch', batch);
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onerror = fallback;
    xhr.onload = () => {
      if (xhr.status === 401 || xhr.status === 403) return fallback();
      try {
        const body = JSON.parse(xhr.responseText) as Result<{ localPath: string; top: string }>;
        if (body && typeof body === 'object' && 'ok' in body) return resolve(body);
      } catch {
        // Not a Result: answered below.
      }
      resolve({ ok: false, error: { code: 'protocol', message: `sending ${f.rel} to the host: the host answered HTTP ${xhr.status}` } });
    };
    xhr.send(f.file);
  });
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
