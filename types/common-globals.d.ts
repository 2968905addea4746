// The WHATWG URL class exists in every runtime app/common runs in (Chromium and Node), but the
// ES2023 lib used for the pure zone does not describe it. Only tsconfig.common.json includes this
// file; the node and renderer zones get URL from @types/node and the DOM lib.
declare class URL {
  constructor(url: string, base?: string);
  readonly href: string;
  readonly origin: string;
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
}
