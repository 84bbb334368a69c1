/**
 * runtime: hosting A2A agents — defineAgent(), the durable task engine, both
 * protocol versions over JSON-RPC and HTTP+JSON, SSE with replay, push delivery.
 */
// The agent definition is a contract the runtime hosts (contracts/agent); re-exported so `agentmesh` users keep their imports.
// First: on a Node.js agentmesh does not run on, this import fails with what to install, before anything below loads.
import '../node-version/check-on-import.js';
export { defineAgent, isAgentDefinition } from '../contracts/agent/index.js';
export type { AgentDefinition, AgentDefinitionInput, AgentCardInput, SkillDefinition, DynamicSkillDefinition, SkillInputOf, SkillOutputOf, SkillResult, SkillsInput, JsonSchema, JsonSchemaLiteral, TaskMessageContext } from '../contracts/agent/index.js';
export type { SkillContext, ArtifactInput, PartInput, CallerIdentity, UsageRecord, ProgressOptions, HandOffOptions, HandedOff, LaunchWorkflowOptions, WorkflowLaunched, ReplyContent, ReplyOptions, MessageReply } from '../contracts/agent/index.js';
export { isMessageReply } from '../contracts/agent/index.js';
export type { AgentTaskControl, TaskMessage, TaskMessagesOptions, ControlProgressOptions, CompleteOptions, FailOptions } from '../contracts/agent/index.js';
export { TaskControl } from './task-control.js';
export type { TaskControlOptions } from './task-control.js';
export { openTaskControl } from './open-task-control.js';
export type { OpenTaskControlOptions } from './open-task-control.js';
export { createRuntime } from './runtime.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { gatewayAssertionRequired, parseRuntimeConfig, runtimeConfigSchema } from './config.js';
export type { RuntimeConfig, RuntimeConfigInput } from './config.js';
export type { Authenticate, AuthenticateRequest, AuthenticatedCaller } from './transports/call-context.js';
export type { AgentConfigChange, ConfigChangeListener } from './registration/index.js';
export { TaskEngine } from './task-engine.js';
export { createGatewayAssertionCheck } from './gateway-assertion.js';
export type { GatewayAssertionOptions } from './gateway-assertion.js';
// What `agentmesh secrets rotate` runs to finish a rotation of AGENTMESH_SECRET.
export { resealPushConfigs } from './push/index.js';
export type { ResealPushConfigsOptions } from './push/index.js';
// What a webhook receiver needs to check a push notification (docs/push-notifications.md).
export { verifyPushSignature, PUSH_SIGNATURE_HEADER } from './push/index.js';
export type { PushSignatureClaims, VerifyPushSignatureOptions, PushSignatureFailure } from './push/index.js';
// Workflow hooks: agents launching n8n, Make or Kestra workflows, signed with Standard Webhooks (docs/integrations.md).
export { signStandardWebhook, verifyStandardWebhook, generateWebhookSecret, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_TOLERANCE_SECONDS, LAUNCH_EVENT_TYPE, WORKFLOW_METADATA_KEY } from './workflow-hooks/index.js';
export type { SignStandardWebhookInput, VerifyStandardWebhookInput, WebhookSignatureFailure, WorkflowHookConfigInput, WorkflowEngine, WorkflowCallback, LaunchRecord, LaunchPhase } from './workflow-hooks/index.js';
