/**
 * contracts/management: the gateway's management API (`/v1/clients…`,
 * `/v1/api-keys…`, scope gateway:admin) as it crosses the wire — the request
 * schemas the gateway validates with, the types read from them, and the
 * credentials' views the CLI and the console read.
 */
export { clientIdParams, newClientBody, newApiKeyBody, listQuery } from './requests.js';
export type { NewClientRequest, NewApiKeyRequest, CredentialListParams } from './requests.js';
export type { ClientAuthMethod, RateLimit, CredentialStatus, ClientView, ApiKeyView, IssuedClientView, IssuedApiKeyView, ClientPage, ApiKeyPage, TokenResponse } from './credentials.js';
