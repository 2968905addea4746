// A Node child process run to its end (the bundled CLI, a test child), its output collected. A
// child still running after `timeoutMs` is killed, so a hung CLI fails its test instead of the run.
import { spawn } from 'node:child_process';

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  uid?: number;
  timeoutMs?: number;
  onStdout?: (text: string) => void;
}

export function runNode(args: string[], o: ChildOptions = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, {
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
      ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      o.onStdout?.(d.toString());
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
