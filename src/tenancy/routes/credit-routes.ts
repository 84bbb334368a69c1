import type { FastifyInstance } from 'fastify';
import { installBearerChallenge } from '../../http/index.js';
import { parseCredits } from '../amounts.js';
import type { CreditLedger } from '../credit-ledger.js';
import { usageGrouping } from '../usage-window.js';
import { CREDITS_ADMIN_SCOPE, requireCaller, requireReader, requireTopUpScope, type CreditsAuthenticate } from './access.js';
import * as s from './schemas.js';
import { balanceJson, topUpJson, usageJson } from './views.js';
import { invalidArgument, ErrorCodes } from '../../protocol/index.js';

/** What `CreditLedger.registerRoutes` needs from the gateway. */
export interface CreditRoutesOptions {
  /** Resolves the caller (the gateway's Principal fits); `undefined` when the request has no credentials. */
  authenticate: CreditsAuthenticate;
}

type Tenant = { Params: { tenant: string } };

/**
 * `/v1/tenants/{tenant}/credits…`: balance, usage, top-ups. Registered as
 * an encapsulated plugin, so its WWW-Authenticate hook touches only these routes.
 */
export async function creditRoutes(app: FastifyInstance, options: CreditRoutesOptions & { ledger: CreditLedger }): Promise<void> {
  const { ledger, authenticate } = options;
  const tags = ['credits'];

  // RFC 6750 §3: a 401 says how to authenticate (invalid_token when a credential was
  // presented and refused); a 403 for a missing scope names it.
  installBearerChallenge(app, { realm: 'agentmesh' });

  app.get<Tenant>('/v1/tenants/:tenant/credits', { schema: { tags, summary: "A tenant's credit balance", params: s.tenantParams } }, async (request) => {
    const caller = await requireCaller(request, authenticate);
    requireReader(caller, request.params.tenant);
    return balanceJson(await ledger.balance(request.params.tenant));
  });

  app.get<Tenant & { Querystring: { from?: string; to?: string; groupBy?: string } }>(
    '/v1/tenants/:tenant/credits/usage',
    { schema: { tags, summary: 'Credits charged by settled calls, grouped by agent, skill and/or day', params: s.tenantParams, querystring: s.usageQuery } },
    async (request) => {
      const caller = await requireCaller(request, authenticate);
      requireReader(caller, request.params.tenant);
      const { from, to } = request.query;
      const groupBy = usageGrouping(request.query.groupBy ? request.query.groupBy.split(',') : []);
      const rows = await ledger.usage({ tenant: request.params.tenant, from, to, groupBy });
      return usageJson(request.params.tenant, { from, to, groupBy }, rows);
    },
  );

  app.post<Tenant & { Body: { reference: string; milliCredits?: number; credits?: string | number } }>(
    '/v1/tenants/:tenant/credits/topups',
    { schema: { tags, summary: `Add credits (scope ${CREDITS_ADMIN_SCOPE}); idempotent by reference`, params: s.tenantParams, body: s.topUpBody } },
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
