import type { FastifyInstance } from 'fastify';
import { installBearerChallenge } from '../../../http/index.js';
import type { Logger } from '../../../observability/index.js';
import type { ApiKeyService, NewApiKeyInput } from '../credentials/api-key-service.js';
import type { ClientService, NewClientInput } from '../credentials/client-service.js';
import { apiKeyView, clientView } from '../credentials/views.js';
import { GATEWAY_ADMIN_SCOPE } from '../principal.js';
import type { ListQuery, Page } from '../store/page.js';
import type { RequireScope } from './admin-guard.js';
import * as s from '../../../contracts/management/index.js';
import { invalidArgument, ErrorCodes } from '../../../protocol/index.js';

/** What the management routes need. */
export interface ManagementRoutesOptions {
  clients: ClientService;
  apiKeys: ApiKeyService;
  requireScope: RequireScope;
  clock: () => number;
  log: Logger;
}

type ById = { Params: { id: string } };
type ListRequest = { Querystring: Partial<ListQuery> & { pageSize?: number } };

/** An ISO 8601 date-time to epoch ms, or a 400 naming the field. */
function instant(value: string, field: string): number {
  // Date.parse accepts more than ISO 8601 ("March 7"): demand the ISO shape first.
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, field, 'must be an ISO 8601 date-time with a time zone, e.g. 2027-01-31T00:00:00Z');
  return ms;
}

/** Longest grace period a rotation may ask for: 30 days. */
const MAX_GRACE_SECONDS = 30 * 86_400;

/**
 * The optional `{ graceSeconds }` of a rotation. Checked here rather than by a
 * body schema: a rotation is usually posted without any body, which a schema
 * of type object would refuse.
 */
function graceOf(body: unknown): number | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'body', 'must be a JSON object like { "graceSeconds": 600 }, or absent');
  const unknown = Object.keys(body).filter((k) => k !== 'graceSeconds');
  if (unknown.length > 0) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, unknown[0]!, 'is not a rotation option (only graceSeconds is)');
  const grace = (body as { graceSeconds?: unknown }).graceSeconds;
  if (grace === undefined) return undefined;
  if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS) throw invalidArgument(ErrorCodes.IDENTITY_INVALID_ARGUMENT, 'graceSeconds', `must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS}`);
  return grace;
}

function listQuery(query: ListRequest['Querystring']): ListQuery {
  return { tenant: query.tenant, status: query.status, pageSize: query.pageSize ?? 100, pageToken: query.pageToken };
}

/**
 * `/v1/clients…` and `/v1/api-keys…`: every call needs `gateway:admin`.
 * Secrets appear in exactly two answers: creation and rotation.
 */
export async function managementRoutes(app: FastifyInstance, options: ManagementRoutesOptions): Promise<void> {
  const { clients, apiKeys, clock, log } = options;
  const admin = (request: Parameters<RequireScope>[0]) => options.requireScope(request, GATEWAY_ADMIN_SCOPE);

  await app.register(async (scope) => {
    // RFC 6750 §3: the same challenges as the A2A proxy (invalid_token only when a credential was presented).
    installBearerChallenge(scope, { realm: 'agentmesh', scope: GATEWAY_ADMIN_SCOPE });
    scope.addHook('onSend', async (_request, reply, payload) => {
      // Creation and rotation answers carry a secret: no cache may keep them.
      reply.header('cache-control', 'no-store');
      return payload;
    });

    /** A kind of credential's listing (one page, each record as its view) and its look-up by id: the same for clients and API keys. */
    const readRoutes = <R>(kind: { path: string; tags: string[]; plural: string; singular: string; listedAs: string; service: { list(query: ListQuery): Promise<Page<R>>; require(id: string): Promise<R> }; view: (record: R, now: number) => unknown }) => {
      scope.get<ListRequest>(kind.path, { schema: { tags: kind.tags, summary: `List ${kind.plural}`, querystring: s.listQuery } }, async (request) => {
        await admin(request);
        const page = await kind.service.list(listQuery(request.query));
        const now = clock();
        return { [kind.listedAs]: page.items.map((record) => kind.view(record, now)), ...(page.nextPageToken !== undefined && { nextPageToken: page.nextPageToken }) };
      });
      scope.get<ById>(`${kind.path}/:id`, { schema: { tags: kind.tags, summary: `One ${kind.singular}`, params: s.clientIdParams } }, async (request) => {
        await admin(request);
        return kind.view(await kind.service.require(request.params.id), clock());
      });
    };

    /**
     * A kind of credential's rotation (the new secret shown once, the old one
     * working for the grace period) and its revocation: the same for clients
     * and API keys but for the names the answer and the log give them.
     */
    const rotateRevokeRoutes = <R extends { id: string }>(kind: {
      path: string;
      tags: string[];
      logId: string;
      view: (record: R, now: number) => object;
      rotate: { path: string; summary: string; logged: string; run: (id: string, graceSeconds: number | undefined) => Promise<{ record: R; shown: Record<string, string>; detail?: Record<string, unknown> }> };
      revoke: { summary: string; logged: string; run: (id: string) => Promise<R> };
    }) => {
      const params = s.clientIdParams;
      scope.post<ById & { Body: unknown }>(`${kind.path}/:id/${kind.rotate.path}`, { schema: { tags: kind.tags, summary: kind.rotate.summary, params } }, async (request) => {
        const caller = await admin(request);
        const { record, shown, detail } = await kind.rotate.run(request.params.id, graceOf(request.body));
        log.info({ [kind.logId]: record.id, by: caller.subject, ...detail }, kind.rotate.logged);
        return { ...kind.view(record, clock()), ...shown };
      });
      scope.post<ById>(`${kind.path}/:id/revoke`, { schema: { tags: kind.tags, summary: kind.revoke.summary, params } }, async (request) => {
        const caller = await admin(request);
        const record = await kind.revoke.run(request.params.id);
        log.info({ [kind.logId]: record.id, by: caller.subject }, kind.revoke.logged);
        return kind.view(record, clock());
      });
    };

    const ctags = ['clients'];
    scope.post<{ Body: NewClientInput }>('/v1/clients', { schema: { tags: ctags, summary: 'Register an OAuth client (secret shown once)', body: s.newClientBody } }, async (request, reply) => {
      const caller = await admin(request);
      const { client, secret } = await clients.create(request.body);
      log.info({ clientId: client.id, tenant: client.tenant, authMethod: client.authMethod, by: caller.subject }, 'client registered');
      return reply
        .code(201)
        .header('location', `/v1/clients/${client.id}`)
        .send({ ...clientView(client, clock()), ...(secret !== undefined && { client_secret: secret }) });
    });

    readRoutes({ path: '/v1/clients', tags: ctags, plural: 'clients', singular: 'client', listedAs: 'clients', service: clients, view: clientView });

    rotateRevokeRoutes({
      path: '/v1/clients', tags: ctags, logId: 'clientId', view: clientView,
      rotate: { path: 'rotate-secret', logged: 'client secret rotated', summary: 'New client secret (shown once); the old one works for the grace period (body { graceSeconds } optional)', run: async (id, graceSeconds) => {
        const { client, secret } = await clients.rotateSecret(id, graceSeconds);
        return { record: client, shown: { client_secret: secret }, detail: { previousSecretExpiresAt: client.previousSecretExpiresAt } };
      } },
      revoke: { summary: 'Revoke a client and its tokens', logged: 'client revoked', run: (id) => clients.revoke(id) },
    });

    const ktags = ['api-keys'];
    scope.post<{ Body: Omit<NewApiKeyInput, 'expiresAt'> & { expiresAt?: string } }>(
      '/v1/api-keys',
      { schema: { tags: ktags, summary: 'Create an API key (the key is shown once)', body: s.newApiKeyBody } },
      async (request, reply) => {
        const caller = await admin(request);
        const { expiresAt, ...rest } = request.body;
        const { apiKey, key } = await apiKeys.create({ ...rest, ...(expiresAt !== undefined && { expiresAt: instant(expiresAt, 'expiresAt') }) });
        log.info({ keyId: apiKey.id, tenant: apiKey.tenant, by: caller.subject }, 'API key created');
        return reply.code(201).header('location', `/v1/api-keys/${apiKey.id}`).send({ ...apiKeyView(apiKey, clock()), key });
      },
    );

    readRoutes({ path: '/v1/api-keys', tags: ktags, plural: 'API keys', singular: 'API key', listedAs: 'apiKeys', service: apiKeys, view: apiKeyView });

    rotateRevokeRoutes({
      path: '/v1/api-keys', tags: ktags, logId: 'keyId', view: apiKeyView,
      rotate: { path: 'rotate', logged: 'API key rotated', summary: 'New secret for the key (shown once); the old key works for the grace period (body { graceSeconds } optional)', run: async (id, graceSeconds) => {
        const { apiKey, key } = await apiKeys.rotate(id, graceSeconds);
        return { record: apiKey, shown: { key } };
      } },
      revoke: { summary: 'Revoke an API key', logged: 'API key revoked', run: (id) => apiKeys.revoke(id) },
    });
  });
}
