// Which files the app:// scheme serves: the renderer build's own top-level files, by plain
// name. Anything with a slash, a dot-dot or an odd character is not found. Pure.
export const RENDERER_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8',
  map: 'application/json', png: 'image/png', svg: 'image/svg+xml',
};

/** The asset name for a request path, or undefined when it must be a 404. */
export function assetName(pathname: string): string | undefined {
  const name = pathname === '/' ? 'index.html' : pathname.replace(/^\//, '');
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/.test(name)) return undefined;
  return contentType(name) ? name : undefined;
}

export function contentType(name: string): string | undefined {
  return TYPES[name.slice(name.lastIndexOf('.') + 1)];
}
