// The consent and device-code pages a person (or an e2e test) clicks through. Plain HTML forms
// posting back to the server; every value is escaped.
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function consentPage(action: string, params: URLSearchParams, clientId: string, scope: string): string {
  const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in (emulator)</title></head><body>
<h1>Allow access?</h1><p>The application <code>${esc(clientId)}</code> asks for: <code>${esc(scope || '(default scopes)')}</code>.</p>
<form method="post" action="${esc(action)}">${hidden}
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button></form></body></html>`;
}

export function devicePage(action: string, message = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Device sign-in (emulator)</title></head><body>
<h1>Enter the code shown by the application</h1>${message ? `<p id="message">${esc(message)}</p>` : ''}
<form method="post" action="${esc(action)}"><input name="user_code" id="user_code" autocomplete="off">
<button type="submit" id="allow">Allow</button></form></body></html>`;
}
