// `nextExpectedRanges` → the offset to continue from. Graph lists the *missing* ranges
// ("26-", "12345-55232"), not necessarily all of them; uploads here are strictly sequential, so
// the start of the first missing range is what the server holds. An empty list means every byte
// arrived. Anything else is "offset drift": the engine must not guess.
import { FerryError } from '../../common/errors.js';

export function heldOffset(ranges: unknown, size: number, what: string): number {
  if (!Array.isArray(ranges)) throw drift(what, `nextExpectedRanges is ${JSON.stringify(ranges)}, not a list`);
  if (ranges.length === 0) return size;
  const first: unknown = ranges[0];
  const m = typeof first === 'string' ? /^(\d+)-(\d*)$/.exec(first.trim()) : null;
  if (!m) throw drift(what, `nextExpectedRanges starts with ${JSON.stringify(first)}, not "start-" or "start-end"`);
  const start = Number(m[1]);
  const end = m[2] === '' ? undefined : Number(m[2]);
  if (start >= size || (end !== undefined && (end < start || end >= size))) {
    throw drift(what, `the server expects bytes ${first} of a ${size}-byte file`);
  }
  return start;
}

function drift(what: string, why: string): FerryError {
  return new FerryError('protocol', `offset drift on ${what}: ${why}`);
}
