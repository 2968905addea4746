// Every base URL a user might paste for OneDrive, and the `drive` option, become the same Graph
// base plus drive root; spellings Ferry cannot read are 'bad-input' naming what was given.
import { describe, expect, it } from 'vitest';
import { graphTarget } from '../../app/providers/onedrive/endpoint.js';

const G = 'https://graph.microsoft.com';
const SITE = 'contoso.sharepoint.com,2c712604-1370-44e7-a1f5-426573a7c7a4,2d2244f1-c8f1-4b4a-8e6c-c6a2b0a5f1a2';

describe('graphTarget: one test per spelling a user might paste', () => {
  it('a bare host gets /v1.0 and the signed-in user\'s drive', () => {
    expect(graphTarget(G)).toEqual({ api: `${G}/v1.0`, drive: '/me/drive' });
  });
  it('a bare host with a trailing slash', () => {
    expect(graphTarget(`${G}/`)).toEqual({ api: `${G}/v1.0`, drive: '/me/drive' });
  });
  it('/v1.0', () => {
    expect(graphTarget(`${G}/v1.0`)).toEqual({ api: `${G}/v1.0`, drive: '/me/drive' });
  });
  it('/v1.0/', () => {
    expect(graphTarget(`${G}/v1.0/`)).toEqual({ api: `${G}/v1.0`, drive: '/me/drive' });
  });
  it('/beta/ keeps beta', () => {
    expect(graphTarget(`${G}/beta/`)).toEqual({ api: `${G}/beta`, drive: '/me/drive' });
  });
  it('/v1.0/me/drive', () => {
    expect(graphTarget(`${G}/v1.0/me/drive`)).toEqual({ api: `${G}/v1.0`, drive: '/me/drive' });
  });
  it('/v1.0/me/drive/ (trailing slash)', () => {
    expect(graphTarget(`${G}/v1.0/me/drive/`)).toEqual({ api: `${G}/v1.0`, drive: '/me/drive' });
  });
  it('/v1.0/drives/{id}', () => {
    expect(graphTarget(`${G}/v1.0/drives/b!abc-DEF_123`)).toEqual({ api: `${G}/v1.0`, drive: '/drives/b!abc-DEF_123' });
  });
  it('/v1.0/drives/{id}/ (trailing slash)', () => {
    expect(graphTarget(`${G}/v1.0/drives/b!abc/`)).toEqual({ api: `${G}/v1.0`, drive: '/drives/b!abc' });
  });
  it('/v1.0/sites/{id}/drive', () => {
    expect(graphTarget(`${G}/v1.0/sites/${SITE}/drive`)).toEqual({ api: `${G}/v1.0`, drive: `/sites/${SITE}/drive` });
  });
  it('/v1.0/sites/{id} (the site alone means its default library)', () => {
    expect(graphTarget(`${G}/v1.0/sites/${SITE}`)).toEqual({ api: `${G}/v1.0`, drive: `/sites/${SITE}/drive` });
  });
  it('a drive path without the version gets /v1.0 in front of it', () => {
    expect(graphTarget(`${G}/drives/b!abc`)).toEqual({ api: `${G}/v1.0`, drive: '/drives/b!abc' });
  });
  it('an emulator origin (http, a port) and its /v1.0 form', () => {
    expect(graphTarget('http://127.0.0.1:4000')).toEqual({ api: 'http://127.0.0.1:4000/v1.0', drive: '/me/drive' });
    expect(graphTarget(' http://127.0.0.1:4000/v1.0/ ')).toEqual({ api: 'http://127.0.0.1:4000/v1.0', drive: '/me/drive' });
  });
});

describe('graphTarget: the drive option', () => {
  it('me, drives/{id} and sites/{id} choose the drive root', () => {
    expect(graphTarget(G, 'me').drive).toBe('/me/drive');
    expect(graphTarget(G, 'drives/b!abc').drive).toBe('/drives/b!abc');
    expect(graphTarget(G, `sites/${SITE}`).drive).toBe(`/sites/${SITE}/drive`);
    expect(graphTarget(G, `/sites/${SITE}/drive`).drive).toBe(`/sites/${SITE}/drive`);
  });
  it('agrees with a drive in the URL, and refuses one that differs', () => {
    expect(graphTarget(`${G}/v1.0/drives/b!abc`, 'drives/b!abc').drive).toBe('/drives/b!abc');
    expect(() => graphTarget(`${G}/v1.0/drives/b!abc`, 'me')).toThrow(expect.objectContaining({ code: 'bad-input', message: expect.stringContaining('/drives/b!abc') }));
  });
  it('refuses an option it cannot read, naming it', () => {
    expect(() => graphTarget(G, 'groups/42')).toThrow(expect.objectContaining({ code: 'bad-input', message: expect.stringContaining('"groups/42"') }));
    expect(() => graphTarget(G, 'drives/../me')).toThrow(expect.objectContaining({ code: 'bad-input' }));
  });
});

describe('graphTarget: spellings that are refused, naming what was given', () => {
  it.each([
    ['not a url', 'not a URL'],
    ['ftp://graph.microsoft.com/v1.0', 'http(s)'],
    [`${G}/v1.0/me/drive/root:/Documents`, 'put folders in the remote path'],
    [`${G}/v1.0/users/someone/drive`, 'does not understand'],
    [`${G}/v1.0/drives/b!abc?x=1`, 'no query'],
    [`${G}/v1.0/drives/a%2Fb`, 'not one Graph hands out'],
  ])('%s', (url, why) => {
    expect(() => graphTarget(url)).toThrow(expect.objectContaining({ code: 'bad-input', message: expect.stringContaining(why) }));
  });
});
