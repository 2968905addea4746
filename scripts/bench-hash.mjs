// `node scripts/bench-hash.mjs` (or `npm run bench -- --only hash`): how fast this machine hashes
// with the implementations the app uses (node:crypto MD5/SHA-1, @node-rs/crc32 CRC32C, the app's
// quickXorHash), one thread, from memory; and from that the CPU seconds per GiB of hashing each
// provider's protocol requires of the client, which the upload table's "our CPU s/GiB" is
// compared with (target: that plus 0.6 s/GiB, what curl spends sending the same requests).
// Options: --mib N (bytes hashed per algorithm and run, default 512), --runs N (best of, default 3),
// --json-out FILE (also write the speeds and each provider's floor as JSON, for bench.mjs's targets).
import { writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';
import { crc32c } from '@node-rs/crc32';

const { values: a } = parseArgs({ options: { mib: { type: 'string', default: '512' }, runs: { type: 'string', default: '3' }, 'json-out': { type: 'string' } } });
const MIB = Number(a.mib);
const RUNS = Number(a.runs);
if (!(MIB > 0) || !(RUNS > 0)) throw new Error('--mib and --runs must be positive numbers');

const { QuickXorHash } = await tsImport('../app/node/quickxor-hash.ts', import.meta.url);

// 8 MiB slices (a typical chunk) cycled over 64 MiB of random data: past the CPU caches.
const SLICE = 8 << 20;
const data = randomBytes(64 << 20);

const hashers = {
  md5: () => { const h = createHash('md5'); return { update: (d) => h.update(d), end: () => h.digest() }; },
  sha1: () => { const h = createHash('sha1'); return { update: (d) => h.update(d), end: () => h.digest() }; },
  crc32c: () => { let v = 0; return { update: (d) => { v = crc32c(d, v); }, end: () => v }; },
  quickxor: () => { const q = new QuickXorHash(); return { update: (d) => q.update(d), end: () => q.digest() }; },
};

/** Best-of-RUNS seconds per GiB for one algorithm. */
function measure(name) {
  const total = MIB << 20;
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const h = hashers[name]();
    const t0 = process.cpuUsage();
    for (let done = 0; done < total; done += SLICE) {
      const off = done % data.length;
      h.update(data.subarray(off, off + Math.min(SLICE, total - done)));
    }
    h.end();
    const used = process.cpuUsage(t0);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return best * ((1 << 30) / total);
}

const sPerGiB = {};
for (const name of Object.keys(hashers)) sPerGiB[name] = measure(name);

/** What each protocol makes the client hash, per byte of the file (docs/benchmarks.md). */
const PROVIDERS = [
  ['ucloud', 'none', {}],
  ['tus', 'SHA-1 of each chunk (Upload-Checksum, when the server offers it)', { sha1: 1 }],
  ['onedrive', 'quickXorHash of the file (verification)', { quickxor: 1 }],
  ['box', 'SHA-1 of each part (Digest) + SHA-1 of the file (commit)', { sha1: 2 }],
  ['redivis', 'CRC32C of the file (verification against GCS crc32c)', { crc32c: 1 }],
  ['synapse', 'MD5 of the file (the request) + MD5 of each part (addPart)', { md5: 2 }],
];

const f = (x) => x.toFixed(2);
process.stdout.write(`Hashing on one thread, best of ${RUNS} × ${MIB} MiB (process CPU time), node ${process.version}:\n\n`);
process.stdout.write('| algorithm | implementation | GB/s | CPU s/GiB |\n|---|---|---|---|\n');
const impl = { md5: 'node:crypto', sha1: 'node:crypto', crc32c: '@node-rs/crc32 (native)', quickxor: 'app/node/quickxor-hash.ts (JS)' };
for (const [name, s] of Object.entries(sPerGiB)) process.stdout.write(`| ${name} | ${impl[name]} | ${f((1 << 30) / s / 1e9)} | ${f(s)} |\n`);
process.stdout.write('\n| provider | hashing the protocol requires of the client | CPU s/GiB | target: our CPU s/GiB ≤ |\n|---|---|---|---|\n');
const floors = {};
for (const [id, what, cost] of PROVIDERS) {
  const s = Object.entries(cost).reduce((acc, [alg, n]) => acc + n * sPerGiB[alg], 0);
  floors[id] = s;
  process.stdout.write(`| ${id} | ${what} | ${f(s)} | ${f(s + 0.6)} |\n`);
}
if (a['json-out']) writeFileSync(a['json-out'], JSON.stringify({ sPerGiB, floors }));
