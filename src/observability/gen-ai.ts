import type { Attributes } from '@opentelemetry/api';
import { isRecord } from '../protocol/index.js';

/*
 * OpenTelemetry's GenAI semantic conventions for agent calls (the "Invoke
 * agent" client and internal spans), emitted instead of agentmesh's own span
 * names when OTEL_SEMCONV_STABILITY_OPT_IN holds gen_ai_latest_experimental.
 * The names are copied from @opentelemetry/semantic-conventions/incubating, as
 * its README asks of code that uses unstable conventions (the entry point is
 * over a megabyte, and may rename in a minor version);
 * test/unit/observability/gen-ai.test.ts holds them to the package.
 */

/** The OTEL_SEMCONV_STABILITY_OPT_IN value that turns the GenAI conventions on. */
export const GEN_AI_LATEST_EXPERIMENTAL = 'gen_ai_latest_experimental';

export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT = 'invoke_agent';

/**
 * `gen_ai.provider.name` (required on agent spans): no model provider of the
 * spec's list serves an A2A agent, so the platform names itself, as the spec
 * allows for a system it does not list.
 */
export const GEN_AI_PROVIDER_AGENTMESH = 'agentmesh';

/** The task metadata keys an agent reports token usage under (`ctx.usage({ credits, units: { input_tokens, output_tokens } })`). */
export const USAGE_INPUT_TOKENS = 'input_tokens';
export const USAGE_OUTPUT_TOKENS = 'output_tokens';

/** `invoke_agent {gen_ai.agent.name}`: the span name the conventions give an agent invocation. */
export function invokeAgentSpanName(agent: string): string {
  return `${GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT} ${agent}`;
}

/** The attributes an `invoke_agent` span starts with (the spec asks for them at creation, for sampling). */
export function invokeAgentAttributes(agent: { name: string; id: string; conversationId?: string | undefined }): Attributes {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
    [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_AGENTMESH,
    [ATTR_GEN_AI_AGENT_NAME]: agent.name,
    [ATTR_GEN_AI_AGENT_ID]: agent.id,
  };
  if (agent.conversationId !== undefined && agent.conversationId !== '') attributes[ATTR_GEN_AI_CONVERSATION_ID] = agent.conversationId;
  return attributes;
}

/**
 * The token usage an agent reported, as `gen_ai.usage.*` attributes: read
 * from its usage units (task metadata `agentmesh.usage`: `{ credits, units }`);
 * undefined when it reported none. Counts that are not non-negative integers
 * are left out.
 */
export function tokenUsageAttributes(usage: unknown): Attributes | undefined {
  const units = isRecord(usage) && isRecord(usage['units']) ? usage['units'] : undefined;
  if (units === undefined) return undefined;
  let attributes: Attributes | undefined;
  const input = Object.hasOwn(units, USAGE_INPUT_TOKENS) ? units[USAGE_INPUT_TOKENS] : undefined;
  const output = Object.hasOwn(units, USAGE_OUTPUT_TOKENS) ? units[USAGE_OUTPUT_TOKENS] : undefined;
  if (isCount(input)) (attributes ??= {})[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = input;
  if (isCount(output)) (attributes ??= {})[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = output;
  return attributes;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
