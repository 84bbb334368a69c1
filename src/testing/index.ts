/**
 * agentmesh/testing: unit-test an agent without servers. `testAgent()` runs
 * it in-process on a temporary store; send messages and data, read events,
 * artifacts and usage, answer input-required, cancel, move a fake clock,
 * and check push deliveries. See docs/testing-agents.md.
 */
// First: on a Node.js agentmesh does not run on, this import fails with what to install, before anything below loads.
import '../node-version/check-on-import.js';
export { testAgent, AgentUnderTest } from './test-agent.js';
export type { TestAgentOptions, SendOptions, CallOptions, TaskRef } from './test-agent.js';
export type { MessageContent, MessageOptions } from './outgoing-message.js';
export { TaskResult, stateNameOf } from './task-result.js';
export { ReplyResult } from './reply-result.js';
export type { TaskStateName } from './task-result.js';
export { TaskStream } from './task-stream.js';
export { summarize, progressOf } from './event-summary.js';
export type { EventSummary } from './event-summary.js';
export { fakeClock, realClock } from './test-clock.js';
export type { TestClock } from './test-clock.js';
export { PushInbox } from './push-inbox.js';
export type { PushDelivery } from './push-inbox.js';
export { A2ACallError } from './call-error.js';
export type { JsonRpcErrorObject } from './call-error.js';
export { textOf, dataOf, textOfParts, dataOfParts } from './parts.js';
