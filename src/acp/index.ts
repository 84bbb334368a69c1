/**
 * acp: the Agent Communication Protocol (ACP 0.2.0, `schemas/acp/openapi.yaml`)
 * as agentmesh speaks it — its wire types, the mapping between A2A and ACP
 * (parts, messages, task state and run status, tasks and runs, stream events,
 * errors, cards and manifests), and a validator over the document's own
 * schemas. The runtime serves its agents over ACP with it; the table and its
 * limits are in docs/acp.md.
 *
 * @example
 * import { taskToRun } from '../acp/index.js';
 * const run = taskToRun(task, { agentName: 'lead-scorer' });
 */
export { acpPartToA2a, a2aPartToAcp, isJsonMediaType, ACP_PART_METADATA_KEY } from './parts.js';
export { acpMessageToA2a, acpInputToA2a, a2aMessageToAcp, agentRole, ACP_ROLE_KEY } from './messages.js';
export type { MessageIds } from './messages.js';
export { runStatusOf, taskStateOf, isFinalRunStatus, taskToRun, outputOf, artifactParts, awaitRequestOf, awaitResumeToA2a, isUuid } from './runs.js';
export type { RunOptions } from './runs.js';
export { RunEventTranslator } from './run-events.js';
export { runToTask, outputArtifact, AcpStreamTranslator } from './run-to-task.js';
export { AcpRunClient } from './run-client.js';
export type { AcpRunClientOptions } from './run-client.js';
export { toAcpError, acpCodeOf } from './errors.js';
export { cardToManifest, manifestToCard, ACP_PROTOCOL_BINDING, ACP_PROTOCOL_VERSION } from './manifest.js';
export type { ManifestToCardOptions } from './manifest.js';
export { isAcpAgentName, ACP_AGENT_NAME } from './wire-types.js';
export type {
  AcpAgentManifest,
  AcpAwaitPayload,
  AcpError,
  AcpErrorCode,
  AcpEvent,
  AcpMessage,
  AcpMessagePart,
  AcpPartMetadata,
  AcpRun,
  AcpRunCreateRequest,
  AcpRunMode,
  AcpRunResumeRequest,
  AcpRunStatus,
  AcpSession,
} from './wire-types.js';
import type { AcpSpecValidator } from './spec-validator.js';
export type { AcpSpecValidator, AcpSchemaProblem, AcpSchemaTypes } from './spec-validator.js';

/**
 * The validator over the ACP document's component schemas, loaded on first
 * use: the document is 36 kB of JSON that a process not serving ACP never
 * parses (CONTRIBUTING.md, "Load what you use").
 *
 * @example
 * const spec = await loadAcpSpecValidator();
 * const problems = spec.check('RunCreateRequest', body);
 */
export async function loadAcpSpecValidator(): Promise<AcpSpecValidator> {
  const { acpSpecValidator } = await import('./spec-validator.js');
  return acpSpecValidator();
}
