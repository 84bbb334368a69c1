import { GATEWAY_ACTOR, originOf, type Identity } from '../identity/index.js';
import type { UpstreamRouter } from '../routing/index.js';
import { AnswerTap } from '../stream-task-tap.js';
import type { ApprovalRecord } from './approval-store.js';

/** What forwarding an approved call needs. */
export interface ParkedForwardOptions {
  identity: Identity;
  router: UpstreamRouter;
  assertionTtlSeconds: number;
  timeoutMs: number;
}

/** What the agent answered an approved call. */
export interface ParkedAnswer {
  status: number;
  tap: AnswerTap;
}

/**
 * Sends an approved call to its agent as it was received (same binding,
 * version, path and bytes), with a fresh assertion of the original caller:
 * its subject, tenant, scopes and delegation chain (`act`, `origin`), so the
 * agent sees the call it would have seen without the gate. Each instance in
 * rotation is tried in turn until one answers; sending again after a crash
 * is safe, because the runtime keeps one task per (agent, tenant, message
 * id) (ADR 0002), so a resent call finds its task instead of starting
 * another. Throws when no instance answers (the call stays `forwarding`
 * and is sent again later).
 */
export async function forwardParked(a: ApprovalRecord, o: ParkedForwardOptions): Promise<ParkedAnswer> {
  const instances = (o.router.agent(a.agent)?.instances ?? []).filter((i) => i.inRotation);
  if (instances.length === 0) throw new Error(`agent ${a.agent} has no instance in rotation`);
  const p = a.principal;
  const assertion = await o.identity.signAssertion(
    { sub: p.subject, tenant: p.tenant, scope: p.scopes.join(' '), aud: `agentmesh:agent:${a.agent}`, act: GATEWAY_ACTOR, actors: p.act, origin: originOf(p) },
    o.assertionTtlSeconds,
  );
  const body = Buffer.from(a.request.body, 'base64');
  let last: unknown;
  for (const instance of instances) {
    let res: Response;
    try {
      res = await fetch(`${instance.url.replace(/\/$/, '')}${a.request.path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${assertion}`,
          'content-type': 'application/json',
          'a2a-version': a.request.version,
          accept: a.request.streaming ? 'text/event-stream' : 'application/json',
          'x-request-id': a.id,
        },
        body,
        signal: AbortSignal.timeout(o.timeoutMs),
      });
    } catch (err) {
      last = err;
      continue;
    }
    // An instance failing (5xx) is no answer: another is asked.
    if (res.status >= 500 && instances.length > 1) {
      last = new Error(`HTTP ${res.status}`);
      await res.body?.cancel();
      continue;
    }
    const tap = new AnswerTap(a.request.streaming);
    if (res.body !== null) for await (const chunk of res.body) tap.onChunk(Buffer.from(chunk));
    tap.finish();
    return { status: res.status, tap };
  }
  throw last instanceof Error ? last : new Error(String(last));
}
