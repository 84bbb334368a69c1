import type { FastifyInstance } from 'fastify';
import { formatCredits } from '../amounts.js';
import type { CreditLedger } from '../credit-ledger.js';
import type { Reservation, Settlement } from '../ledger-types.js';
import { requireCaller, requireReader, requireTopUpScope } from './access.js';
import type { CreditRoutesOptions } from './credit-routes.js';
import { tenantParams } from './schemas.js';

type Tenant = { Params: { tenant: string } };

const holdsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'Most holds listed, oldest first (default 100)' } },
} as const;

const releaseBody = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 512, description: 'The reservation key, as the holds list shows it' },
    reason: { type: 'string', minLength: 1, maxLength: 500, description: 'Why it is released; kept with the refund (default "released by an operator")' },
  },
} as const;

function holdJson(r: Reservation) {
  return { key: r.key, agent: r.agent, skill: r.skill, ...(r.clientId !== undefined && { clientId: r.clientId }), milliCredits: r.milliCredits, credits: formatCredits(r.milliCredits), createdAt: r.createdAt };
}

function releaseJson(s: Settlement) {
  return {
    key: s.key,
    tenant: s.tenant,
    agent: s.agent,
    skill: s.skill,
    status: s.status,
    heldMilliCredits: s.heldMilliCredits,
    chargedMilliCredits: s.chargedMilliCredits,
    releasedMilliCredits: s.releasedMilliCredits,
    releasedCredits: formatCredits(s.releasedMilliCredits),
    ...(s.reason !== undefined && { reason: s.reason }),
    closedAt: s.closedAt,
    replayed: s.replayed,
  };
}

/**
 * The holds of a tenant, and their release by an operator (docs/credits.md#holds-that-never-end:
 * a task that never ends keeps its hold until the max-hold expiry; this
 * ends it now): `GET /v1/tenants/{tenant}/credits/reservations` (a principal
 * of the tenant, or an admin) and `POST /v1/tenants/{tenant}/credits/reservations/release`
 * (`credits:admin`). Registered as its own encapsulated plugin, beside the credit routes.
 */
export async function reservationRoutes(app: FastifyInstance, options: CreditRoutesOptions & { ledger: CreditLedger }): Promise<void> {
  const { ledger, authenticate } = options;
  const tags = ['credits'];

  // RFC 6750 §3, as the credit routes: a 401 says how to authenticate.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Bearer realm="agentmesh"');
    return payload;
  });

  app.get<Tenant & { Querystring: { limit?: number } }>(
    '/v1/tenants/:tenant/credits/reservations',
    { schema: { tags, summary: "A tenant's credit holds still open, oldest first", params: tenantParams, querystring: holdsQuery } },
    async (request) => {
      const caller = await requireCaller(request, authenticate);
      requireReader(caller, request.params.tenant);
      const holds = await ledger.holds(request.params.tenant, request.query.limit ?? 100);
      return { tenant: request.params.tenant, reservations: holds.map(holdJson) };
    },
  );

  app.post<Tenant & { Body: { key: string; reason?: string } }>(
    '/v1/tenants/:tenant/credits/reservations/release',
    { schema: { tags, summary: 'Release a hold: refund it now (scope credits:admin); idempotent', params: tenantParams, body: releaseBody } },
    async (request) => {
      const caller = await requireCaller(request, authenticate);
      requireTopUpScope(caller);
      const reason = request.body.reason ?? 'released by an operator';
      const settlement = await ledger.release(request.params.tenant, request.body.key, reason);
      request.log.warn({ tenant: settlement.tenant, key: settlement.key, releasedMilliCredits: settlement.releasedMilliCredits, by: caller.subject, replayed: settlement.replayed }, 'credit hold released');
      return releaseJson(settlement);
    },
  );
}
