// What each service answers when a bearer token is missing, expired or invalid: the shapes the
// emulators give when an authorization server is attached (kit emulator-host `auth`).
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Rejector = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Box: 401 with `WWW-Authenticate: Bearer … error="invalid_token"` and an empty body; code
 * `invalid_token` "The access token provided is invalid." (developer.box.com api-calls/
 * permissions-and-errors/common-errors.md). The exact WWW-Authenticate value is [U].
 */
export const boxReject: Rejector = (_req, res) => {
  res.writeHead(401, { 'content-length': '0', 'www-authenticate': 'Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid."' });
  res.end();
};

/**
 * Microsoft Graph: 401 for a missing, invalid or expired token (graph docs concepts/
 * resolve-auth-errors.md), body `{"error":{"code","message","innerError"}}` (concepts/errors.md);
 * code "InvalidAuthenticationToken" and the message are from user reports (msgraph-sdk-javascript
 * issue 1450), not Microsoft's docs: [U]. The WWW-Authenticate value follows MS-claims: [U].
 */
export const graphReject: Rejector = (req, res) => {
  const body = JSON.stringify({
    error: {
      code: 'InvalidAuthenticationToken',
      message: req.headers.authorization ? 'Access token has expired or is not yet valid.' : 'Access token is empty.',
      innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': 'emulator', 'client-request-id': 'emulator' },
    },
  });
  res.writeHead(401, {
    'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
    'www-authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
  });
  res.end(body);
};

/**
 * UCloud: an expired or unparsable JWT is treated as a guest, so the endpoint answers 403
 * `{"statusCode":403,"why":"Forbidden","errorCode":"","detailedCode":0}` (UCloud core2/pkg/launcher/00_module.go).
 */
export const ucloudReject: Rejector = (_req, res) => {
  const body = JSON.stringify({ statusCode: 403, why: 'Forbidden', errorCode: '', detailedCode: 0 });
  res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

export const REJECTORS: Record<string, Rejector> = { box: boxReject, onedrive: graphReject, ucloud: ucloudReject };
