import { WIRE, isAgentmeshError, errorMessage } from '../../protocol/index.js';
import type { OnBehalfOf } from './agent-caller.js';
import { checkBaseUrl, type ResolvedCallerOptions } from './agent-caller-options.js';
import { CallFailure } from './call-failure.js';
import { ExchangedTokens } from './exchanged-tokens.js';
import { GatewayTokenSource } from './gateway-token-source.js';

/**
 * The gateway's delegation headers (docs/gateway.md, "Calling on behalf of
 * a tenant"): another tenant than the client's own is honoured for a
 * platform admin's client only (`gateway:admin`).
 */
export const ON_BEHALF_OF_TENANT_HEADER = 'x-agentmesh-on-behalf-of-tenant';
export const ON_BEHALF_OF_SUBJECT_HEADER = 'x-agentmesh-on-behalf-of-subject';
export const ON_BEHALF_OF_SCOPES_HEADER = 'x-agentmesh-on-behalf-of-scopes';

/** Where a call goes and what it carries, per mode. */
export interface CallRoute {
  /** The agent's JSON-RPC endpoint. */
  endpoint(agent: string): Promise<string>;
  /** Request headers: credentials and delegation; `token` is what a 401 would refuse. */
  headers(onBehalfOf: OnBehalfOf): Promise<{ headers: Record<string, string>; token?: string }>;
  /** The gateway refused `token`: forget it so the next attempt fetches another. */
  refused(token: string, onBehalfOf: OnBehalfOf): void;
}

/**
 * Through the gateway, for the caller: with a token of the run's delegation
 * grant when the call carries one (ADR 0042), with a token exchanged for the
 * caller's (RFC 8693) when it carries that (ADR 0036), else as the
 * client itself naming the caller's tenant in the delegation headers (which
 * the gateway allows a platform admin's client only).
 */
export function gatewayRoute(o: ResolvedCallerOptions, gateway: NonNullable<ResolvedCallerOptions['gateway']>): CallRoute {
  const tokenUrl = `${gateway.url}/oauth/token`;
  const tokens = new GatewayTokenSource({
    tokenUrl,
    clientId: gateway.clientId,
    clientSecret: gateway.clientSecret,
    fetch: o.fetch,
    requestTimeoutMs: o.requestTimeoutMs,
    ...(gateway.scope !== undefined ? { scope: gateway.scope } : {}),
  });
  const exchanged = new ExchangedTokens({ tokenUrl, clientId: gateway.clientId, clientSecret: gateway.clientSecret, fetch: o.fetch, requestTimeoutMs: o.requestTimeoutMs });
  return {
    endpoint: async (agent) => `${gateway.url}/agents/${encodeURIComponent(agent)}`,
    async headers(onBehalfOf) {
      if (onBehalfOf.grant !== undefined) {
        const token = await onBehalfOf.grant.token();
        return { headers: { authorization: `Bearer ${token}` }, token };
      }
      if (onBehalfOf.subjectToken !== undefined) {
        const token = await exchanged.get(onBehalfOf.subjectToken);
        return { headers: { authorization: `Bearer ${token}` }, token };
      }
      const token = await tokens.get();
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, [ON_BEHALF_OF_TENANT_HEADER]: onBehalfOf.tenant };
      if (onBehalfOf.subject !== undefined) headers[ON_BEHALF_OF_SUBJECT_HEADER] = onBehalfOf.subject;
      if (onBehalfOf.scopes !== undefined) headers[ON_BEHALF_OF_SCOPES_HEADER] = onBehalfOf.scopes.join(' ');
      return { headers, token };
    },
    refused: (token, onBehalfOf) => {
      onBehalfOf.grant?.refused(token);
      tokens.invalidate(token);
      exchanged.invalidate(token);
    },
  };
}

/** Straight to an instance (no gateway: no token, no tenant but the agent's own). */
export function directRoute(directUrl: (agent: string) => Promise<string> | string): CallRoute {
  return {
    async endpoint(agent) {
      let url: string;
      try {
        url = await directUrl(agent);
      } catch (err) {
        // "No such agent" is final; "no instance up right now" may pass.
        const transient = !isAgentmeshError(err) || err.retryable || WIRE[err.code].http >= 500;
        throw new CallFailure(`no address for agent ${agent}: ${err instanceof Error ? err.message : String(err)}`, { transient, cause: err });
      }
      try {
        return checkBaseUrl(url, `directUrl(${JSON.stringify(agent)})`);
      } catch (err) {
        throw new CallFailure(errorMessage(err), { transient: false, cause: err });
      }
    },
    headers: async () => ({ headers: {} }),
    refused: () => undefined,
  };
}
