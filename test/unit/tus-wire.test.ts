import { describe, expect, it } from 'vitest';
import { encodeMetadata, headerList, parseChecksumHeader, parseMetadata, parseNonNegativeInt } from '../../app/providers/tus/wire.js';

describe('tus Upload-Metadata', () => {
  it('round-trips UTF-8 values, empty values and bare keys', () => {
    const meta = { filename: 'résumé 2024,final.pdf', path: '/a b/ç.pdf', empty: '', flag: null };
    const header = encodeMetadata(meta);
    expect(header).toBe(`filename ${Buffer.from('résumé 2024,final.pdf').toString('base64')},path ${Buffer.from('/a b/ç.pdf').toString('base64')},empty ,flag`);
    expect(parseMetadata(header)).toEqual(meta);
  });

  it('parses what tus-js-client sends', () => {
    expect(parseMetadata('filename ZmlsZTI1bWIuYmlu,filetype YXBwbGljYXRpb24vb2N0ZXQtc3RyZWFt')).toEqual({ filename: 'file25mb.bin', filetype: 'application/octet-stream' });
  });

  it.each([
    ['', /empty/],
    ['a b c', /more than one value/],
    ['a !!!!', /not base64/],
    ['a YQ', /not base64/],
    ['a YQ==,a Yg==', /repeated/],
    [' YQ==', /key/],
  ])('rejects %j', (header, why) => {
    expect(() => parseMetadata(header)).toThrow(why);
  });

  it('refuses keys the grammar forbids when encoding', () => {
    expect(() => encodeMetadata({ 'a b': 'x' })).toThrow(/not allowed/);
    expect(() => encodeMetadata({ 'a,b': 'x' })).toThrow(/not allowed/);
    expect(() => encodeMetadata({ '': 'x' })).toThrow(/not allowed/);
  });
});

describe('tus header helpers', () => {
  it('parses Upload-Checksum', () => {
    expect(parseChecksumHeader('sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=')).toEqual({ algorithm: 'sha1', digest: Buffer.from('qZk+NkcGgWq6PiVxeFDCbJzQ2J0=', 'base64') });
    expect(parseChecksumHeader('SHA1 AAAA')?.algorithm).toBe('sha1');
    expect(parseChecksumHeader('sha1')).toBeUndefined();
    expect(parseChecksumHeader('sha1 abc')).toBeUndefined();
    expect(parseChecksumHeader('sha1 AAAA extra')).toBeUndefined();
  });

  it('reads offsets strictly and lists leniently', () => {
    expect(parseNonNegativeInt('0')).toBe(0);
    expect(parseNonNegativeInt(' 42 ')).toBe(42);
    for (const bad of [undefined, '', '-1', '1.5', '1e3', 'abc', '99999999999999999999']) expect(parseNonNegativeInt(bad)).toBeUndefined();
    expect(headerList(' creation, termination ,,checksum')).toEqual(['creation', 'termination', 'checksum']);
    expect(headerList(undefined)).toEqual([]);
  });
});
