// `ferry emulate onedrive --tls`: https with a self-signed certificate, and a JSON line that says
// what a client must trust (the certificate's path and fingerprint). `ferry upload` trusting
// exactly that certificate (NODE_EXTRA_CA_CERTS) uploads; without it the upload is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, promises as fsp, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { bundleForChild } from '../helpers/bundle.js';

let CLI = '';
let root = '';
const children: ChildProcess[] = [];

beforeAll(async () => {
  CLI = await bundleForChild('app/cli/main.ts');
  root = mkdtempSync(join(tmpdir(), 'ferry-emu-tls-'));
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

interface EmulateLine { provider: string; url: string; token: string; tls?: { certificate: string; sha256: string; trust: string } }

/** Starts `ferry emulate …` and resolves with its JSON line (or its exit when it refuses). */
function emulate(args: string[]): Promise<{ line?: EmulateLine; code?: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'emulate', ...args], { env: { ...process.env, FERRY_HOME: join(root, 'home') }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(p);
    let out = '';
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ line: JSON.parse(out.slice(0, nl)) as EmulateLine, stderr });
    });
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, stderr }));
  });
}

function ferry(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, FERRY_HOME: join(root, 'home-upload'), FERRY_RETRY_BASE_MS: '20', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('ferry emulate onedrive --tls', () => {
  it('serves https and prints the certificate path, its SHA-256 fingerprint and how to trust it', async () => {
    const dataDir = join(root, 'data');
    const { line } = await emulate(['onedrive', '--tls', '--data-dir', dataDir]);
    expect(line).toMatchObject({ provider: 'onedrive', url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0$/) });
    const pem = readFileSync(line!.tls!.certificate, 'utf8');
    expect(line!.tls!.sha256).toBe(new X509Certificate(pem).fingerprint256);
    expect(line!.tls!.trust).toBe(`NODE_EXTRA_CA_CERTS=${line!.tls!.certificate}`);
    // Trusting exactly that certificate reaches the Graph API.
    const agent = new Agent({ connect: { ca: pem } });
    const res = await request(`${line!.url}/me/drive/root:/nothing.bin`, { headers: { authorization: `Bearer ${line!.token}` }, dispatcher: agent });
    expect(res.statusCode).toBe(404);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('itemNotFound');
    await agent.close();

    // `ferry upload` trusts the certificate through NODE_EXTRA_CA_CERTS, and only then.
    const file = join(root, 'x.bin');
    writeFileSync(file, Buffer.alloc(5000, 7));
    const args = ['upload', file, '--provider', 'onedrive', '--endpoint', line!.url, '--dest', '/tls/x.bin', '--retries', '0'];
    const refused = await ferry(args, { FERRY_TOKEN: line!.token, NODE_EXTRA_CA_CERTS: '' });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toMatch(/certificate/i);
    const ok = await ferry(args, { FERRY_TOKEN: line!.token, NODE_EXTRA_CA_CERTS: line!.tls!.certificate });
    expect(ok.code, ok.stderr).toBe(0);
    expect((await fsp.readFile(join(dataDir, 'files', 'tls', 'x.bin'))).equals(Buffer.alloc(5000, 7))).toBe(true);
  }, 60_000);

  it('under --discard the certificate goes to a temporary directory', async () => {
    const { line } = await emulate(['onedrive', '--tls', '--discard']);
    expect(line!.tls!.certificate.startsWith(tmpdir())).toBe(true);
    expect(readFileSync(line!.tls!.certificate, 'utf8')).toContain('BEGIN CERTIFICATE');
  }, 30_000);

  it('refuses --tls for an emulator that cannot serve https (usage error, exit 2)', async () => {
    const r = await emulate(['tus', '--tls', '--discard']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--tls');
  }, 30_000);
});
