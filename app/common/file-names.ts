// Local file names Ferry cannot handle, and the words it reports them with.

/**
 * Node decodes file names as UTF-8 and turns other bytes into U+FFFD; such a name opens
 * nothing. Adding, uploading and folder sync report the file with this reason.
 */
export const NOT_UTF8 = 'the file name is not valid UTF-8, so it cannot be opened by name; rename it (e.g. with convmv) to upload it';

export function mayBeUndecodable(name: string): boolean {
  return name.includes('\uFFFD');
}
