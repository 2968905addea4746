// The hashing worker's code, started with `eval: true` so that it runs the same from the TS
// sources (vitest, tsx) and from the esbuild bundles in dist/, with no worker file to locate.
// quickXorHash is the app's own class, passed as its source text (it is self-contained for this);
// @node-rs/crc32 (a native module) is required by the path this thread resolved, since an eval'd
// worker resolves bare names from the working directory, not from the app.
import { createRequire } from 'node:module';
import { QuickXorHash } from './quickxor-hash.js';

// In the packaged app the package is unpacked next to the archive (electron-builder.yml asarUnpack):
// the worker loads it from there with plain file access, whatever its asar support.
const crc32Path = createRequire(import.meta.url).resolve('@node-rs/crc32').replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');

/**
 * Messages: {id, op:'open', stream, algorithms} | {id, op:'hash', stream, buffer (SharedArrayBuffer),
 * offset, length, perChunk, wholeFrom} | {id, op:'finish', stream} | {op:'close', stream}.
 * Answers: {id, digests} or {id, error}. Messages are handled in order, one at a time.
 */
export function digestWorkerSource(): string {
  return `
'use strict';
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const QuickXorHash = (${QuickXorHash.toString()});
let crc32c;
const streams = new Map();
function hasher(a) {
  if (a === 'quickxor') {
    const q = new QuickXorHash();
    return { update: (d) => q.update(d), digest: () => q.digest().toString('base64') };
  }
  if (a === 'crc32c') {
    crc32c ??= require(${JSON.stringify(crc32Path)}).crc32c;
    let v = 0;
    return { update: (d) => { v = crc32c(d, v); }, digest: () => (v >>> 0).toString(16).padStart(8, '0') };
  }
  const h = createHash(a);
  return { update: (d) => h.update(d), digest: () => h.digest('hex') };
}
function handle(m) {
  if (m.op === 'open') {
    streams.set(m.stream, m.algorithms.map((a) => [a, hasher(a)]));
    return {};
  }
  const s = streams.get(m.stream);
  if (!s) throw new Error('no digest stream ' + m.stream);
  if (m.op === 'hash') {
    const data = Buffer.from(m.buffer, m.offset, m.length);
    const out = {};
    for (const a of m.perChunk) {
      const h = hasher(a);
      h.update(data);
      out[a] = h.digest();
    }
    if (m.wholeFrom < m.length) {
      const piece = data.subarray(m.wholeFrom);
      for (const [, h] of s) h.update(piece);
    }
    return out;
  }
  if (m.op === 'finish') {
    const out = {};
    for (const [a, h] of s) out[a] = h.digest();
    return out;
  }
  throw new Error('unknown operation ' + m.op);
}
parentPort.on('message', (m) => {
  if (m.op === 'close') {
    streams.delete(m.stream);
    return;
  }
  try {
    parentPort.postMessage({ id: m.id, digests: handle(m) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;
}
