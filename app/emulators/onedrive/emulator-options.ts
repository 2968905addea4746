// OneDrive emulator settings. Facts marked [U] in protocols.md section 4 are options here, each
// with the default this emulator uses and why.
import { FRAGMENT_LIMIT, SIMPLE_UPLOAD_MAX } from '../../providers/onedrive/wire.js';

export interface OnedriveEmulatorOptions {
  /** Serve https with a self-signed certificate made at start (exposed as `certificatePem`). Default false. */
  tls?: boolean;
  /** Session lifetime from creation [U]: one public report says a fixed ~24 h. Default 24 h. */
  sessionLifetimeMs?: number;
  /** Extend the session by `sessionLifetimeMs` on every accepted fragment [U]. Default false. */
  slidingExpiry?: boolean;
  /**
   * The upload URL's tempauth lifetime, after which it answers 403 accessDenied although the
   * session has not expired (abraunegg issue #3355). Default: never.
   */
  urlExpiryMs?: number;
  /** Answer 401 when an upload-URL request carries Authorization (Graph docs: "may yield 401"). Default false. */
  strictUploadAuth?: boolean;
  /**
   * Fail the commit (400 uploadSessionFailed) when a non-final fragment was not a multiple of
   * 320 KiB. Live OneDrive accepts such fragments; the docs warn of commit errors. Default false.
   */
  strictAlignment?: boolean;
  /** Fragments of this many bytes or more get 413 maxFragmentLengthExceeded [U status]. Default 60 MiB. */
  maxFragmentBytes?: number;
  /** Simple uploads (`PUT …:/content`) above this get 413. Default 4 MiB (the classic documented limit). */
  simpleUploadMaxBytes?: number;
  /** Include `sha1Hash` in driveItems (OneDrive Personal does; Business reports only quickXorHash). Default false. */
  reportSha1?: boolean;
  /** Report a wrong quickXorHash on completion (fault row 29). Default false. */
  wrongQuickXorHash?: boolean;
  /**
   * Require the bearer token on Graph API calls. The Graph JS SDK sends no Authorization over
   * plain http, so its http-form fidelity run turns this off. Default true.
   */
  requireToken?: boolean;
  /** The drive's id for `/drives/{id}` addressing (and `parentReference.driveId`). Default 'b!emulator-drive'. */
  driveId?: string;
  /** The site whose default library is this drive, for `/sites/{id}/drive`. Default a fixed `host,guid,guid`. */
  siteId?: string;
  /** The token is app-only (client credentials): `/me` answers 400 BadRequest as Graph does. Default false. */
  appOnly?: boolean;
  /**
   * The drive's quota in bytes of files this emulator stored; past it Graph's 507 quotaLimitReached
   * "Insufficient Space Available" (at createUploadSession when `item.fileSize` is too big, at a
   * simple upload, at the commit of the last fragment). Default: no limit.
   */
  quotaBytes?: number;
}

export type ResolvedOnedriveOptions = Required<Omit<OnedriveEmulatorOptions, 'urlExpiryMs' | 'quotaBytes'>> & { urlExpiryMs: number; quotaBytes: number };

export const DEFAULT_DRIVE_ID = 'b!emulator-drive';
export const DEFAULT_SITE_ID = 'emulator.sharepoint.com,00000000-0000-4000-8000-000000000001,00000000-0000-4000-8000-000000000002';

export const DAY_MS = 24 * 60 * 60 * 1000;

export function resolveOnedriveOptions(o: OnedriveEmulatorOptions): ResolvedOnedriveOptions {
  return {
    tls: o.tls ?? false,
    sessionLifetimeMs: o.sessionLifetimeMs ?? DAY_MS,
    slidingExpiry: o.slidingExpiry ?? false,
    urlExpiryMs: o.urlExpiryMs ?? Infinity,
    strictUploadAuth: o.strictUploadAuth ?? false,
    strictAlignment: o.strictAlignment ?? false,
    maxFragmentBytes: o.maxFragmentBytes ?? FRAGMENT_LIMIT,
    simpleUploadMaxBytes: o.simpleUploadMaxBytes ?? SIMPLE_UPLOAD_MAX,
    reportSha1: o.reportSha1 ?? false,
    wrongQuickXorHash: o.wrongQuickXorHash ?? false,
    requireToken: o.requireToken ?? true,
    driveId: o.driveId ?? DEFAULT_DRIVE_ID,
    siteId: o.siteId ?? DEFAULT_SITE_ID,
    appOnly: o.appOnly ?? false,
    quotaBytes: o.quotaBytes ?? Infinity,
  };
}
