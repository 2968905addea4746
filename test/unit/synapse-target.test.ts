// Pure parts of the Synapse client for the real service: one endpoint for both services, how a
// remote path maps to a container, folders and a name, the entity name rule, and which refusals
// mean a full project.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/common/errors.js';
import { SYNAPSE_FILE_URL, SYNAPSE_REPO_URL, synapseUrls } from '../../app/providers/synapse/endpoints.js';
import { isStorageLimit } from '../../app/providers/synapse/synapse-errors.js';
import { nameProblem, parseTarget } from '../../app/providers/synapse/target-path.js';

const HOST = 'https://repo-prod.prod.sagebase.org';
const both = { repoUrl: `${HOST}/repo/v1`, fileUrl: `${HOST}/file/v1` };

describe('Synapse endpoint', () => {
  it('the host alone', () => expect(synapseUrls(HOST)).toEqual(both));
  it('the host with a trailing slash', () => expect(synapseUrls(`${HOST}/`)).toEqual(both));
  it('the repository service URL', () => expect(synapseUrls(`${HOST}/repo/v1`)).toEqual(both));
  it('the repository service URL with a trailing slash', () => expect(synapseUrls(`${HOST}/repo/v1/`)).toEqual(both));
  it('the file service URL', () => expect(synapseUrls(`${HOST}/file/v1`)).toEqual(both));
  it('the file service URL with a trailing slash', () => expect(synapseUrls(`${HOST}/file/v1//`)).toEqual(both));
  it('surrounding spaces', () => expect(synapseUrls(`  ${HOST}/repo/v1  `)).toEqual(both));

  it('nothing typed: the official client defaults', () => {
    expect(synapseUrls('')).toEqual({ repoUrl: SYNAPSE_REPO_URL, fileUrl: SYNAPSE_FILE_URL });
  });

  it('repoUrl and fileUrl options override the endpoint, each in any spelling', () => {
    expect(synapseUrls(HOST, { fileUrl: 'https://file-prod.prod.sagebase.org/' })).toEqual({ ...both, fileUrl: 'https://file-prod.prod.sagebase.org/file/v1' });
    expect(synapseUrls(HOST, { repoUrl: 'http://127.0.0.1:1/file/v1' })).toEqual({ ...both, repoUrl: 'http://127.0.0.1:1/repo/v1' });
  });
});

describe('Synapse remote path', () => {
  const file = { path: '/home/u/data/x.bin', name: 'x.bin' };

  it('a leading Synapse id is the container; the rest are folders and the name', () => {
    expect(parseTarget('/syn123/raw/2024/x.bin', undefined, file)).toEqual({ container: 'syn123', folders: ['raw', '2024'], name: 'x.bin' });
    expect(parseTarget('SYN9\\a\\b.bin', 'syn1', file)).toEqual({ container: 'syn9', folders: ['a'], name: 'b.bin' });
  });

  it('otherwise the path is relative to parentId; a bare container takes the local name', () => {
    expect(parseTarget('/Data/x.bin', 'syn55', file)).toEqual({ container: 'syn55', folders: ['Data'], name: 'x.bin' });
    expect(parseTarget('/syn55', undefined, file)).toEqual({ container: 'syn55', folders: [], name: 'x.bin' });
  });

  it('says what to set when there is no container, and refuses a parentId that is not an id', () => {
    expect(() => parseTarget('/x.bin', undefined, file)).toThrow(/set parentId to the project or folder id/);
    expect(() => parseTarget('/x.bin', 'My Project', file)).toThrow(/parentId must be a project or folder id such as syn123, not "My Project"/);
  });

  it('refuses names Synapse refuses, naming the local file, the part and the characters', () => {
    const err = ((): FerryError => { try { parseTarget('/syn1/a/b?c/x.bin', undefined, file); } catch (e) { return e as FerryError; } throw new Error('no throw'); })();
    expect(err.code).toBe('bad-input');
    expect(err.message).toBe('cannot upload /home/u/data/x.bin to Synapse as /syn1/a/b?c/x.bin: the folder name "b?c" is not allowed because it contains "?"; Synapse names may only contain letters, numbers, spaces, underscores, hyphens, periods, plus signs, apostrophes, and parentheses (and commas). Rename it and try again');
    expect(() => parseTarget('/syn1/../x.bin', undefined, file)).toThrow(/contains "\.\."/);
  });
});

describe('Synapse entity name rule (ModelConstants.VALID_ENTITY_NAME_REGEX, NameValidation)', () => {
  it.each(["a, b's (c)+d-e_f.g", 'UPPER lower 123', '.', '  padded  '])('accepts %j', (n) => expect(nameProblem(n)).toBeUndefined());
  it.each([['é.txt', /"é"/], ['a/b', /"\/"/], ['a&b#c', /"&" "#"/], ['', /empty/], ['   ', /empty/], ['n'.repeat(257), /longer than 256/]])('refuses %j', (n, why) => {
    expect(nameProblem(n)).toMatch(why);
  });
});

describe('Synapse storage limit refusals', () => {
  it('507, or a 4xx whose reason speaks of a storage limit or quota', () => {
    expect(isStorageLimit(507, undefined)).toBe(true);
    expect(isStorageLimit(403, 'Project syn1 has exceeded its storage limit of 15 bytes.')).toBe(true);
    expect(isStorageLimit(400, 'Upload would exceed the storage quota of this project')).toBe(true);
  });

  it('not other refusals that mention limits or exceeding', () => {
    expect(isStorageLimit(400, 'File Upload would require 10001 parts, which exceeds the maximum number of allowed parts of: 10000. Please choose a larger part size.')).toBe(false);
    expect(isStorageLimit(400, 'Limit of 10000 children exceeded for parent: syn1')).toBe(false);
    expect(isStorageLimit(403, 'Anonymous cannot upload files.')).toBe(false);
    expect(isStorageLimit(500, 'storage limit')).toBe(false);
  });
});
