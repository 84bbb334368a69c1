import { isRecord } from '../../../protocol/index.js';
import { MAX_DELEGATION_DEPTH, type Actor, type DelegationOrigin, type Principal, type PrincipalKind } from '../principal.js';

/*
 * The claims a delegation adds to a token (docs/adr/0036-token-exchange-and-delegation-chains.md):
 * `act` (RFC 8693 §4.1, nested, the current actor outermost) and `origin`,
 * the credential the chain started from. Both are read from verified claim
 * sets only, and bounded before anything walks them: a chain of at most
 * MAX_DELEGATION_DEPTH actors, short strings, own members only.
 */

/** Longest identifier kept in a delegation claim (a client id, an agent name, an issuer URL). */
const MAX_ID_LENGTH = 512;
const KINDS: ReadonlySet<PrincipalKind> = new Set(['client', 'api-key', 'external']);

function id(value: unknown): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  return typeof value === 'string' && value !== '' && value.length <= MAX_ID_LENGTH && !/[\u0000-\u001f\u007f]/.test(value) ? value : undefined;
}

function member(record: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/**
 * An `act` claim as an {@link Actor}; undefined when absent; `null` when it is
 * not one (not an object, no `sub`, deeper than MAX_DELEGATION_DEPTH).
 * Members other than `sub`, `agent` and `act` are not kept (RFC 8693 §4.1:
 * they identify the actor, and are not part of the chain we check).
 */
export function readActClaim(value: unknown): Actor | undefined | null {
  if (value === undefined) return undefined;
  const chain: Array<{ sub: string; agent: string | undefined }> = [];
  let at: unknown = value;
  while (at !== undefined) {
    if (!isRecord(at) || chain.length === MAX_DELEGATION_DEPTH) return null;
    const sub = id(member(at, 'sub'));
    const agentValue = member(at, 'agent');
    const agent = agentValue === undefined ? undefined : id(agentValue);
    if (sub === undefined || (agentValue !== undefined && agent === undefined)) return null;
    chain.push({ sub, agent });
    at = member(at, 'act');
  }
  let actor: Actor | undefined;
  for (let i = chain.length - 1; i >= 0; i--) {
    const { sub, agent } = chain[i]!;
    actor = Object.freeze({ sub, ...(agent !== undefined && { agent }), ...(actor !== undefined && { act: actor }) });
  }
  return actor;
}

/** An `origin` claim; undefined when absent; `null` when malformed. */
export function readOriginClaim(value: unknown): DelegationOrigin | undefined | null {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return null;
  const kind = member(value, 'kind');
  if (typeof kind !== 'string' || !KINDS.has(kind as PrincipalKind)) return null;
  const origin: DelegationOrigin = { kind: kind as PrincipalKind };
  for (const name of ['id', 'jti', 'iss'] as const) {
    const raw = member(value, name);
    if (raw === undefined) continue;
    const text = id(raw);
    if (text === undefined) return null;
    origin[name] = text;
  }
  const exp = member(value, 'exp');
  if (exp !== undefined) {
    if (typeof exp !== 'number' || !Number.isSafeInteger(exp) || exp < 0) return null;
    origin.exp = exp;
  }
  return Object.freeze(origin);
}

/** The number of actors in a chain. */
export function actorCount(actor: Actor | undefined): number {
  let n = 0;
  for (let a = actor; a !== undefined; a = a.act) n++;
  return n;
}

/**
 * The credential a principal's delegation started from: its own origin when
 * it holds a delegated token, else its own credential.
 */
export function originOf(principal: Principal): DelegationOrigin {
  if (principal.origin !== undefined) return principal.origin;
  const origin: DelegationOrigin = { kind: principal.kind };
  if (principal.kind !== 'external') origin.id = principal.clientId;
  else if (principal.issuer !== undefined) origin.iss = principal.issuer;
  if (principal.tokenId !== undefined) origin.jti = principal.tokenId;
  if (principal.expiresAt !== undefined) origin.exp = principal.expiresAt;
  return origin;
}
