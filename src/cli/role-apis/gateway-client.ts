/**
 * The CLI's client of the gateway's identity API: the management calls
 * (`/v1/clients…`, `/v1/api-keys…`, scope gateway:admin) and the token
 * endpoint (`POST /oauth/token`, client credentials). One method per call,
 * and one place that turns an error body into a line a person can act on.
 */
import { ErrorCodes, Errors } from '../../protocol/index.js';
import type { ApiKeyPage, ApiKeyView, ClientPage, ClientView, CredentialListParams, IssuedApiKeyView, IssuedClientView, NewApiKeyRequest, NewClientRequest, TokenResponse } from '../../contracts/management/index.js';
import { RoleApi, type RoleClientOptions } from './role-api.js';

export type { ClientAuthMethod, NewApiKeyRequest, NewClientRequest, TokenResponse } from '../../contracts/management/index.js';

export { DEFAULT_GATEWAY_URL } from './role-url-choice.js';

/** Options of {@link GatewayClient}. */
export interface GatewayClientOptions extends RoleClientOptions {
  /** Bearer token of the management calls: the admin token, or a token with gateway:admin. */
  adminToken?: string | undefined;
}

/** What the CLI sends to the token endpoint. */
export interface TokenRequest {
  clientId: string;
  clientSecret: string;
  scope?: string | undefined;
  audience?: string | undefined;
  /** `basic` (default) or `post`. */
  method?: 'basic' | 'post';
  /** Path of the token endpoint on the gateway's origin; default `/oauth/token`. */
  path?: string;
}

interface StatusBody {
  error?: unknown;
  error_description?: unknown;
}


/**
 * Calls the gateway. Every failure is an AgentmeshError whose message is the
 * line the CLI prints: unreachable gateway (with its URL), missing admin
 * token, unknown client or key, refused input (each violation on its own
 * line), refused token request (the RFC 6749 error and its description).
 *
 * @example
 * const gateway = new GatewayClient({ url: 'http://localhost:4200', adminToken: process.env.GATEWAY_ADMIN_TOKEN });
 * const client = await gateway.createClient({ name: 'router', tenant: 'acme', scopes: ['a2a:message:send'], authMethod: 'client_secret_basic' });
 */
export class GatewayClient {
  readonly url: string;
  readonly #api: RoleApi;
  readonly #adminToken: string | undefined;

  constructor(options: GatewayClientOptions) {
    this.#api = new RoleApi({ url: options.url, role: 'gateway', fetchImpl: options.fetchImpl, signal: options.signal, onRetry: options.onRetry });
    this.url = this.#api.url;
    this.#adminToken = options.adminToken === '' ? undefined : options.adminToken;
  }

  createClient(body: NewClientRequest): Promise<IssuedClientView> {
    return this.#admin('POST', '/v1/clients', body);
  }

  listClients(query: CredentialListParams): Promise<ClientPage> {
    return this.#admin('GET', `/v1/clients${queryString(query)}`);
  }

  getClient(id: string): Promise<ClientView> {
    return this.#admin('GET', `/v1/clients/${enc(id)}`, undefined, { client: id });
  }

  rotateClientSecret(id: string, graceSeconds?: number): Promise<IssuedClientView> {
    return this.#admin('POST', `/v1/clients/${enc(id)}/rotate-secret`, graceSeconds === undefined ? {} : { graceSeconds }, { client: id });
  }

  revokeClient(id: string): Promise<ClientView> {
    return this.#admin('POST', `/v1/clients/${enc(id)}/revoke`, {}, { client: id });
  }

  createApiKey(body: NewApiKeyRequest): Promise<IssuedApiKeyView> {
    return this.#admin('POST', '/v1/api-keys', body);
  }

  listApiKeys(query: CredentialListParams): Promise<ApiKeyPage> {
    return this.#admin('GET', `/v1/api-keys${queryString(query)}`);
  }

  rotateApiKey(id: string, graceSeconds?: number): Promise<IssuedApiKeyView> {
    return this.#admin('POST', `/v1/api-keys/${enc(id)}/rotate`, graceSeconds === undefined ? {} : { graceSeconds }, { key: id });
  }

  revokeApiKey(id: string): Promise<ApiKeyView> {
    return this.#admin('POST', `/v1/api-keys/${enc(id)}/revoke`, {}, { key: id });
  }

  /** Client credentials grant (RFC 6749 §4.4), authenticating with the secret in a Basic header (default) or the body. */
  async token(request: TokenRequest): Promise<TokenResponse> {
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    if (request.scope !== undefined && request.scope !== '') params.set('scope', request.scope);
    if (request.audience !== undefined && request.audience !== '') params.set('audience', request.audience);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (request.method === 'post') {
      params.set('client_id', request.clientId);
      params.set('client_secret', request.clientSecret);
    } else {
      // RFC 6749 §2.3.1: each part form-urlencoded before base64.
      const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
      headers.authorization = `Basic ${Buffer.from(`${form(request.clientId)}:${form(request.clientSecret)}`).toString('base64')}`;
    }
    const path = request.path ?? '/oauth/token';
    const { response, text } = await this.#api.send('POST', path, { body: params.toString(), headers });
    const body = parse(text) as (TokenResponse & StatusBody) | undefined;
    if (response.ok && typeof body?.access_token === 'string') return body;
    if (typeof body?.error === 'string') {
      const hint = body.error === 'invalid_client' ? ' (check --client-id and --client-secret)' : '';
      const refused = response.status === 401 ? Errors.cliTokenClientRefused : Errors.cliTokenRefused;
      throw refused({ error: body.error, description: typeof body.error_description === 'string' ? `: ${body.error_description}` : '', hint });
    }
    throw Errors.cliRoleAnsweredStatus({ url: this.url, method: 'POST', path, status: response.status, role: 'gateway' });
  }

  async #admin<T>(method: string, path: string, body?: unknown, about: { client?: string; key?: string } = {}): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.#adminToken !== undefined) headers.authorization = `Bearer ${this.#adminToken}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const { response, text } = await this.#api.send(method, path, { headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    if (!response.ok) {
      throw this.#api.failure(method, path, response, text, ({ code, status, message }) => {
        if (code === ErrorCodes.IDENTITY_CLIENT_NOT_FOUND && about.client !== undefined) return `client ${about.client} does not exist at ${this.url}`;
        if (code === ErrorCodes.IDENTITY_KEY_NOT_FOUND && about.key !== undefined) return `API key ${about.key} does not exist at ${this.url}`;
        if (status === 401) return `${message} (pass --admin-token or set GATEWAY_ADMIN_TOKEN; beside a local agentmesh up, its admin token is read from .agentmesh/gateway-admin-token)`;
        if (status === 403) return `${message} (the credential lacks the gateway:admin scope)`;
        return undefined;
      });
    }
    const parsed = parse(text);
    if (parsed === undefined) throw Errors.cliRoleAnsweredInvalidJson({ url: this.url, method, path: path.split('?')[0]!, role: 'gateway' });
    return parsed as T;
  }
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function queryString(query: CredentialListParams): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

const enc = encodeURIComponent;
