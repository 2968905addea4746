// WEBSOCKET_V2 framing as im2 reads and writes it (provider-integration/im2/pkg/controller/upload/
// message.go and server.go, numbers from shared/pkg/util/ubuf.go): expectations are bytes written
// out by hand, not produced by our encoder.
import { describe, expect, it } from 'vitest';
import { chunkHead, decodeFrame, encodeClose, encodeListings, encodeSmall, WS_OP } from '../../app/providers/ucloud/ws-wire.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('UCloud WEBSOCKET_V2 messages', () => {
  it('opcodes are Ok 0, Checksum 1, Chunk 2, Skip 3, Listing 4, Completed 5, Close 6', () => {
    expect(WS_OP).toEqual({ ok: 0, checksum: 1, chunk: 2, skip: 3, listing: 4, completed: 5, close: 6 });
  });

  it('a listing frame writes its opcode once; sizes and times are big-endian i64, paths u32-length UTF-8', () => {
    const frame = encodeListings([
      { fileId: 0, size: 258, modifiedAt: 1, path: '' },
      { fileId: 1, size: 0, modifiedAt: 2, path: 'å' },
    ]);
    expect(frame).toEqual(hex(`04
      00000000 0000000000000102 0000000000000001 00000000
      00000001 0000000000000000 0000000000000002 00000002 c3a5`));
    expect(decodeFrame(frame)).toEqual({ messages: [
      { type: 'listing', fileId: 0, size: 258, modifiedAt: 1, path: '' },
      { type: 'listing', fileId: 1, size: 0, modifiedAt: 2, path: 'å' },
    ] });
  });

  it('small messages repeat their opcode within one frame (the server batches Ok/Skip/Completed)', () => {
    expect(Buffer.concat([encodeSmall(WS_OP.ok, 7), encodeSmall(WS_OP.completed, 1)])).toEqual(hex('00 00000007 05 00000001'));
    expect(decodeFrame(hex('00 00000007 03 00000008 05 00000002'))).toEqual({ messages: [
      { type: 'ok', fileId: 7 }, { type: 'skip', fileId: 8 }, { type: 'completed', count: 2 },
    ] });
  });

  it('a chunk is opcode, file id, then the rest of the frame; close is one byte', () => {
    expect(chunkHead(3)).toEqual(hex('02 00000003'));
    const [m] = decodeFrame(hex('02 00000003 616263')).messages;
    expect(m).toMatchObject({ type: 'chunk', fileId: 3 });
    expect((m as { data: Buffer }).data.toString()).toBe('abc');
    expect(encodeClose()).toEqual(hex('06'));
  });

  it('an unknown opcode or a truncated field stops the frame and says so', () => {
    expect(decodeFrame(hex('01 00000000')).bad).toMatch(/unknown opcode 1/);
    expect(decodeFrame(hex('00 000000')).bad).toMatch(/truncated/);
    expect(decodeFrame(hex('04 00000000 0000000000000001 0000000000000001 00000005 61')).bad).toMatch(/truncated listing path/);
  });
});
