/**
 * The console's review holds view (docs/console.md#reviews): the card
 * changes the registry holds for review, and their approval or rejection,
 * relayed to the registry (the page talks to the gateway only). A platform
 * admin's (`gateway:admin`) alone: a held change may be of an agent every
 * tenant calls. A decision goes with the gateway's registry review token
 * (REGISTRY_REVIEW_TOKEN) and names the signed-in admin as `onBehalfOf`, so
 * the registry's audit entry says who decided.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../../observability/index.js';
import { Errors } from '../../protocol/index.js';
import { GATEWAY_ADMIN_SCOPE, type Identity } from '../identity/index.js';
import { consoleViewer } from './console-access.js';
import { relayToRegistry, type RelayedAnswer } from './registry-relay.js';

/** What {@link consoleReviewRoutes} needs. */
export interface ConsoleReviewRoutesOptions {
  identity: Identity;
  registryUrl: string;
  registryToken: string | undefined;
  /** A token with the registry's `registry:review` scope; undefined: decisions go without one (an open registry takes them). */
  registryReviewToken: string | undefined;
  log: Logger;
}

const tags = ['console'];
const reviewParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,99}$' } } } as const;
const decisionBody = { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } } } as const;

export async function consoleReviewRoutes(scope: FastifyInstance, options: ConsoleReviewRoutesOptions): Promise<void> {
  const { identity } = options;
  const platformAdmin = async (request: Parameters<typeof consoleViewer>[1]) => {
    const viewer = await consoleViewer(identity, request);
    if (!viewer.platform) throw Errors.missingScope({ scope: GATEWAY_ADMIN_SCOPE });
    return viewer;
  };
  const send = (reply: FastifyReply, answer: RelayedAnswer) => reply.code(answer.status).type(answer.contentType).send(answer.body);

  scope.get('/v1/console/reviews', { schema: { tags, summary: 'Card changes the registry holds for review, oldest first (gateway:admin)' } }, async (request, reply) => {
    await platformAdmin(request);
    return send(reply, await relayToRegistry(options, 'GET', '/v1/reviews?state=pending'));
  });

  for (const decision of ['approve', 'reject'] as const) {
    scope.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
      `/v1/console/reviews/:id/${decision}`,
      { schema: { tags, summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a held card change (gateway:admin), relayed with the gateway's review token`, params: reviewParams, body: decisionBody } },
      async (request, reply) => {
        const viewer = await platformAdmin(request);
        const body = { ...(request.body?.reason !== undefined && { reason: request.body.reason }), onBehalfOf: viewer.principal.subject };
        const answer = await relayToRegistry({ registryUrl: options.registryUrl, registryToken: options.registryReviewToken }, 'POST', `/v1/reviews/${request.params.id}/${decision}`, body);
        options.log.info({ review: request.params.id, decision, status: answer.status, by: viewer.principal.subject }, 'review decision relayed to the registry');
        // The registry's 401 or 403 is about the gateway's token, not the admin's session: never relayed as the page's own 401.
        if (answer.status === 401 || answer.status === 403) throw Errors.consoleReviewTokenRefused({ status: answer.status });
        return send(reply, answer);
      },
    );
  }
}
