import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AgentRecord, OwnershipReport, ReviewDecision, ReviewListQuery } from '../../contracts/registry/index.js';
import * as s from '../../contracts/registry/index.js';
import { Errors } from '../../protocol/index.js';
import type { AgentDirectory } from '../agent-directory.js';
import type { OwnershipChecker } from '../ownership/ownership-checker.js';
import { ownerKeysUrl } from '../ownership/keys-url.js';
import { ownershipTxtName, ownershipTxtValue } from '../ownership/txt-record.js';
import { ownershipFileUrl } from '../ownership/well-known-proof.js';
import type { ReviewDesk } from '../review/review-desk.js';
import type { RegistryService } from '../registry-service.js';
import { requireReviewer, requireWrite, type RegistryAuthenticate } from './write-auth.js';

/** What the governance routes need. */
export interface GovernanceRoutesOptions {
  service: RegistryService;
  directory: AgentDirectory;
  desk: ReviewDesk;
  checker: OwnershipChecker;
  authenticate: RegistryAuthenticate | undefined;
}

type Named = { Params: { name: string } };
type Reviewed = { Params: { id: string } };

/**
 * Review holds (`/v1/reviews…`) and ownership claims
 * (`/v1/agents/{name}/ownership…`): docs/registry.md#review-holds and
 * #ownership-verification. Reads are open, as the records are; deciding
 * needs `registry:review`, checking a claim now `registry:write`.
 */
export async function governanceRoutes(app: FastifyInstance, options: GovernanceRoutesOptions): Promise<void> {
  const { desk, service, checker, directory } = options;
  const reviewer = (request: FastifyRequest<Reviewed>) => requireReviewer(request, options.authenticate, (caller, code) => desk.denied(request.params.id, caller, code));
  const tags = ['reviews'];

  app.get<{ Querystring: ReviewListQuery }>('/v1/reviews', { schema: { tags, summary: 'Held card changes, pending ones unless state says otherwise, oldest first', querystring: s.reviewListQuery } }, async (request) => ({
    reviews: await desk.list(request.query),
  }));

  app.get<Reviewed>('/v1/reviews/:id', { schema: { tags, summary: 'One held card change with its diff', params: s.reviewParams } }, async (request) => desk.get(request.params.id));

  const decisions = {
    approve: { summary: 'Approve a held card change (registry:review): the record takes it and the gateways route to it', decide: desk.approve.bind(desk) },
    reject: { summary: 'Reject a held card change (registry:review; a reason is required): the record keeps its approved card', decide: desk.reject.bind(desk) },
  };
  for (const [decision, { summary, decide }] of Object.entries(decisions)) {
    app.post<Reviewed & { Body: ReviewDecision }>(`/v1/reviews/:id/${decision}`, { schema: { tags, summary, params: s.reviewParams, body: s.reviewDecisionBody } }, async (request) => {
      const caller = await reviewer(request);
      return decide(request.params.id, { caller, reason: request.body?.reason, onBehalfOf: request.body?.onBehalfOf });
    });
  }

  const otags = ['ownership'];
  app.get<Named>('/v1/agents/:name/ownership', { schema: { tags: otags, summary: "The verdict on the agent's ownership claim, and what to publish to prove it", params: s.agentNameParams } }, async (request) =>
    ownershipReport(directory.get(request.params.name) ?? (await service.get(request.params.name))),
  );

  app.post<Named>('/v1/agents/:name/ownership/verify', { schema: { tags: otags, summary: 'Check the ownership claim now (registry:write), after publishing its proof', params: s.agentNameParams } }, async (request) => {
    await requireWrite(request, options.authenticate);
    const { name } = request.params;
    const before = await service.get(name);
    if (before.metadata.ownership === undefined) throw Errors.registryNoOwnershipClaim({ agent: name });
    return ownershipReport((await checker.checkNow(name)) ?? (await service.get(name)));
  });
}

/** The record's verdict and, with a claim, what its owner publishes for each method. */
export function ownershipReport(record: AgentRecord): OwnershipReport {
  const { ownership } = record;
  const claim = record.metadata.ownership;
  if (ownership === undefined || claim === undefined) return { agent: record.name };
  const file = ownershipFileUrl(record);
  return {
    agent: record.name,
    ownership,
    publish: {
      dns: { name: ownershipTxtName(claim.domain), type: 'TXT', value: ownershipTxtValue(record.name, ownership.token) },
      wellKnown: {
        ...(file !== undefined && { url: file.href }),
        body: { owner: claim.domain, ...(claim.organization !== undefined && { organization: claim.organization }), tokens: [ownership.token] },
      },
      signature: { keysUrl: ownerKeysUrl(claim) },
    },
  };
}
