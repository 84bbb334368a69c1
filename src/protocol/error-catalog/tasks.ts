/** Agents and their tasks, as the runtime answers for them. */
import { ErrorCodes } from '../errors.js';
import { declare } from './declare.js';

export const taskErrors = {
  // agents
  agentNotHostedHere: declare(ErrorCodes.HTTP_NOT_FOUND, 'No agent named {agent} here'),
  agentAtCapacity: declare(ErrorCodes.TASK_QUEUE_FULL, 'Agent {agent} is at capacity: {maxConcurrentTasks} tasks running and {queueLimit} queued; retry later', { details: ['agent', 'maxConcurrentTasks', 'queueLimit'], expose: true, retryable: true }),
  skillIdRequired: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: message.metadata.skillId is required by agent {agent}; one of {skills}'),
  extendedCardNeedsAuth: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'The extended agent card requires an authenticated caller'),
  streamingNotSupported: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Agent {agent} does not support streaming'),
  pushNotSupported: declare(ErrorCodes.PUSH_NOT_SUPPORTED, 'Agent {agent} does not support push notifications'),
  noExtendedCard: declare(ErrorCodes.CARD_EXTENDED_NOT_CONFIGURED, 'Agent {agent} has no extended agent card'),

  // tasks
  taskNotFound: declare(ErrorCodes.TASK_NOT_FOUND, 'Task {taskId} was not found', { details: ['taskId'] }),
  taskVersionConflict: declare(ErrorCodes.TASK_VERSION_CONFLICT, 'Task {taskId} changed since version {expected}', { details: ['taskId'], retryable: true }),
  taskCanceled: declare(ErrorCodes.TASK_CANCELED, 'Task was canceled', { expose: true }),
  taskNotCancelable: declare(ErrorCodes.TASK_NOT_CANCELABLE, 'Task {taskId} is {state} and can no longer be canceled', { details: ['taskId', 'state'] }),
  taskClosedToMessages: declare(ErrorCodes.TASK_TERMINAL, 'Task {taskId} is {state}; it accepts no more messages. Start a new task (same contextId to keep the conversation).', { details: ['taskId', 'state'] }),
  taskClosedToUpdates: declare(ErrorCodes.TASK_TERMINAL, 'Task {taskId} is {state}; it accepts no more updates', { details: ['taskId', 'state'], expose: true }),
  taskNotWaitingForInput: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} is {state} and is not waiting for input', { details: ['taskId', 'state'] }),
  taskMovedMeanwhile: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} is {state}; send the message again', { details: ['taskId', 'state'] }),
  taskNothingToSubscribe: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} is {state}; there is nothing to subscribe to. Use GetTask.', { details: ['taskId', 'state'] }),
  taskContextMismatch: declare(ErrorCodes.TASK_CONTEXT_MISMATCH, "Invalid parameters: message.contextId {contextId} does not match task {taskId}'s context {taskContextId}"),
  taskNotAskingYet: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} is not waiting for input right now; send your answer after it asks', { details: ['taskId'] }),
  taskTakenUpMeanwhile: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} was taken up by a replica meanwhile; send the message again', { details: ['taskId'], expose: true }),
  taskKeptChanging: declare(ErrorCodes.TASK_VERSION_CONFLICT, 'Task kept changing while it was written; try again', { expose: true, retryable: true }),
  skillOutputInvalid: declare(ErrorCodes.TASK_INVALID_AGENT_RESPONSE, 'Skill {skill} returned output that does not match its schema: {problem}', { expose: true }),
  taskResultInvalid: declare(ErrorCodes.TASK_INVALID_AGENT_RESPONSE, "The result of task {taskId} does not match skill {skill}'s output schema: {problem}", { expose: true }),
  skillTimedOut: declare(ErrorCodes.HTTP_TIMEOUT, 'Skill {skill} timed out after {timeoutMs} ms', { expose: true }),
  pushConfigNotFound: declare(ErrorCodes.PUSH_CONFIG_NOT_FOUND, 'Push notification config {configId} of task {taskId} was not found'),
  webhookNotAllowed: declare(ErrorCodes.SSRF_BLOCKED, 'Invalid parameters: url is not an allowed webhook target: {reason}'),
  taskStillRunByHandler: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} is still run by its skill handler (replica {owner}); only a handed-off task (ctx.handOff()) is written through TaskControl', { details: ['taskId'], expose: true }),

  // the runtime, as configured
  agentNameInvalid: declare(ErrorCodes.CONFIG_INVALID, "card.name must be 1-63 letters, digits, '-' or '_' (it becomes the URL path {urlPath}); got {given}", { expose: true }),
  agentDescriptionMissing: declare(ErrorCodes.CONFIG_INVALID, 'card.description of agent {agent} is required', { expose: true }),
  agentWithoutSkills: declare(ErrorCodes.CONFIG_INVALID, 'agent {agent} declares no skills', { expose: true }),
  skillHandlerMissing: declare(ErrorCodes.CONFIG_INVALID, 'skills.{skill}.handler of agent {agent} must be a function', { expose: true }),
  skillSchemaInvalid: declare(ErrorCodes.CONFIG_INVALID, 'skills.{skill} of agent {agent} has an invalid JSON Schema: {reason}', { expose: true }),
  agentRegistryMetadataInvalid: declare(ErrorCodes.CONFIG_INVALID, 'registry of agent {agent} must be an object of registry metadata (department, owner, sla, …)', { expose: true }),
  defaultSkillUnknown: declare(ErrorCodes.CONFIG_INVALID, 'defaultSkill {skill} of agent {agent} is not one of its skills', { expose: true }),
  runtimeHostsNoSuchAgent: declare(ErrorCodes.CONFIG_INVALID, 'this runtime hosts no agent named {quotedName} (it hosts {hosted})'),
  registryConfigNotAVersion: declare(ErrorCodes.HTTP_UPSTREAM_FAILED, 'registry {registry} answered GET /v1/agents/{agent}/config with something that is not a config version'),
  eventStreamSilent: declare(ErrorCodes.HTTP_TIMEOUT, 'the event stream was silent for {idleMs} ms', { retryable: true }),

  // push notifications
  pushVerifyNeedsKeys: declare(ErrorCodes.CONFIG_INVALID, 'verifyPushSignature needs "jwks" or "jwksUrl"'),
  pushSecretMismatch: declare(ErrorCodes.CONFIG_INVALID, 'AGENTMESH_SECRET mismatch: {mine} does not open the push configs this database holds, which another replica sealed under its own secret. Every replica sharing a database must run with the same AGENTMESH_SECRET (during a rotation, the old one as AGENTMESH_SECRET_PREVIOUS); set it and start again.'),
  pushKeyAlgUnknown: declare(ErrorCodes.CONFIG_INVALID, '"alg" option must be one of {algorithms}, got {given}'),
  pushKeyTwoSources: declare(ErrorCodes.CONFIG_INVALID, 'set only one of "privateKeyPem" and "jwk" for the signing key'),
  pushKeyPemUnreadable: declare(ErrorCodes.CONFIG_INVALID, '"privateKeyPem" is not a readable PEM private key'),
  pushKeyNotPrivate: declare(ErrorCodes.CONFIG_INVALID, '{source}: the signing key must be a private key'),
  pushKeyNotP256: declare(ErrorCodes.CONFIG_INVALID, '{source}: alg ES256 needs an EC P-256 key, got {key}'),
  pushKeyRsaTooSmall: declare(ErrorCodes.CONFIG_INVALID, '{source}: alg RS256 needs an RSA key of at least 2048 bits, got {key}'),
  pushKeyJwkNotPrivate: declare(ErrorCodes.CONFIG_INVALID, '{source} must be a private JWK (with "d")'),
  pushKeyJwkUnusable: declare(ErrorCodes.CONFIG_INVALID, '{source} is not a usable private JWK'),
  pushKeyNotPersisted: declare(ErrorCodes.CONFIG_INVALID, 'cannot persist the signing key to {file}: {reason}'),
  pushKeyFileVanished: declare(ErrorCodes.CONFIG_INVALID, 'signing key file {file} vanished while being created'),
  pushKeyFileUnreadable: declare(ErrorCodes.CONFIG_INVALID, 'cannot read the signing key file {file}: {reason}'),
  pushKeyFileNotJson: declare(ErrorCodes.CONFIG_INVALID, 'signing key file {file} is not valid JSON; fix or delete it'),
  pushKeyFileOtherAlg: declare(ErrorCodes.CONFIG_INVALID, 'signing key file {file} holds an {fileAlg} key but alg {alg} is configured; delete the file to generate a new key'),
  pushKeyFileWithoutJwk: declare(ErrorCodes.CONFIG_INVALID, 'signing key file {file} has no "jwk"'),
  pushOptionNotPositive: declare(ErrorCodes.CONFIG_INVALID, 'push delivery: "{option}" option must be a positive integer, got {given}'),
  pushStatsIntervalInvalid: declare(ErrorCodes.CONFIG_INVALID, 'push delivery: "statsIntervalMs" option must be a non-negative integer, got {given}'),
  pushBackoffInverted: declare(ErrorCodes.CONFIG_INVALID, 'push delivery: "{max}" option must be at least "{base}"'),
  pushLeaseTooShort: declare(ErrorCodes.CONFIG_INVALID, 'push delivery: "leaseMs" option ({leaseMs}) must exceed "timeoutMs" ({timeoutMs})'),
  pushReplicaIdMissing: declare(ErrorCodes.CONFIG_INVALID, 'push delivery: "replicaId" option must be a non-empty string'),

  // workflow hooks (the engines agents launch: n8n, Make, Kestra)
  webhookSecretInvalid: declare(ErrorCodes.CONFIG_INVALID, 'a webhook secret must be whsec_ followed by the base64 of 24 to 64 bytes', { expose: true }),
  webhookSignatureRefused: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'The webhook signature is refused: {reason}', { expose: true }),
  workflowHookUnknown: declare(ErrorCodes.CONFIG_INVALID, 'No workflow hook named {hook} is configured for agent {agent} (workflowHooks: {known})', { details: ['hook'], expose: true }),
  workflowLaunchTwice: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} already launched a workflow or was handed off; a task launches one workflow', { details: ['taskId'], expose: true }),
  workflowPayloadTooLarge: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'The workflow payload is {bytes} bytes of JSON; a launch carries at most {maxBytes}', { expose: true }),
  workflowResultInvalid: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: result: {problem}', { field: 'result', expose: true }),
  workflowCallbackRefused: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'This workflow callback URL is not valid: ask the launch for its callbackUrl', { expose: true }),
} as const;
