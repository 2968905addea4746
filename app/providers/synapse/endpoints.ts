// Where the two Synapse services live. A user types one endpoint: the host
// (https://repo-prod.prod.sagebase.org) or a service URL under it (…/repo/v1, …/file/v1, with or
// without a trailing slash). One Synapse web application serves /repo/v1, /file/v1 and /auth/v1
// (Synapse-Repository-Services services/repository/src/main/webapp/WEB-INF/web.xml), so both
// services are derived from the same host. `repoUrl`/`fileUrl` options still override each one.

/** synapsePythonClient synapseclient/client.py PRODUCTION_ENDPOINTS. */
export const SYNAPSE_REPO_URL = 'https://repo-prod.prod.sagebase.org/repo/v1';
export const SYNAPSE_FILE_URL = 'https://file-prod.prod.sagebase.org/file/v1';

const SERVICE_SUFFIX = /\/(?:repo|file|auth)\/v1$/;

/** The host part of what the user typed: trailing slashes and one service suffix removed. */
export function hostOf(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(SERVICE_SUFFIX, '');
}

function service(url: string, suffix: '/repo/v1' | '/file/v1'): string {
  return `${hostOf(url)}${suffix}`;
}

export interface SynapseUrls {
  repoUrl: string;
  fileUrl: string;
}

export function synapseUrls(endpointUrl: string, opt: { repoUrl?: string; fileUrl?: string } = {}): SynapseUrls {
  const base = endpointUrl.trim();
  return {
    repoUrl: opt.repoUrl?.trim() ? service(opt.repoUrl, '/repo/v1') : base ? service(base, '/repo/v1') : SYNAPSE_REPO_URL,
    fileUrl: opt.fileUrl?.trim() ? service(opt.fileUrl, '/file/v1') : base ? service(base, '/file/v1') : SYNAPSE_FILE_URL,
  };
}
