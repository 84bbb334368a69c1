/**
 * contracts/agent: what an agent is, as its author, the runtime that hosts
 * it and the orchestrator (an agent served by the runtime) all see it —
 * `defineAgent()` and its types, the context a skill's handler is given, and
 * the writes to handed-off tasks. The runtime fills these; nothing here
 * depends on it.
 */
export { defineAgent, isAgentDefinition } from './define-agent.js';
export type {
  AgentDefinition,
  AgentDefinitionInput,
  AgentCardInput,
  CompiledSkill,
  SkillDefinition,
  DynamicSkillDefinition,
  SkillInputOf,
  SkillOutputOf,
  SkillResult,
  SkillsInput,
  JsonSchema,
  JsonSchemaLiteral,
  TaskMessageContext,
} from './define-agent.js';
export type { SkillContext, ArtifactInput, PartInput, CallerIdentity, UsageRecord, ProgressOptions, HandOffOptions, HandedOff, LaunchWorkflowOptions, WorkflowLaunched, ReplyContent, ReplyOptions } from './skill-context.js';
export { MESSAGE_REPLY, isMessageReply } from './message-reply.js';
export type { MessageReply } from './message-reply.js';
export type { AgentTaskControl, TaskMessage, TaskMessagesOptions, ControlProgressOptions, CompleteOptions, FailOptions } from './task-control.js';
