/*
 * The A2A operations that answer one JSON object, from their params in JSON
 * form to the answer's JSON text: the JSON-RPC binding calls it with the
 * method it was sent, the HTTP+JSON routes with the operation their path names.
 */
import {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  Message,
  SendMessageRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import { methodNotFound } from '../../protocol/index.js';
import type { AgentRequestHandler } from '../agent-request-handler.js';
import { listTasksJson } from './list-tasks-json.js';

/** Answers `method` (an A2A operation name) with `params` (checked by the caller); a name of no such operation is refused as the JSON-RPC method not found. */
export async function answerOperationJson(handler: AgentRequestHandler, method: string, params: Record<string, unknown>, context: ServerCallContext): Promise<string> {
  switch (method) {
    case 'SendMessage': {
      const { task, json, message } = await handler.send(SendMessageRequest.fromJSON(params), context);
      // SendMessageResponse is a oneof (A2A §3.1.1): the task, or a skill's message answer.
      if (task === undefined) return `{"message":${JSON.stringify(Message.toJSON(message))}}`;
      return `{"task":${json ?? JSON.stringify(Task.toJSON(task))}}`;
    }
    case 'GetTask':
      return JSON.stringify(Task.toJSON(await handler.getTask(GetTaskRequest.fromJSON(params), context)));
    case 'ListTasks': {
      const request = ListTasksRequest.fromJSON(params);
      return listTasksJson(await handler.listTasks(request, context), request.includeArtifacts === true);
    }
    case 'CancelTask':
      return JSON.stringify(Task.toJSON(await handler.cancelTask(CancelTaskRequest.fromJSON(params), context)));
    case 'CreateTaskPushNotificationConfig':
      return JSON.stringify(TaskPushNotificationConfig.toJSON(await handler.createTaskPushNotificationConfig(TaskPushNotificationConfig.fromJSON(params), context)));
    case 'GetTaskPushNotificationConfig':
      return JSON.stringify(TaskPushNotificationConfig.toJSON(await handler.getTaskPushNotificationConfig(GetTaskPushNotificationConfigRequest.fromJSON(params), context)));
    case 'ListTaskPushNotificationConfigs':
      return JSON.stringify(ListTaskPushNotificationConfigsResponse.toJSON(await handler.listTaskPushNotificationConfigs(ListTaskPushNotificationConfigsRequest.fromJSON(params), context)));
    case 'DeleteTaskPushNotificationConfig':
      await handler.deleteTaskPushNotificationConfig(DeleteTaskPushNotificationConfigRequest.fromJSON(params), context);
      return 'null';
    case 'GetExtendedAgentCard':
      return JSON.stringify(AgentCard.toJSON(await handler.getAuthenticatedExtendedAgentCard(GetExtendedAgentCardRequest.fromJSON(params), context)));
    default:
      throw methodNotFound(method);
  }
}
