/**
 * runtime/workflow-hooks: agents launching the workflows of automation
 * engines (n8n, Make, Kestra) through the push outbox, signed with Standard
 * Webhooks, and the engines calling back to end the task. See
 * docs/integrations.md and docs/adr/0039-workflow-hooks.md.
 */
export { WorkflowHooks, CALLBACK_PATH, CALLBACK_KEY_INFO, LAUNCH_EVENT_TYPE } from './workflow-hooks.js';
export type { WorkflowHooksOptions, WorkflowLauncher, ResolvedHook, WorkflowCallback, LaunchRecord, LaunchPhase } from './workflow-hooks.js';
export { LAUNCH_CONFIG_ID, LAUNCH_MESSAGE_KEY, RESERVED_CONFIG_ID_PREFIX, WORKFLOW_HOOK_PROTOCOL, WORKFLOW_METADATA_KEY } from './launch-event.js';
export { workflowHookSchema, workflowHooksSchema, WORKFLOW_ENGINES, HOOK_NAME } from './workflow-hook-config.js';
export type { WorkflowHookConfig, WorkflowHookConfigInput, WorkflowEngine } from './workflow-hook-config.js';
export { signStandardWebhook, verifyStandardWebhook, generateWebhookSecret, webhookSecretBytes, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_TOLERANCE_SECONDS } from './standard-webhooks.js';
export type { SignStandardWebhookInput, VerifyStandardWebhookInput, WebhookSignatureFailure } from './standard-webhooks.js';
export { readEngineAnswer } from './engine-answer.js';
export type { EngineAnswer } from './engine-answer.js';
export { registerWorkflowCallbackRoute } from './callback-route.js';
