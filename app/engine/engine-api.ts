// What the shells (desktop main, headless host, CLI) and folder sync see of the engine.
// Implemented by `createEngine` (engine.ts); UI tests may use test/fakes/fake-engine.ts.
import type { BandwidthInfo } from '../common/bwlimit-schedule.js';
import type { ConflictPolicy, ProviderId, TransferView } from '../common/transfer.js';

/** An account or sandbox the user uploads to. `token` is a secret: never logged, never sent to a renderer. */
export interface TargetConfig {
  id: string;
  name: string;
  provider: ProviderId;
  /** Provider API base URL. */
  url: string;
  token: string;
  /** Provider-specific settings (Box folder, Synapse parent, Redivis table, ...). */
  options: Record<string, string>;
  conflict: ConflictPolicy;
  /** Remote folder uploads go under unless an item says otherwise, e.g. '/' or '/Ferry'. */
  remoteRoot: string;
  /** The account (`ferry remote`) whose credentials this target uses; `token` is then a placeholder (the account's Http supplies the real one). */
  account?: string;
  /** The built-in sandbox (an emulator started in-process). */
  sandbox?: boolean;
}

export interface AddItem {
  localPath: string;
  /** Full remote path of the file, e.g. '/Footage/day1/a.mov'. */
  remotePath: string;
  /** Overrides the target's conflict policy (folder sync replaces changed files). */
  conflict?: ConflictPolicy;
  /** Who asked: 'user', or 'sync:<folderId>' so sync can follow its own transfers. */
  origin?: string;
}

export interface AddRequest {
  targetId: string;
  items: AddItem[];
}

export interface Engine {
  /** Validates each file (exists, regular, readable) and queues it; throws FerryError naming the first bad one. */
  add(req: AddRequest): Promise<TransferView[]>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Cancels and deletes the server session where the API has a delete. */
  cancel(id: string): Promise<void>;
  /** Re-queues a failed transfer. */
  retry(id: string): Promise<void>;
  pauseAll(): Promise<void>;
  resumeAll(): Promise<void>;
  /** Drops done and cancelled transfers from the list (history). */
  clearFinished(): Promise<void>;
  list(): TransferView[];
  get(id: string): TransferView | undefined;
  /** Called (throttled) with the full list whenever anything changes. Returns an unsubscribe function. */
  onChange(listener: (views: TransferView[]) => void): () => void;
  /** Resolves when the given transfer reaches done, failed or cancelled. */
  settled(id: string): Promise<TransferView>;
  /**
   * The bandwidth limit for all transfers together, in `--bwlimit` syntax ("4M", "08:00,4M 19:00,off");
   * applies at once, to requests on the wire too. Throws FerryError('bad-input') naming what is wrong.
   */
  setBandwidth(spec: string): void;
  /** The limit in force now. */
  bandwidth(): BandwidthInfo;
  /** Files uploading at once (1 to 16): more start at once; fewer take effect as files finish. */
  setMaxConcurrent(n: number): void;
  maxConcurrent(): number;
  /** Loads the journal and resumes what was in flight. */
  start(): Promise<void>;
  /** Stops in-flight requests, persists state (at most one chunk is lost), closes connections. */
  shutdown(): Promise<void>;
}

/** Where targets (accounts) live; the desktop app encrypts tokens with safeStorage. */
export interface TargetStore {
  list(): Promise<TargetConfig[]>;
  get(id: string): Promise<TargetConfig | undefined>;
  put(t: TargetConfig): Promise<void>;
  remove(id: string): Promise<void>;
}
