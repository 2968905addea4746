// multipart/form-data for Box's simple upload: the client builds `attributes` then `file`; the
// emulator parses a bounded body. Only what Box uses: form-data parts with a name and an
// optional filename, no nested multiparts, no transfer encodings.
import { randomBytes } from 'node:crypto';

export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

const CRLF = '\r\n';
const MAX_PARTS = 16;
const MAX_PART_HEADER_BYTES = 8 * 1024;

export function newBoundary(): string {
  return `ferry-${randomBytes(16).toString('hex')}`;
}

/** Builds the body; returns it with the Content-Type header value. */
export function buildMultipart(parts: FormPart[], boundary: string = newBoundary()): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${quote(p.name)}"${p.filename !== undefined ? `; filename="${quote(p.filename)}"` : ''}`;
    const type = p.contentType ? `Content-Type: ${p.contentType}${CRLF}` : '';
    chunks.push(Buffer.from(`--${boundary}${CRLF}Content-Disposition: ${disposition}${CRLF}${type}${CRLF}`), p.data, Buffer.from(CRLF));
  }
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Filenames may hold quotes and line breaks; percent-encode those as browsers do. */
function quote(s: string): string {
  return s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export class MultipartError extends Error {}

/** The boundary from a Content-Type header value, or undefined when it is not multipart/form-data. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new MultipartError('the body has no multipart boundary');
  const parts: FormPart[] = [];
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return parts;
    if (body.subarray(pos, pos + 2).toString() !== CRLF) throw new MultipartError('a multipart boundary is not followed by a line break');
    pos += 2;
    const headerEnd = body.indexOf(CRLF + CRLF, pos);
    if (headerEnd < 0 || headerEnd - pos > MAX_PART_HEADER_BYTES) throw new MultipartError('a multipart part has no end of headers');
    const headers = body.subarray(pos, headerEnd).toString('utf8').split(CRLF);
    const next = body.indexOf(Buffer.from(CRLF + `--${boundary}`), headerEnd + 4);
    if (next < 0) throw new MultipartError('the multipart body ends without a closing boundary');
    parts.push(partFrom(headers, body.subarray(headerEnd + 4, next)));
    if (parts.length > MAX_PARTS) throw new MultipartError(`more than ${MAX_PARTS} multipart parts`);
    pos = next + 2;
  }
}

function partFrom(headers: string[], data: Buffer): FormPart {
  let name: string | undefined;
  let filename: string | undefined;
  let contentType: string | undefined;
  for (const h of headers) {
    const colon = h.indexOf(':');
    const key = h.slice(0, colon).trim().toLowerCase();
    const value = h.slice(colon + 1).trim();
    if (key === 'content-disposition') {
      name = /;\s*name="([^"]*)"/i.exec(value)?.[1];
      filename = /;\s*filename="([^"]*)"/i.exec(value)?.[1];
    } else if (key === 'content-type') contentType = value;
  }
  if (name === undefined) throw new MultipartError('a multipart part has no Content-Disposition name');
  return { name, data, ...(filename !== undefined ? { filename } : {}), ...(contentType !== undefined ? { contentType } : {}) };
}
