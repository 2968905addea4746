// Which storage location a new file goes to. Synapse decides per project or folder
// (GET {file}/entity/{id}/uploadDestination, UploadController.getDefaultUploadDestination); the
// official client puts the answer's storageLocationId into the multipart request for S3, external
// S3 and external Google Cloud destinations, and uses null (Synapse's default bucket) for an
// unknown kind (synapsePythonClient synapseclient/core/upload/upload_functions_async.py).
// Without this, files for a project with its own bucket would land in Synapse's default storage.
import { FerryError } from '../../common/errors.js';
import type { SynapseApi } from './api.js';
import { MULTIPART_DESTINATIONS } from './wire.js';

const CLIENT_SIDE = [
  // SFTP / URL destinations and client-authenticated object stores are uploaded to by the client
  // itself, not through Synapse's multipart API.
  'org.sagebionetworks.repo.model.file.ExternalUploadDestination',
  'org.sagebionetworks.repo.model.file.ExternalObjectStoreUploadDestination',
];

export async function storageLocationFor(api: SynapseApi, containerId: string, file: string, signal: AbortSignal): Promise<number | null> {
  const d = await api.uploadDestination(containerId, signal);
  const kind = typeof d.concreteType === 'string' ? d.concreteType : '';
  if (MULTIPART_DESTINATIONS.includes(kind)) {
    if (typeof d.storageLocationId !== 'number' || !Number.isSafeInteger(d.storageLocationId)) {
      throw new FerryError('protocol', `Synapse named no storage location for uploads into ${containerId} (upload destination ${kind})`, { file });
    }
    return d.storageLocationId;
  }
  if (CLIENT_SIDE.includes(kind)) {
    throw new FerryError('rejected', `files in ${containerId} are stored in ${kind.split('.').pop()} storage (location ${String(d.storageLocationId)}), which is written by the client directly; Ferry uploads only through Synapse's multipart API. Upload ${file} with the Synapse Python client, or choose a folder with Synapse or S3/Google Cloud storage`,
      { file });
  }
  return null;
}
