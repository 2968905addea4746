// OneDrive's quickXorHash: a 160-bit circular register; byte k of the input is XORed in at bit
// (11·k mod 160), then the 64-bit little-endian length is XORed into the last 8 bytes.
// Because positions repeat every 160 input bytes, input is first folded into 160 byte lanes
// (one XOR per byte), and only the digest places the lanes into the register.
// The fold runs on 32-bit words (40 per 160-byte block) held in locals: about 12x the byte loop.
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

  /**
   * l[i] ^= w[k·40 + i] for every block k; w.length is a multiple of 40. The 40 lanes live in
   * locals for the whole call (not loaded and stored per block): about 2.4x the loop over l[i]
   * (6.3 vs 2.6 GB/s here, 4 MiB inputs).
   */
  private foldWords(l: Uint32Array, w: Uint32Array): void {
    let a0 = l[0]!, a1 = l[1]!, a2 = l[2]!, a3 = l[3]!, a4 = l[4]!,
      a5 = l[5]!, a6 = l[6]!, a7 = l[7]!, a8 = l[8]!, a9 = l[9]!,
      a10 = l[10]!, a11 = l[11]!, a12 = l[12]!, a13 = l[13]!, a14 = l[14]!,
      a15 = l[15]!, a16 = l[16]!, a17 = l[17]!, a18 = l[18]!, a19 = l[19]!,
      a20 = l[20]!, a21 = l[21]!, a22 = l[22]!, a23 = l[23]!, a24 = l[24]!,
      a25 = l[25]!, a26 = l[26]!, a27 = l[27]!, a28 = l[28]!, a29 = l[29]!,
      a30 = l[30]!, a31 = l[31]!, a32 = l[32]!, a33 = l[33]!, a34 = l[34]!,
      a35 = l[35]!, a36 = l[36]!, a37 = l[37]!, a38 = l[38]!, a39 = l[39]!;
    for (let k = 0; k < w.length; k += 40) {
      a0 ^= w[k]!; a1 ^= w[k + 1]!; a2 ^= w[k + 2]!; a3 ^= w[k + 3]!; a4 ^= w[k + 4]!;
      a5 ^= w[k + 5]!; a6 ^= w[k + 6]!; a7 ^= w[k + 7]!; a8 ^= w[k + 8]!; a9 ^= w[k + 9]!;
      a10 ^= w[k + 10]!; a11 ^= w[k + 11]!; a12 ^= w[k + 12]!; a13 ^= w[k + 13]!; a14 ^= w[k + 14]!;
      a15 ^= w[k + 15]!; a16 ^= w[k + 16]!; a17 ^= w[k + 17]!; a18 ^= w[k + 18]!; a19 ^= w[k + 19]!;
      a20 ^= w[k + 20]!; a21 ^= w[k + 21]!; a22 ^= w[k + 22]!; a23 ^= w[k + 23]!; a24 ^= w[k + 24]!;
      a25 ^= w[k + 25]!; a26 ^= w[k + 26]!; a27 ^= w[k + 27]!; a28 ^= w[k + 28]!; a29 ^= w[k + 29]!;
      a30 ^= w[k + 30]!; a31 ^= w[k + 31]!; a32 ^= w[k + 32]!; a33 ^= w[k + 33]!; a34 ^= w[k + 34]!;
      a35 ^= w[k + 35]!; a36 ^= w[k + 36]!; a37 ^= w[k + 37]!; a38 ^= w[k + 38]!; a39 ^= w[k + 39]!;
    }
    l[0] = a0; l[1] = a1; l[2] = a2; l[3] = a3; l[4] = a4;
    l[5] = a5; l[6] = a6; l[7] = a7; l[8] = a8; l[9] = a9;
    l[10] = a10; l[11] = a11; l[12] = a12; l[13] = a13; l[14] = a14;
    l[15] = a15; l[16] = a16; l[17] = a17; l[18] = a18; l[19] = a19;
    l[20] = a20; l[21] = a21; l[22] = a22; l[23] = a23; l[24] = a24;
    l[25] = a25; l[26] = a26; l[27] = a27; l[28] = a28; l[29] = a29;
    l[30] = a30; l[31] = a31; l[32] = a32; l[33] = a33; l[34] = a34;
    l[35] = a35; l[36] = a36; l[37] = a37; l[38] = a38; l[39] = a39;
  }
}
