import type { FastifyInstance } from 'fastify';
import { holdsQuery, releaseBody, tenantParams, type CreditHold, type CreditHoldsAnswer, type CreditHoldsParams, type HoldReleaseAnswer, type HoldReleaseRequest } from '../../contracts/ledger/index.js';
import { formatCredits, type Reservation, type Settlement } from '../../tenancy/index.js';
import { requireCaller, requireReader, requireTopUpScope } from './access.js';
import type { CreditRoutesOptions } from './credit-routes.js';

type Tenant = { Params: { tenant: string } };

function holdJson(r: Reservation): CreditHold {
  return { key: r.key, agent: r.agent, skill: r.skill, ...(r.clientId !== undefined && { clientId: r.clientId }), milliCredits: r.milliCredits, credits: formatCredits(r.milliCredits), createdAt: r.createdAt };
}

function releaseJson(s: Settlement): HoldReleaseAnswer {
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
export async function reservationRoutes(app: FastifyInstance, options: CreditRoutesOptions): Promise<void> {
  const { ledger, authenticate } = options;
  const tags = ['credits'];

  // RFC 6750 §3, as the credit routes: a 401 says how to authenticate.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Bearer realm="agentmesh"');
    return payload;
  });

  app.get<Tenant & { Querystring: CreditHoldsParams }>(
    '/v1/tenants/:tenant/credits/reservations',
    { schema: { tags, summary: "A tenant's credit holds still open, oldest first", params: tenantParams, querystring: holdsQuery } },
    async (request): Promise<CreditHoldsAnswer> => {
      const caller = await requireCaller(request, authenticate);
      requireReader(caller, request.params.tenant);
      const holds = await ledger.holds(request.params.tenant, request.query.limit ?? 100);
      return { tenant: request.params.tenant, reservations: holds.map(holdJson) };
    },
  );

  app.post<Tenant & { Body: HoldReleaseRequest }>(
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
