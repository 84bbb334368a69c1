/**
 * observability: the logger, metrics registry and tracing every agentmesh
 * role is built with, plus the request context that ties a log line to its
 * request and trace. See docs/observability.md for what operators see.
 */
export { createLogger, LOG_LEVELS } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { lazyChildLogger } from './lazy-child-logger.js';
export { RetryLog } from './retry-log.js';
export { redactUrl, isCredentialParam, serializeRequest } from './redact-url.js';
export { createMetrics, prefersOpenMetrics } from './metrics.js';
export { boundCounter, boundGauge, boundHistogram, type BoundCounter, type BoundGauge, type BoundHistogram } from './bound-series.js';
export type { Metrics, MetricsOptions, LabelNames } from './metrics.js';
export { createTracing } from './tracing.js';
export type { Tracing, TracingOptions, RequestSpan } from './tracing.js';
export { RecentTraces } from './recent-traces.js';
export { tracedFetch, a2aUrlTemplate } from './traced-fetch.js';
export { annotateRequestSpan, ATTR_A2A_AGENT, ATTR_A2A_SKILL, ATTR_A2A_TASK_ID, ATTR_ACP_RUN_ID, ATTR_AGENTMESH_TENANT, ATTR_AGENTMESH_ACTORS } from './span-attributes.js';
export { requestContext, currentRequestContext } from './request-context.js';
export type { RequestContext, RequestContextStorage } from './request-context.js';
export { formatLogLine, humanLogDestination, defaultLogFormat, LOG_FORMATS, type LogFormat } from './human-log-format.js';
export { inHttpClientSpan } from './http-client-span.js';
export {
  GEN_AI_LATEST_EXPERIMENTAL,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  invokeAgentSpanName,
  invokeAgentAttributes,
  tokenUsageAttributes,
} from './gen-ai.js';
