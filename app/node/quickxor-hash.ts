// OneDrive's quickXorHash: a 160-bit circular register; byte k of the input is XORed in at bit
// (11·k mod 160), then the 64-bit little-endian length is XORed into the last 8 bytes.
// Because positions repeat every 160 input bytes, input is first folded into 160 byte lanes
// (one XOR per byte), and only the digest places the lanes into the register.
const WIDTH_BYTES = 160;
const SHIFT = 11;

export class QuickXorHash {
  private readonly lanes = new Uint8Array(WIDTH_BYTES);
  private pos = 0;
  private length = 0n;

  update(data: Uint8Array): this {
    const lanes = this.lanes;
    let p = this.pos;
    for (let j = 0; j < data.length; j++) {
      lanes[p]! ^= data[j]!;
      if (++p === WIDTH_BYTES) p = 0;
    }
    this.pos = p;
    this.length += BigInt(data.length);
    return this;
  }

  digest(): Buffer {
    const out = Buffer.alloc(20);
    for (let i = 0; i < WIDTH_BYTES; i++) {
      const b = this.lanes[i]!;
      if (b === 0) continue;
      const bit = (i * SHIFT) % 160;
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
}
