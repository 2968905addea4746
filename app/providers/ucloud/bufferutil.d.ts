// bufferutil 4 ships no types. Its `mask` XORs `length` bytes of `source` with the 4-byte `mask`
// into `output` at `offset` (native code from its N-API prebuilds, a JS loop when they do not load).
// A CommonJS module whose exports Node's ESM loader cannot always name: imported as a default.
declare module 'bufferutil' {
  const bufferutil: {
    mask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void;
    unmask(buffer: Buffer, mask: Buffer): void;
  };
  export default bufferutil;
}
