// `POST /api/files/upload` (files.createUpload): Bearer auth, BulkRequest bounds, drive-id paths
// (core2 `filesFetchDrives`), the drive's quota (im2 `createUpload`: 402 when its wallet is
// locked), protocol negotiation (the provider's first protocol the client also speaks), then one
// session per item. The whole request is validated before any session is made.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpInputError, readJson, sendJson } from '../kit/http-io.js';
import { cleanRemotePath, type ConflictPolicy, type FileStore } from '../kit/file-store.js';
import type { SessionTable } from './emulator-sessions.js';
import {
  IM1_MESSAGES, MAX_BULK_ITEMS, UPLOAD_PROTOCOLS, WRITE_CONFLICT_POLICIES,
  type BulkResponse, type CreateUploadResponseItem, type UploadProtocol, type WriteConflictPolicy,
} from '../../providers/ucloud/wire.js';

export interface CreateUploadDeps {
  /** Checks the bearer token: undefined when it is good, else the answer core2 would give. */
  auth: (req: IncomingMessage) => { status: number; why: string } | undefined;
  sessions: SessionTable;
  store: FileStore;
  /** Protocols this provider offers, in its order of preference. */
  protocols: readonly UploadProtocol[];
  /** Where the bytes go: the CHUNKED endpoint, or the socket address with its token. */
  endpointFor: (protocol: UploadProtocol, token: string) => string;
  /** The drive's storage quota is used up: im2 answers 402 "Insufficient funds". */
  quotaExceeded: boolean;
  sessionCreated: () => void;
}

interface Planned { path: string; conflict: ConflictPolicy; protocol: UploadProtocol }

const CONFLICT: Record<WriteConflictPolicy, ConflictPolicy> = {
  RENAME: 'rename',
  // A single file cannot be merged; UCloud treats MERGE_RENAME as RENAME for files.
  MERGE_RENAME: 'rename',
  REJECT: 'fail',
  REPLACE: 'replace',
};

export async function handleCreateUpload(req: IncomingMessage, res: ServerResponse, d: CreateUploadDeps): Promise<void> {
  const denied = d.auth(req);
  if (denied) {
    req.resume();
    return sendJson(res, denied.status, { statusCode: denied.status, why: denied.why });
  }
  let body: unknown;
  try {
    body = await readJson(req);
  } catch (e) {
    if (e instanceof HttpInputError) return sendJson(res, e.status, { why: e.message });
    throw e;
  }
  const items = (body as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items)) return sendJson(res, 400, { why: 'Request body must be a BulkRequest: {"items": [...]}' });
  if (items.length === 0) return sendJson(res, 400, { why: IM1_MESSAGES.emptyBulk });
  if (items.length > MAX_BULK_ITEMS) return sendJson(res, 400, { why: IM1_MESSAGES.bulkTooLarge });

  const planned: Planned[] = [];
  for (const [i, item] of items.entries()) {
    const p = plan(item, d.protocols);
    if (typeof p === 'string') return sendJson(res, 400, { why: items.length > 1 ? `items[${i}]: ${p}` : p });
    // core2 reads the first segment as a drive id; a name there finds no drive, and its lookup
    // answers 403 "write permission is required" (orchestrator/files.go, resources.go).
    if (!/^\/\d+\//.test(p.path)) return sendJson(res, 403, { statusCode: 403, why: 'write permission is required' });
    planned.push(p);
  }
  if (d.quotaExceeded) return sendJson(res, 402, { statusCode: 402, why: 'Insufficient funds' });
  await d.sessions.sweep();
  const responses: CreateUploadResponseItem[] = [];
  for (const p of planned) {
    let { path, conflict } = p;
    if (p.protocol === 'WEBSOCKET_V2') {
      // im2 (k8s createUpload) picks the free name for RENAME when the session is made and
      // honours no REJECT: the socket upload then writes over whatever the path holds.
      if (conflict === 'rename') path = await d.store.placeFor(path, 'rename');
      conflict = 'replace';
    }
    const s = d.sessions.create(path, conflict);
    d.sessionCreated();
    responses.push({ endpoint: d.endpointFor(p.protocol, s.token), protocol: p.protocol, token: s.token });
  }
  await d.sessions.save();
  const out: BulkResponse<CreateUploadResponseItem> = { responses };
  sendJson(res, 200, out);
}

/** One item's session plan, or the reason it is refused (400). */
function plan(raw: unknown, offered: readonly UploadProtocol[]): Planned | string {
  if (typeof raw !== 'object' || raw === null) return 'each item must be an object';
  const item = raw as Record<string, unknown>;
  if (typeof item.id !== 'string') return 'id must be the target path, e.g. "/123/folder/file.bin"';
  let path: string;
  try {
    path = cleanRemotePath(item.id);
  } catch (e) {
    return `invalid target path ${JSON.stringify(item.id)}: ${(e as Error).message}`;
  }
  if (item.type !== 'FILE' && item.type !== 'FOLDER') return 'type must be "FILE" or "FOLDER"';
  const asked = item.supportedProtocols;
  if (!Array.isArray(asked) || asked.some((p) => !(UPLOAD_PROTOCOLS as readonly unknown[]).includes(p))) {
    return `supportedProtocols must list some of ${UPLOAD_PROTOCOLS.join(', ')}`;
  }
  const policy = item.conflictPolicy;
  if (!(WRITE_CONFLICT_POLICIES as readonly unknown[]).includes(policy)) {
    return `conflictPolicy must be one of ${WRITE_CONFLICT_POLICIES.join(', ')}`;
  }
  const protocol = offered.find((p) => asked.includes(p));
  if (protocol === undefined) return IM1_MESSAGES.protocolNotSupported;
  if (item.type === 'FOLDER' && !protocol.startsWith('WEBSOCKET')) return 'Folder uploads require a websocket protocol';
  return { path, conflict: CONFLICT[policy as WriteConflictPolicy], protocol };
}
