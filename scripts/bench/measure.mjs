// Running the processes the bench measures: each under GNU time (`/usr/bin/time -v`) for its
// peak RSS and CPU seconds, with a wall-clock bound so a hung run is reported, never waited on.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const GNU_TIME = '/usr/bin/time';
export const hasGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-v', 'true']).status === 0;
/** The bench is not part of CI; without curl it still measures our client and tus-js-client. */
export const hasCurl = spawnSync('curl', ['--version']).status === 0;

let seq = 0;

/**
 * Runs `cmd args` to its end. Resolves {code, stdout, stderr, wallMs, maxRssKiB, userS, sysS};
 * the last three are null without GNU time. Rejects on a timeout.
 */
export function runMeasured(cmd, args, { timeoutMs = 600_000, cwd } = {}) {
  const timeFile = join(tmpdir(), `ferry-bench-time-${process.pid}-${seq++}.txt`);
  const [c, a] = hasGnuTime ? [GNU_TIME, ['-v', '-o', timeFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => { stdout += b; });
    p.stderr.on('data', (b) => { stderr += b; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); }, timeoutMs);
    p.on('error', (e) => { clearTimeout(timer); reject(e); });
    p.on('close', (code, signal) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      const t = hasGnuTime && existsSync(timeFile) ? parseGnuTime(readFileSync(timeFile, 'utf8')) : { maxRssKiB: null, userS: null, sysS: null };
      rmSync(timeFile, { force: true });
      if (signal === 'SIGKILL') return reject(new Error(`${cmd} did not finish within ${Math.round(timeoutMs / 1000)} s`));
      resolve({ code, stdout, stderr, wallMs, ...t });
    });
  });
}

export function parseGnuTime(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  return {
    maxRssKiB: num(/Maximum resident set size \(kbytes\): (\d+)/),
    userS: num(/User time \(seconds\): ([\d.]+)/),
    sysS: num(/System time \(seconds\): ([\d.]+)/),
  };
}

/** The last JSON line a child printed. */
export function lastJson(stdout, what) {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`${what} printed no result`);
  return JSON.parse(line);
}

/** Runs a node child to its end (not measured) and returns its last JSON line. */
export async function runNode(script, args, what, timeoutMs = 600_000) {
  const r = await runPlain(process.execPath, [script, ...args], timeoutMs);
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${errorLine(r.stderr)}`);
  return lastJson(r.stdout, what);
}

/** The line of a child's stderr that names the error (not the stack below it). */
export function errorLine(stderr) {
  const lines = stderr.trim().split('\n');
  return lines.find((l) => /^\w*Error\b|^Error:/.test(l.trim())) ?? lines.slice(-3).join(' | ');
}

function runPlain(cmd, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => { stdout += b; });
    p.stderr.on('data', (b) => { stderr += b; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => { clearTimeout(timer); reject(e); });
    p.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/**
 * Starts a long-running server child that prints one JSON line when ready (optionally under a
 * command prefix such as `nsenter`, which execs it, so signals still reach it). Resolves
 * {info, stop()}; stop ends its stdin, sends SIGTERM and waits (SIGKILL after 10 s).
 */
export function startServer(script, args, what, readyTimeoutMs = 30_000, prefix = []) {
  return new Promise((resolve, reject) => {
    // `prefix` runs it elsewhere, e.g. `nsenter -t <pid> -n` (in the WAN bench's server namespace).
    const cmd = [...prefix, process.execPath, script, ...args];
    const p = spawn(cmd[0], cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`${what} did not start within ${readyTimeoutMs / 1000} s`)); }, readyTimeoutMs);
    const exited = new Promise((r) => p.on('close', r));
    p.stderr.on('data', (b) => { err += b; });
    p.on('error', (e) => { clearTimeout(timer); reject(e); });
    p.on('close', (code) => { clearTimeout(timer); reject(new Error(`${what} exited ${code} before it was ready: ${err.trim().split('\n').slice(-3).join(' | ')}`)); });
    p.stdout.on('data', (b) => {
      out += b;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      const info = JSON.parse(out.split('\n')[0]);
      resolve({
        info,
        stop: async () => {
          p.stdin.end();
          p.kill('SIGTERM');
          const kill = setTimeout(() => p.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(kill);
        },
      });
    });
  });
}
