import { StreamResponse } from '@a2a-js/sdk';
import { isRecord } from '../../protocol/index.js';

/**
 * The value of a push config's `protocol` column for a workflow launch: the
 * outbox row is delivered by the hook's rules (Standard Webhooks, the
 * engine's URL), not as an A2A push notification. Only the runtime writes it.
 */
export const WORKFLOW_HOOK_PROTOCOL = 'workflow-hook';

/**
 * The id of a task's launch config. A task launches one workflow, so one id
 * serves: a re-run of the task (recovery of an idempotent skill) writes the
 * same row again instead of a second launch. Ids starting with `agentmesh-`
 * are refused from clients (CreateTaskPushNotificationConfig), so no caller
 * can overwrite it.
 */
export const LAUNCH_CONFIG_ID = 'agentmesh-workflow-launch';

/** Config ids a client may not use: the runtime's own. */
export const RESERVED_CONFIG_ID_PREFIX = 'agentmesh-';

/** Marks the status message of a launch: `{ hook }`. The data part beside the text is the payload. */
export const LAUNCH_MESSAGE_KEY = 'agentmesh.workflow.launch';

/** The task metadata key of the launch's record (hook, engine, phase, execution id, status). */
export const WORKFLOW_METADATA_KEY = 'agentmesh.workflow';

/** What is stored (sealed) as a launch's push config. */
export interface LaunchConfig {
  /** The hook's URL when launched: the origin the outbox backs off by. */
  url: string;
  hook: string;
  awaitCallback: boolean;
}

/** The launch config as stored, or undefined when the text is not one. */
export function readLaunchConfig(json: string): LaunchConfig | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value['url'] !== 'string' || typeof value['hook'] !== 'string' || typeof value['awaitCallback'] !== 'boolean') return undefined;
  return { url: value['url'], hook: value['hook'], awaitCallback: value['awaitCallback'] };
}

/** A launch read back from its event: the hook it names, its payload and its time. */
export interface LaunchEvent {
  hook: string;
  payload: unknown;
  /** The status's timestamp (ISO 8601): the `timestamp` of the body, the same on every attempt. */
  timestamp: string;
  contextId: string;
}

/**
 * The launch an event records, or undefined when the event is not a launch
 * (the other events of the task, which the launch's config also sees).
 */
export function readLaunchEvent(payloadJson: string): LaunchEvent | undefined {
  let event: StreamResponse;
  try {
    event = StreamResponse.fromJSON(JSON.parse(payloadJson));
  } catch {
    return undefined;
  }
  if (event.payload?.$case !== 'statusUpdate') return undefined;
  const { status, contextId } = event.payload.value;
  const marker = status?.message?.metadata?.[LAUNCH_MESSAGE_KEY];
  if (!isRecord(marker) || typeof marker['hook'] !== 'string') return undefined;
  const data = status!.message!.parts.find((p) => p.content?.$case === 'data');
  return { hook: marker['hook'], payload: data?.content?.$case === 'data' ? data.content.value : null, timestamp: status!.timestamp ?? '', contextId };
}
