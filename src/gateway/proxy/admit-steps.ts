import { Errors, isAgentmeshError } from '../../protocol/index.js';
import type { QuotaState } from '../policy/quotas.js';
import type { ClientView, Principal } from '../identity/index.js';
import type { GatewayCall, ProxyDeps } from './gateway-call.js';

/** Request quotas: the client's on this agent and the tenant's overall (shared through Redis when configured). */
export function quotaStep(c: GatewayCall, d: ProxyDeps): Promise<void> | undefined {
  const principal = c.principal!;
  // The client's view is cached after its first call: then neither it nor in-process counters cost a promise.
  const client = d.identity.clientNow(principal.clientId);
  if (client instanceof Promise) return client.then((view) => chargeQuotas(c, d, principal, view));
  return chargeQuotas(c, d, principal, client);
}

function chargeQuotas(c: GatewayCall, d: ProxyDeps, principal: Principal, client: ClientView | undefined): Promise<void> | undefined {
  const rate = client?.rateLimit ?? c.route!.record.metadata.rateLimit;
  let quota: QuotaState | undefined;
  try {
    const keys = quotaKeys(principal, c.agent, c.delegated);
    const checks = [
      { key: keys.client, rpm: rate?.requestsPerMinute ?? d.defaultRequestsPerMinute, burst: rate?.burst ?? d.defaultBurst },
      { key: keys.tenant, rpm: d.tenantRequestsPerMinute, burst: 0 },
    ];
    // Counters in this process are charged without a promise (memory-quota-windows.ts); shared ones through Redis.
    if (!d.quotas.inProcess) return d.quotas.admit(checks).then((state) => quotaAdmitted(c, state), (err: unknown) => quotaRefused(c, d, principal, err));
    quota = d.quotas.admitInProcess(checks);
  } catch (err) {
    return quotaRefused(c, d, principal, err);
  }
  quotaAdmitted(c, quota);
  return undefined;
}

interface QuotaKeys {
  readonly client: string;
  readonly tenant: string;
}

/**
 * The counters' keys of a verified token's principal (one frozen object shared by its calls), per agent: built
 * once, so a call neither joins them anew nor has a new string hashed by the counters' maps.
 */
const keysByPrincipal = new WeakMap<Principal, Map<string, QuotaKeys>>();

function quotaKeys(principal: Principal, agent: string, delegated: boolean): QuotaKeys {
  const shared = Object.isFrozen(principal);
  let byAgent = shared ? keysByPrincipal.get(principal) : undefined;
  let keys = byAgent?.get(agent);
  if (keys !== undefined && !delegated) return keys;
  keys = {
    // A delegating client's budget is per tenant it acts for: one busy tenant does not throttle the others.
    client: delegated ? `client:${principal.clientId}:tenant:${principal.tenant}:agent:${agent}` : `client:${principal.clientId}:agent:${agent}`,
    tenant: `tenant:${principal.tenant}`,
  };
  // A delegated call's keys name the tenant acted for; only the principal's own are remembered.
  if (!shared || delegated) return keys;
  if (byAgent === undefined) keysByPrincipal.set(principal, (byAgent = new Map()));
  byAgent.set(agent, keys);
  return keys;
}

function quotaAdmitted(c: GatewayCall, quota: QuotaState | undefined): void {
  if (quota) c.reply.header('ratelimit-limit', String(quota.limit)).header('ratelimit-remaining', String(quota.remaining)).header('ratelimit-reset', String(quota.resetSeconds));
}

function quotaRefused(c: GatewayCall, d: ProxyDeps, principal: Principal, err: unknown): never {
  c.audit.eventType = 'quota.exceeded';
  const details = isAgentmeshError(err) ? err.details : undefined;
  d.metrics.quotaRefused(c.agent, principal.tenant, String(details?.['quota'] ?? 'client'));
  const retry = details?.['retryAfterSeconds'];
  if (retry) c.reply.header('retry-after', retry).header('ratelimit-limit', details?.['limit'] ?? '').header('ratelimit-remaining', '0').header('ratelimit-reset', retry);
  throw err;
}

/**
 * Concurrency: message sends are held to the agent's `maxConcurrentTasks`,
 * split fairly between the tenants calling it; every call is held to the
 * per-tenant cap, so one tenant's flood cannot take an agent from the others.
 */
export function concurrencyStep(c: GatewayCall, d: ProxyDeps): void {
  const limit = c.terms ? c.route!.record.metadata.maxConcurrentTasks : undefined;
  const admitted = d.gate.admit(c.agent, c.principal!.tenant, limit);
  if (typeof admitted === 'function') {
    c.disposer.defer(admitted);
    return;
  }
  c.audit.eventType = 'concurrency.limited';
  throw admitted.kind === 'agent'
    ? Errors.agentConcurrencyFull({ agent: c.agent, limit: admitted.limit })
    : Errors.tenantConcurrencyShareFull({ tenant: c.principal!.tenant, tenantShare: admitted.share, agent: c.agent, limit: admitted.limit });
}
