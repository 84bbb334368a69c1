import { trace } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { currentRequestContext } from './request-context.js';

/*
 * agentmesh's own span attributes, beside OpenTelemetry's semantic
 * conventions. Spans may carry the tenant (a trace store is access-controlled
 * like logs); public metrics never do.
 */

/** The A2A task a span works on. */
export const ATTR_A2A_TASK_ID = 'a2a.task.id';
/** The agent called or serving (its registered name). */
export const ATTR_A2A_AGENT = 'a2a.agent';
/** The skill executed. */
export const ATTR_A2A_SKILL = 'a2a.skill';
/** The ACP run a bridged call made or read (the gateway's bridge, docs/acp.md): the A2A task id of a bridged agent. */
export const ATTR_ACP_RUN_ID = 'acp.run.id';
/** The tenant the call acts for. */
export const ATTR_AGENTMESH_TENANT = 'agentmesh.tenant';
/**
 * The delegation chain of a call made with an exchanged token (RFC 8693): the
 * top caller first, then each actor (client id) in turn, the current one last.
 */
export const ATTR_AGENTMESH_ACTORS = 'agentmesh.delegation.chain';

/**
 * Adds attributes to the server span of the request being served (a no-op
 * when tracing is off or outside a request). For what becomes known only
 * after routing: the agent, the caller's tenant, the task id.
 *
 * @example
 * import { annotateRequestSpan, ATTR_AGENTMESH_TENANT } from '../observability/index.js';
 * annotateRequestSpan({ [ATTR_AGENTMESH_TENANT]: principal.tenant });
 */
export function annotateRequestSpan(attributes: Attributes): void {
  // With export on, the HTTP server always enters the request context; off, this is one lookup.
  const otelContext = currentRequestContext()?.otelContext;
  if (otelContext === undefined) return;
  const span = trace.getSpan(otelContext);
  if (span !== undefined && span.isRecording()) span.setAttributes(attributes);
}
