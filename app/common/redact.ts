// The one place secrets are cut out of text: logs, error messages, a transfer's shown error and
// URLs in error context all pass through here, so what counts as a secret is decided once.

/**
 * `text` with every known secret (tokens, session capabilities; at least 4 characters) replaced,
 * every URL's query string removed (query strings carry capabilities: tempauth, upload_id,
 * signatures) and every `Bearer …` credential hidden.
 */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/(https?:\/\/[^\s"'?]+)\?[^\s"']*/g, '$1?[redacted]').replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]');
}

/** URL without query string or fragment: upload URLs carry capabilities there (tempauth, upload_id). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
