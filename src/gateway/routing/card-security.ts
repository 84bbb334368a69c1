import { OAUTH_PATHS } from '../identity/index.js';
import { OPERATION_SCOPES, type A2aOperation } from '../policy/a2a-operation.js';
import type { AgentRecord } from './registry-types.js';

/**
 * Name of the OAuth 2.0 client credentials scheme in the cards the gateway serves.
 *
 * @example
 * const flow = card.securitySchemes[OAUTH2_SCHEME].oauth2SecurityScheme.flows.clientCredentials; // { tokenUrl, scopes }
 */
export const OAUTH2_SCHEME = 'oauth2';
/**
 * Name of the API key scheme (`X-API-Key` header) in the cards the gateway serves.
 *
 * @example
 * card.securitySchemes[API_KEY_SCHEME].apiKeySecurityScheme; // { location: 'header', name: 'X-API-Key' }
 */
export const API_KEY_SCHEME = 'apiKey';
/** The header the gateway reads an API key from (identity/authenticator.ts). */
const API_KEY_HEADER = 'X-API-Key';
/** The operation whose scope a requirement names: sending a message is what calling an agent means. */
const CALL_OPERATION: A2aOperation = 'SendMessage';

type Json = Record<string, unknown>;

/** A2A v1.0 JSON `SecurityRequirement`: scheme name to the scopes it needs. */
function requirement(scheme: string, scopes: readonly string[]): Json {
  return { schemes: { [scheme]: { list: [...scopes] } } };
}

/** Either credential, OAuth 2.0 with `scopes` or an API key (the alternatives of A2A §4.5 `security`: any one suffices). */
function requirements(scopes: readonly string[]): Json[] {
  return [requirement(OAUTH2_SCHEME, scopes), requirement(API_KEY_SCHEME, [])];
}

/**
 * How to authenticate through the gateway, in A2A v1.0 JSON (A2A §7.3, §8;
 * proto `SecurityScheme`, `SecurityRequirement`): the gateway's own schemes
 * replace the agent's, since a caller authenticates to the gateway, never to
 * the agent (the agent's own card, kept in the original-card extension when
 * signed, still shows the agent's).
 *
 * - `oauth2`: client credentials at `${gatewayBaseUrl}/oauth/token`, with
 *   every scope a call to this agent can need (per operation, the agent's,
 *   each skill's) described;
 * - `apiKey`: the `X-API-Key` header.
 *
 * The card requires either; with OAuth, the scope of SendMessage plus the
 * agent's `requiredScopes`. A skill whose registry metadata requires scopes
 * gets its own requirement with those added, the scopes the gateway checks
 * on a message naming that skill (call-pricing.ts).
 */
export function gatewaySecurity(record: AgentRecord, gatewayBaseUrl: string): { securitySchemes: Json; securityRequirements: Json[]; skillRequirements: Map<string, Json[]> } {
  const base = gatewayBaseUrl.replace(/\/+$/, '');
  const scopes = new Map<string, string[]>();
  const describe = (scope: string, what: string) => {
    const held = scopes.get(scope);
    if (held === undefined) scopes.set(scope, [what]);
    else if (!held.includes(what)) held.push(what);
  };
  for (const [operation, scope] of Object.entries(OPERATION_SCOPES)) {
    if (scope !== undefined) describe(scope, operation);
  }
  const agentScopes = [...new Set(record.metadata.requiredScopes ?? [])];
  for (const scope of agentScopes) describe(scope, `every call to ${record.name}`);
  const callScopes = [...new Set([OPERATION_SCOPES[CALL_OPERATION]!, ...agentScopes])];
  // Skill metadata is keyed by skill id, a name the agent's owner chose: read through a Map, never by index.
  const skillMeta = new Map(Object.entries(record.metadata.skills ?? {}));
  const skillRequirements = new Map<string, Json[]>();
  for (const skill of record.card.skills ?? []) {
    const extra = skillMeta.get(skill.id)?.requiredScopes ?? [];
    if (extra.length === 0) continue;
    for (const scope of extra) describe(scope, `skill ${skill.id}`);
    skillRequirements.set(skill.id, requirements([...new Set([...callScopes, ...extra])]));
  }
  // fromEntries defines own properties: a scope named `__proto__` stays a scope.
  const described = Object.fromEntries([...scopes.keys()].sort().map((scope) => [scope, `Needed by ${scopes.get(scope)!.join(', ')}`]));
  return {
    securitySchemes: {
      [OAUTH2_SCHEME]: {
        oauth2SecurityScheme: {
          description: 'OAuth 2.0 client credentials (RFC 6749 §4.4): a bearer token from the gateway, sent as Authorization: Bearer <token>',
          flows: { clientCredentials: { tokenUrl: `${base}${OAUTH_PATHS.token}`, scopes: described } },
          oauth2MetadataUrl: `${base}${OAUTH_PATHS.metadata}`,
        },
      },
      [API_KEY_SCHEME]: {
        apiKeySecurityScheme: { description: 'An agentmesh API key (amk_<id>_<secret>) issued by the gateway', location: 'header', name: API_KEY_HEADER },
      },
    },
    securityRequirements: requirements(callScopes),
    skillRequirements,
  };
}
