// The one contract between a UI and the process that owns the engine (Electron main over IPC,
// the headless host over HTTP). Commands and events are type maps keyed by channel name; the
// preload exposes one method per channel as `window.ferry`. Pure types and constants only.
import type { BandwidthInfo } from './bwlimit-schedule.js';
import type { AccountDraft } from './account-form.js';
import type { ErrorInfo } from './errors.js';
import type { ConflictPolicy, ProviderId, TransferView } from './transfer.js';

/** Commands never throw across the boundary (IPC keeps only `message` of a thrown error). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** A target as a UI sees it: everything but the token. */
export interface TargetSummary {
  id: string;
  name: string;
  provider: ProviderId;
  url: string;
  remoteRoot: string;
  conflict: ConflictPolicy;
  options: Record<string, string>;
  sandbox: boolean;
  hasToken: boolean;
}

export interface NewTarget {
  name: string;
  provider: ProviderId;
  url: string;
  token: string;
  remoteRoot: string;
  conflict: ConflictPolicy;
  options: Record<string, string>;
}

export interface ConnectionCheck {
  ok: boolean;
  /** Words for the user: what was reached, or why not. */
  message: string;
  /** Account checks: who the provider says you are, where files go, and the space left. */
  who?: string;
  where?: string;
  space?: string;
}

/** Where an interactive sign-in stands. Never a token: the device code and the PKCE verifier stay in the service. */
export type SignInState =
  | { step: 'browser'; url: string }
  | { step: 'code'; userCode: string; verificationUri: string }
  | { step: 'failed'; message: string };

/** An account (a remote of $FERRY_HOME) as a UI sees it: no secret. Uploads go to target `targetId`. */
export interface AccountSummary {
  name: string;
  provider: ProviderId;
  url: string;
  targetId: string;
  kind: 'static' | 'oauth' | 'ucloud';
  /** 'signing-in': not saved until the sign-in below completes. */
  status: 'ok' | 'needs-sign-in' | 'signing-in';
  statusReason?: string;
  options: Record<string, string>;
  signIn?: SignInState;
}

export interface SignInRequest {
  name: string;
  method?: 'browser' | 'device';
  /** A fixed-token account: the new token. */
  token?: string;
}

export interface AccountUpdate {
  name: string;
  newName?: string;
  /** The provider's place option (folder, drive, table, project). */
  place?: string;
}

export interface WatchedFolder {
  id: string;
  localPath: string;
  targetId: string;
  /** Remote folder the watched folder mirrors into. */
  remoteDir: string;
}

export interface AppInfo {
  shell: 'desktop' | 'host';
  version: string;
  platform: string;
  /** Whether the native file dialog (`dialog:pick`) exists; the browser uses <input type=file>. */
  nativeDialog: boolean;
  /** 'os': tokens encrypted by the OS keychain; 'none': stored in plain text (warned); 'file': host, file mode 0600. */
  tokenStorage: 'os' | 'none' | 'file';
  /** Shown as a banner when set, e.g. no OS encryption available. */
  warning?: string;
}

export interface AddFilesRequest {
  targetId: string;
  /** Local files or folders; folders are added recursively, keeping their name. */
  paths: string[];
  /** Remote folder to upload into; the target's root when absent. */
  remoteDir?: string;
}

/** A path an add left out, and why (never uploaded, a link not followed, unreadable, ...). */
export interface SkippedPath {
  path: string;
  reason: string;
}

/** What `transfers:add` queued, and what it found but left out: nothing is dropped silently. */
export interface AddFilesResult {
  added: TransferView[];
  skipped: SkippedPath[];
}

/** Engine settings a UI can read and change while transfers run. */
export interface SettingsView {
  /** The bandwidth limit for all transfers together, and the rate in force now. */
  bwlimit: BandwidthInfo;
  /** How many files upload at once. */
  filesAtOnce: number;
}

/** Settings to change; absent fields stay as they are. */
export interface SettingsChange {
  /** `--bwlimit` syntax: "4M", "off", "08:00,512k 19:00,off", "Mon-08:00,1M" (local time; 0 pauses). */
  bwlimit?: string;
  /** Files uploading at once, 1 to 16; more start at once, fewer take effect as files finish. */
  filesAtOnce?: number;
}

/** Changes since the last event: rows added or changed, and ids dropped. `reset` replaces everything. */
export interface TransfersDelta {
  reset: boolean;
  upsert: TransferView[];
  remove: string[];
}

export interface Commands {
  'app:info': { req: null; res: AppInfo };
  'app:openExternal': { req: { url: string }; res: null };
  /** The diagnostics bundle (JSON text, secrets removed) and where Ferry keeps its state. */
  'app:diagnostics': { req: { connectionTests: boolean }; res: { text: string; stateFolder: string } };
  'dialog:pick': { req: { folders: boolean }; res: string[] };
  'transfers:list': { req: null; res: TransferView[] };
  'transfers:add': { req: AddFilesRequest; res: AddFilesResult };
  'transfers:pause': { req: { id: string }; res: null };
  'transfers:resume': { req: { id: string }; res: null };
  'transfers:cancel': { req: { id: string }; res: null };
  'transfers:retry': { req: { id: string }; res: null };
  'transfers:pauseAll': { req: null; res: null };
  'transfers:resumeAll': { req: null; res: null };
  'transfers:clearFinished': { req: null; res: null };
  'targets:list': { req: null; res: TargetSummary[] };
  'targets:add': { req: NewTarget; res: TargetSummary };
  'targets:test': { req: { id: string }; res: ConnectionCheck };
  'targets:remove': { req: { id: string }; res: null };
  'accounts:list': { req: null; res: AccountSummary[] };
  /** Saves a token account at once; a browser or code sign-in runs on and shows up in `accounts:changed`. */
  'accounts:add': { req: AccountDraft; res: AccountSummary };
  'accounts:signIn': { req: SignInRequest; res: AccountSummary };
  'accounts:cancelSignIn': { req: { name: string }; res: null };
  'accounts:update': { req: AccountUpdate; res: AccountSummary };
  /** Signs in for real: who you are, where files go, space left. */
  'accounts:test': { req: { name: string }; res: ConnectionCheck };
  /** `queued`: what becomes of the account's unfinished transfers. */
  'accounts:remove': { req: { name: string; queued: 'cancel' | 'keep' }; res: null };
  'folders:list': { req: null; res: WatchedFolder[] };
  'folders:add': { req: { localPath: string; targetId: string; remoteDir: string }; res: WatchedFolder };
  'folders:remove': { req: { id: string }; res: null };
  'settings:get': { req: null; res: SettingsView };
  'settings:set': { req: SettingsChange; res: SettingsView };
}

export interface Events {
  'transfers:changed': TransfersDelta;
  'targets:changed': TargetSummary[];
  'folders:changed': WatchedFolder[];
  'accounts:changed': AccountSummary[];
}

export type CommandChannel = keyof Commands;
export type EventChannel = keyof Events;
export type Req<C extends CommandChannel> = Commands[C]['req'];
export type Res<C extends CommandChannel> = Commands[C]['res'];

export const COMMAND_CHANNELS = [
  'app:info', 'app:openExternal', 'app:diagnostics', 'dialog:pick',
  'transfers:list', 'transfers:add', 'transfers:pause', 'transfers:resume', 'transfers:cancel', 'transfers:retry',
  'transfers:pauseAll', 'transfers:resumeAll', 'transfers:clearFinished',
  'targets:list', 'targets:add', 'targets:test', 'targets:remove',
  'accounts:list', 'accounts:add', 'accounts:signIn', 'accounts:cancelSignIn', 'accounts:update', 'accounts:test', 'accounts:remove',
  'folders:list', 'folders:add', 'folders:remove',
  'settings:get', 'settings:set',
] as const satisfies readonly CommandChannel[];

export const EVENT_CHANNELS = ['transfers:changed', 'targets:changed', 'folders:changed', 'accounts:changed'] as const satisfies readonly EventChannel[];

export function isCommandChannel(c: unknown): c is CommandChannel {
  return typeof c === 'string' && (COMMAND_CHANNELS as readonly string[]).includes(c);
}

/** `window.ferry`: one method per command channel, one subscribe method per event channel. */
export type FerryWindowApi = { [C in CommandChannel]: (req: Req<C>) => Promise<Result<Res<C>>> } & {
  [E in EventChannel]: (listener: (payload: Events[E]) => void) => () => void;
} & {
  /** Desktop only: the local path of a dropped File (Electron's webUtils); '' when it has none. */
  pathForFile(file: unknown): string;
};

/** What the renderer codes against; implemented over IPC (desktop) and HTTP (host). */
export interface Bridge {
  readonly kind: 'ipc' | 'http';
  invoke<C extends CommandChannel>(channel: C, req: Req<C>): Promise<Result<Res<C>>>;
  on<E extends EventChannel>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/** Headless host routes (`app/host`); kept here so the renderer's HTTP bridge and the server agree. */
export const HOST_ROUTES = {
  /** POST /api/call/<channel> with the JSON request body; answers a Result. */
  call: '/api/call/',
  /** GET: text/event-stream of `event: <channel>` / `data: <json>`. */
  events: '/api/events',
  /** POST raw bytes; header `x-ferry-name` (URI-encoded relative path); answers Result<{ localPath }>. */
  files: '/api/files',
  /** The page's session secret (see app/host/host-auth.ts); a cross-site page cannot add it without a CORS preflight we never grant. */
  sessionHeader: 'x-ferry-session',
  /** POST {code} (the printed URL's single-use code) or with the host token: answers { session }. DELETE: revoke this session. */
  session: '/api/session',
} as const;
