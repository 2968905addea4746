// The diagnostics bundle a user attaches to a bug report (`ferry diagnose`, "Copy diagnostics" in
// the window): versions, OS, accounts (provider and folder only), watched folders, the journal
// summary, the last log lines and each account's connection test. One JSON file, because it is
// readable as it is and needs no tar writer. Every string passes through redactText with every
// token and every journal session value as a secret, so nothing that grants access leaves.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { ConnectionCheck, WatchedFolder } from '../common/api.js';
import { providerName } from '../common/error-words.js';
import { redactText, redactUrl } from '../common/redact.js';
import type { TargetConfig } from '../engine/engine-api.js';
import type { JournalRecord } from '../engine/journal.js';
import { FileJournal } from '../node/file-journal.js';

export interface DiagnosticsInput {
  home: string;
  version: string;
  shell: 'cli' | 'host' | 'desktop';
  targets: TargetConfig[];
  /** Connection test per account; absent: not run (e.g. --offline). */
  test?: (t: TargetConfig) => Promise<ConnectionCheck>;
  settings?: Record<string, unknown>;
  logLines?: number;
}

/** Every string value inside a JSON value (session refs hold upload URLs and capabilities). */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

async function lastLines(file: string, n: number): Promise<string[]> {
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '').slice(-n);
}

function journalSummary(records: JournalRecord[]) {
  const byState: Record<string, number> = {};
  for (const r of records) byState[r.state.kind] = (byState[r.state.kind] ?? 0) + 1;
  return {
    total: records.length,
    byState,
    transfers: records.map((r) => ({
      id: r.id, provider: providerName(r.provider), targetId: r.targetId, file: r.localPath, remotePath: r.remotePath,
      size: r.fingerprint.size, offset: r.offset, chunkSize: r.chunkSize, state: r.state.kind,
      hasSession: r.session !== undefined,
      ...(r.state.kind === 'failed' || r.state.kind === 'waiting' ? { error: r.state.error } : {}),
    })),
  };
}

export async function collectDiagnostics(i: DiagnosticsInput): Promise<{ text: string; secrets: number }> {
  const warnings: string[] = [];
  const records = await new FileJournal(i.home, { info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) }).load();
  const folders = JSON.parse(await fsp.readFile(join(i.home, 'folders.json'), 'utf8').catch(() => '[]')) as WatchedFolder[];
  const accounts = [];
  for (const t of i.targets) {
    const check = i.test ? await i.test(t).catch((e: unknown) => ({ ok: false, message: String(e) })) : undefined;
    accounts.push({
      id: t.id, name: t.name, provider: providerName(t.provider), server: redactUrl(t.url), folder: t.remoteRoot,
      conflict: t.conflict, optionNames: Object.keys(t.options), sandbox: t.sandbox === true, signedIn: t.token !== '',
      ...(check ? { connection: check } : {}),
    });
  }
  const bundle = {
    about: 'Ferry diagnostics: tokens, signed URLs and upload session references are removed.',
    generatedAt: new Date().toISOString(),
    versions: { ferry: i.version, shell: i.shell, node: process.versions.node, ...(process.versions.electron ? { electron: process.versions.electron } : {}) },
    os: { platform: process.platform, release: os.release(), arch: process.arch, cpus: os.cpus().length, freeMemory: os.freemem() },
    stateFolder: i.home,
    settings: i.settings ?? {},
    accounts,
    watchedFolders: folders.map((f) => ({ localPath: f.localPath, targetId: f.targetId, remoteDir: f.remoteDir })),
    journal: { ...journalSummary(records), warnings },
    log: await lastLines(join(i.home, 'logs', 'ferry.log'), i.logLines ?? 200),
  };
  const secrets = [...i.targets.map((t) => t.token), ...records.flatMap((r) => (r.session ? strings(r.session.ref) : []))]
    .filter((s) => s.length >= 8);
  // Longest first, so a secret that contains another is cut out whole.
  secrets.sort((a, b) => b.length - a.length);
  return { text: redactText(JSON.stringify(bundle, null, 2), secrets), secrets: secrets.length };
}

/** Writes the bundle as `ferry-diagnostics-<time>.json` into `dir`; answers its path. */
export async function writeDiagnostics(i: DiagnosticsInput, dir: string): Promise<string> {
  const { text } = await collectDiagnostics(i);
  const path = join(dir, `ferry-diagnostics-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path, text, { mode: 0o600 });
  return path;
}
