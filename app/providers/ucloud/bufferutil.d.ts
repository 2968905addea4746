// bufferutil 4 ships no types. Its `mask` XORs `length` bytes of `source` with the 4-byte `mask`
// into `output` at `offset` (native code from its N-API prebuilds, a JS loop when they do not load).
declare module 'bufferutil' {
  export function mask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void;
  export function unmask(buffer: Buffer, mask: Buffer): void;
}
