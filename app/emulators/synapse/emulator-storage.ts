// Storage settings of the emulated projects and folders. In Synapse a project or folder may carry
// an upload setting (UploadDestinationListSetting) naming its own storage location; files created
// below it are uploaded there, and GET /entity/{id}/uploadDestination says which
// (UploadController.getDefaultUploadDestination). Without a setting the answer is Synapse's own S3
// bucket, storage location 1 (StorageLocationDAO.DEFAULT_STORAGE_LOCATION_ID).
import {
  DEFAULT_STORAGE_LOCATION_ID,
  EXTERNAL_GCP_UPLOAD_DESTINATION,
  S3_UPLOAD_DESTINATION,
  type UploadDestination,
} from '../../providers/synapse/wire.js';

export interface StorageDestinationOption {
  storageLocationId: number;
  /** UploadDestination concreteType; default ExternalS3UploadDestination. */
  concreteType?: string;
  banner?: string;
}

export interface StorageOptions {
  /** Projects or folders (by id) with their own storage location; their descendants inherit it. */
  uploadDestinations?: Record<string, StorageDestinationOption>;
  /**
   * [U] Bytes of files a project (by id) may hold. Synapse plans limit a project's storage
   * (ProjectStorageUsage.maxAllowedFileBytes); where and how the server refuses an upload over it
   * is not in its public source. The emulator refuses at file entity creation.
   */
  storageLimits?: Record<string, number>;
  /** [U] The refusal's status and reason. Default 403 with a reason naming the storage limit. */
  storageLimitError?: { status: number; reason: string };
}

const EXTERNAL_S3 = 'org.sagebionetworks.repo.model.file.ExternalS3UploadDestination';

/** The destination of the first of `chain` (container, then its parents) that has one. */
export function storageDestination(o: StorageOptions, chain: string[]): UploadDestination {
  for (const id of chain) {
    const d = o.uploadDestinations?.[id];
    if (!d) continue;
    const concreteType = d.concreteType ?? EXTERNAL_S3;
    const uploadType = concreteType === EXTERNAL_GCP_UPLOAD_DESTINATION ? 'GOOGLECLOUDSTORAGE' : concreteType.endsWith('ExternalUploadDestination') ? 'SFTP' : 'S3';
    return { concreteType, storageLocationId: d.storageLocationId, uploadType, ...(d.banner ? { banner: d.banner } : {}) };
  }
  return { concreteType: S3_UPLOAD_DESTINATION, storageLocationId: DEFAULT_STORAGE_LOCATION_ID, uploadType: 'S3' };
}
