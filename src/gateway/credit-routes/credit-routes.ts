import type { FastifyInstance } from 'fastify';
import { installBearerChallenge } from '../../http/index.js';
import { tenantParams, topUpBody, usageQuery, type CreditUsageParams, type TopUpRequest } from '../../contracts/ledger/index.js';
import { parseCredits, usageGrouping, type CreditLedger } from '../../tenancy/index.js';
import { CREDITS_ADMIN_SCOPE } from '../identity/index.js';
import { requireCaller, requireReader, requireTopUpScope, type CreditsAuthenticate } from './access.js';
import { balanceJson, topUpJson, usageJson } from './views.js';
import { invalidArgument, ErrorCodes, Errors } from '../../protocol/index.js';

/** What the credit routes need: the ledger, and who the caller is. */
export interface CreditRoutesOptions {
  /** Resolves the caller (the gateway's Principal fits); `undefined` when the request has no credentials. */
  authenticate: CreditsAuthenticate;
  ledger: CreditLedger;
}

type Tenant = { Params: { tenant: string } };

/**
 * `/v1/tenants/{tenant}/credits…`: balance, usage, top-ups. Registered as
 * an encapsulated plugin, so its WWW-Authenticate hook touches only these routes.
 */
export async function creditRoutes(app: FastifyInstance, options: CreditRoutesOptions): Promise<void> {
  const { ledger, authenticate } = options;
  const tags = ['credits'];

  // RFC 6750 §3: a 401 says how to authenticate (invalid_token when a credential was
  // presented and refused); a 403 for a missing scope names it.
  installBearerChallenge(app, { realm: 'agentmesh' });

  app.get<Tenant>('/v1/tenants/:tenant/credits', { schema: { tags, summary: "A tenant's credit balance", params: tenantParams } }, async (request) => {
    const caller = await requireCaller(request, authenticate);
    requireReader(caller, request.params.tenant);
    // Asked after the caller may read the tenant, so a 404 tells no one of a tenant they may not see.
    const balance = await ledger.findBalance(request.params.tenant);
    if (balance === undefined) throw Errors.tenantHasNoCredits({ quotedTenant: JSON.stringify(request.params.tenant) });
    return balanceJson(balance);
  });

  app.get<Tenant & { Querystring: CreditUsageParams }>(
    '/v1/tenants/:tenant/credits/usage',
    { schema: { tags, summary: 'Credits charged by settled calls, grouped by agent, skill and/or day', params: tenantParams, querystring: usageQuery } },
    async (request) => {
      const caller = await requireCaller(request, authenticate);
      requireReader(caller, request.params.tenant);
      const { from, to } = request.query;
      const groupBy = usageGrouping(request.query.groupBy ? request.query.groupBy.split(',') : []);
      const rows = await ledger.usage({ tenant: request.params.tenant, from, to, groupBy });
      return usageJson(request.params.tenant, { from, to, groupBy }, rows);
    },
  );

  app.post<Tenant & { Body: TopUpRequest }>(
    '/v1/tenants/:tenant/credits/topups',
    { schema: { tags, summary: `Add credits (scope ${CREDITS_ADMIN_SCOPE}); idempotent by reference`, params: tenantParams, body: topUpBody } },
    async (request, reply) => {
      const caller = await requireCaller(request, authenticate);
      requireTopUpScope(caller);
      const { milliCredits, credits, reference } = request.body;
      if ((milliCredits === undefined) === (credits === undefined)) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'milliCredits', 'or credits must be given, not both');
      const amount = milliCredits ?? parseCredits(credits!, 'credits');
      const topUp = await ledger.topUp(request.params.tenant, amount, reference);
      request.log.info({ tenant: topUp.tenant, milliCredits: topUp.milliCredits, reference, by: caller.subject, replayed: topUp.replayed }, 'credits top-up');
      return reply.code(topUp.replayed ? 200 : 201).send(topUpJson(topUp));
    },
  );
}
