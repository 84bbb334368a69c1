/*
 * The entity model a policy's condition reads (docs/policies.md, "The entity
 * model"): four roots, each a record of named attributes. A condition is
 * checked against it when the policy is written: a name it does not declare
 * is refused with its line and column, so a typo never becomes a policy that
 * silently never applies. `dyn` is anything (the skill's input); a record
 * declares its attributes; the counters are one shape under three metrics.
 */

/** An attribute's kind: a scalar, a list of strings, anything (`dyn`), or a record of attributes. */
export type Attribute = 'string' | 'double' | 'int' | 'bool' | 'timestamp' | 'list' | 'dyn' | EntityRecord;
export interface EntityRecord {
  readonly [name: string]: Attribute;
}

/** The windows a counter is kept over: the current UTC minute, hour and day. */
export const COUNTER_WINDOWS = ['minute', 'hour', 'day'] as const;
export type CounterWindow = (typeof COUNTER_WINDOWS)[number];
/** Whose calls a counter counts: the caller (tenant and subject), its whole tenant, or the caller's task context. */
export const COUNTER_SCOPES = ['principal', 'tenant', 'context'] as const;
export type CounterScope = (typeof COUNTER_SCOPES)[number];
/** What a counter counts: calls let through, credits they were estimated at, calls a policy refused. */
export const COUNTER_METRICS = ['calls', 'spend', 'denials'] as const;
export type CounterMetric = (typeof COUNTER_METRICS)[number];

function counterShape(kind: 'int' | 'double'): EntityRecord {
  const windows: EntityRecord = Object.fromEntries(COUNTER_WINDOWS.map((w) => [w, kind]));
  return Object.fromEntries(COUNTER_SCOPES.map((s) => [s, windows]));
}

export const ENTITY_MODEL: EntityRecord = {
  principal: {
    /** The OAuth client making the call (on a delegated call, the last actor). */
    client: 'string',
    tenant: 'string',
    /** The top caller: a user, a client or an API key id. */
    subject: 'string',
    /** `client`, `api-key` or `external`. */
    kind: 'string',
    scopes: 'list',
    /** The delegation chain after the top caller, top first (RFC 8693 `act`): empty on a caller's own credential. */
    act: 'list',
    issuer: 'string',
  },
  action: {
    /** The A2A operation: SendMessage, SendStreamingMessage, GetTask, CancelTask, ListTasks, SubscribeToTask, … */
    operation: 'string',
    /** The skill the message is for (`''` when the gateway cannot tell). */
    skill: 'string',
    streaming: 'bool',
  },
  resource: {
    agent: 'string',
    /** From the agent's registry metadata (`''` when it names none). */
    department: 'string',
    owner: 'string',
    costCenter: 'string',
    /** `metadata.dataClassification`: public, internal, confidential, restricted (`''` when unset). */
    classification: 'string',
    tags: 'list',
    /** The call's estimate, credits (the skill's pricing; the dearest skill's when the skill is unknown). */
    price: 'double',
  },
  context: {
    /** The skill's input as the runtime reads it: the first data part's value, else the message's text; null when there is no message. */
    input: 'dyn',
    /** When the gateway decides. */
    time: 'timestamp',
    /** The message's contextId (`''` when it names none). */
    contextId: 'string',
    calls: counterShape('int'),
    spend: counterShape('double'),
    denials: counterShape('int'),
  },
};

/** The roots a condition may name. */
export const ENTITY_ROOTS: readonly string[] = Object.keys(ENTITY_MODEL);

/** The entities a condition is evaluated over (docs/policies.md). */
export interface PolicyEntities {
  principal: Record<string, unknown>;
  action: Record<string, unknown>;
  resource: Record<string, unknown>;
  context: Record<string, unknown>;
}
