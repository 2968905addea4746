// The file every client uploads: made once per size and reused across runs (in the temp dir),
// from a 16 MiB random block repeated, each copy stamped with its index so no two chunks match.
// Each run uploads a hard link with its own name: same bytes and page cache, but a new name, so
// that servers which key uploads on the file name (Synapse) never treat a run as already done.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BLOCK = 16 << 20;

export function benchDir() {
  const d = join(tmpdir(), 'ferry-bench');
  mkdirSync(d, { recursive: true });
  return d;
}

export function dataFile(size) {
  const path = join(benchDir(), `data-${size}.bin`);
  if (existsSync(path) && statSync(path).size === size) return { path, made: false };
  const block = randomBytes(BLOCK);
  const fd = openSync(`${path}.tmp`, 'w');
  try {
    for (let off = 0, i = 0; off < size; off += BLOCK, i++) {
      block.writeUInt32BE(i, 0);
      writeSync(fd, block, 0, Math.min(BLOCK, size - off), off);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  rmSync(path, { force: true });
  linkSync(`${path}.tmp`, path);
  rmSync(`${path}.tmp`);
  return { path, made: true };
}

/** A hard link to `path` named `name`, in a per-process folder removed by `dropRunLinks`. */
export function runLink(path, name) {
  const dir = join(benchDir(), `runs-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const link = join(dir, name);
  rmSync(link, { force: true });
  linkSync(path, link);
  return link;
}

export function dropRunLinks() {
  rmSync(join(benchDir(), `runs-${process.pid}`), { recursive: true, force: true });
}
