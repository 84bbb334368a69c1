import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { PolicyEntities } from './policy-compile.js';
import type { CounterValues } from './session-counters.js';

/** What the gateway knows of a call, in plain values: the step builds it from the call, `policy test` from a sample. */
export interface CallFacts {
  principal: { client: string; tenant: string; subject: string; kind: string; scopes: readonly string[]; act: readonly string[]; issuer?: string | undefined };
  action: { operation: string; skill: string; streaming: boolean };
  resource: { agent: string; department?: string | undefined; owner?: string | undefined; costCenter?: string | undefined; classification?: string | undefined; tags?: readonly string[] | undefined; price: number };
  context: { input: unknown; time: number; contextId: string };
}

/**
 * The entities a condition reads (entity-model.ts), in the shapes CEL
 * expects: the time as a timestamp, the call and denial counters as ints,
 * spend in credits as a double. Counters are given only when a policy that
 * applies reads them (the step fetched them); the time only `withTime`.
 */
export function entitiesOf(f: CallFacts, counters?: CounterValues, withTime = true): PolicyEntities {
  const p = f.principal;
  const r = f.resource;
  // The time as a protobuf timestamp only when a condition that applies reads it: a message built per call otherwise for nothing.
  const context: Record<string, unknown> = { input: f.context.input ?? null, contextId: f.context.contextId };
  if (withTime) context['time'] = timestampFromMs(f.context.time);
  if (counters !== undefined) {
    // Only the cells a policy that applies reads: a condition reads no other (it was checked against the model).
    const calls: Record<string, Record<string, bigint>> = {};
    const spend: Record<string, Record<string, number>> = {};
    const denials: Record<string, Record<string, bigint>> = {};
    for (const cell of counters) {
      (calls[cell.scope] ??= {})[cell.window] = BigInt(cell.calls);
      (spend[cell.scope] ??= {})[cell.window] = cell.spend / 1000;
      (denials[cell.scope] ??= {})[cell.window] = BigInt(cell.denials);
    }
    context['calls'] = calls;
    context['spend'] = spend;
    context['denials'] = denials;
  }
  return {
    principal: { client: p.client, tenant: p.tenant, subject: p.subject, kind: p.kind, scopes: p.scopes, act: p.act, issuer: p.issuer ?? '' },
    action: { operation: f.action.operation, skill: f.action.skill, streaming: f.action.streaming },
    resource: { agent: r.agent, department: r.department ?? '', owner: r.owner ?? '', costCenter: r.costCenter ?? '', classification: r.classification ?? '', tags: r.tags ?? [], price: r.price },
    context,
  };
}
