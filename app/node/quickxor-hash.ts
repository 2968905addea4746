// OneDrive's quickXorHash: a 160-bit circular register; byte k of the input is XORed in at bit
// (11·k mod 160), then the 64-bit little-endian length is XORed into the last 8 bytes.
// Because positions repeat every 160 input bytes, input is first folded into 160 byte lanes
// (one XOR per byte), and only the digest places the lanes into the register.
// The fold runs on 32-bit words (40 per 160-byte block): about 5x the byte loop on the hot path.
// The class is self-contained (constants as literals, no module-level helpers) because the
// hashing worker receives it as source text (app/node/digest-worker-source.ts):
// 160 = register width in bytes, 40 = in 32-bit words, 11 = shift per input byte,
// 65440 = 160 × 409, the scratch for inputs whose byte offset is not 4-aligned.

export class QuickXorHash {
  private readonly lanes = new Uint8Array(160);
  private readonly lanes32 = new Uint32Array(this.lanes.buffer);
  private scratch: Uint8Array | undefined;
  private pos = 0;
  private length = 0n;

  update(data: Uint8Array): this {
    const lanes = this.lanes;
    const n = data.length;
    let p = this.pos;
    let j = 0;
    // Bytes up to the next block boundary, so word folding starts at lane 0.
    while (p !== 0 && j < n) {
      lanes[p]! ^= data[j++]!;
      if (++p === 160) p = 0;
    }
    const blocks = Math.floor((n - j) / 160);
    if (blocks > 0) {
      this.foldBlocks(data, j, blocks);
      j += blocks * 160;
    }
    while (j < n) {
      lanes[p]! ^= data[j++]!;
      if (++p === 160) p = 0;
    }
    this.pos = p;
    this.length += BigInt(n);
    return this;
  }

  /** XORs `blocks` whole 160-byte blocks starting at data[start] into the lanes, 32 bits at a time. */
  private foldBlocks(data: Uint8Array, start: number, blocks: number): void {
    const l = this.lanes32;
    const abs = data.byteOffset + start;
    if ((abs & 3) === 0) {
      this.foldWords(l, new Uint32Array(data.buffer, abs, blocks * 40));
      return;
    }
    const scratch = (this.scratch ??= new Uint8Array(65440));
    const words = new Uint32Array(scratch.buffer);
    let left = blocks * 160;
    let at = start;
    while (left > 0) {
      const take = Math.min(left, 65440);
      scratch.set(data.subarray(at, at + take));
      this.foldWords(l, take === 65440 ? words : words.subarray(0, take / 4));
      at += take;
      left -= take;
    }
  }

  /** An independent copy of the running state (an emulator hashes a fragment it may yet discard). */
  clone(): QuickXorHash {
    const c = new QuickXorHash();
    c.lanes.set(this.lanes);
    c.pos = this.pos;
    c.length = this.length;
    return c;
  }

  digest(): Buffer {
    const out = Buffer.alloc(20);
    for (let i = 0; i < 160; i++) {
      const b = this.lanes[i]!;
      if (b === 0) continue;
      const bit = (i * 11) % 160;
      const byte = bit >> 3;
      const off = bit & 7;
      out[byte]! ^= (b << off) & 0xff;
      if (off > 0) out[(byte + 1) % 20]! ^= b >> (8 - off);
    }
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(this.length);
    for (let i = 0; i < 8; i++) out[12 + i]! ^= len[i]!;
    return out;
  }

  /** l[i] ^= w[k·40 + i] for every block k; w.length is a multiple of 40. */
  private foldWords(l: Uint32Array, w: Uint32Array): void {
    for (let k = 0; k < w.length; k += 40) {
      for (let i = 0; i < 40; i++) l[i]! ^= w[k + i]!;
    }
  }
}
