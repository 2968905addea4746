// Every spelling of a tus creation endpoint a user might paste, one test each: the request goes
// to the URL the server serves, and what cannot be an endpoint is 'bad-input' naming it.
import { describe, expect, it } from 'vitest';
import { tusEndpoint } from '../../app/providers/tus/endpoint.js';

describe('tusEndpoint', () => {
  it('keeps /files/ as given', () => expect(tusEndpoint('https://tus.example.org/files/')).toBe('https://tus.example.org/files/'));
  it('keeps /files without a slash (tusd and @tus/server serve both)', () => expect(tusEndpoint('https://tus.example.org/files')).toBe('https://tus.example.org/files'));
  it('collapses a run of trailing slashes', () => expect(tusEndpoint('https://tus.example.org/files//')).toBe('https://tus.example.org/files/'));
  it('trims surrounding spaces', () => expect(tusEndpoint('  https://tus.example.org/files/ \n')).toBe('https://tus.example.org/files/'));
  it('drops a fragment', () => expect(tusEndpoint('https://tus.example.org/files/#upload')).toBe('https://tus.example.org/files/'));
  it('a bare origin is the server root', () => expect(tusEndpoint('http://127.0.0.1:1080')).toBe('http://127.0.0.1:1080/'));
  it('keeps a query (some servers route on it)', () => expect(tusEndpoint('https://h.example/api/upload?bucket=a')).toBe('https://h.example/api/upload?bucket=a'));
  it.each([
    ['tus.example.org/files/', 'not a URL'],
    ['ftp://tus.example.org/files/', 'http(s)'],
    ['https://user:pw@tus.example.org/files/', 'user name or password'],
  ])('refuses %s', (raw, why) => {
    expect(() => tusEndpoint(raw)).toThrow(expect.objectContaining({ code: 'bad-input', message: expect.stringContaining(why) }));
  });
});
