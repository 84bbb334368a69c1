import type { Message} from '@a2a-js/sdk';
import { Part, TaskState, type StreamResponse } from '@a2a-js/sdk';
import type { Logger } from 'pino';
import { uuidv7 } from '../storage/index.js';
import type { CallInfo } from './task-engine.js';
import type { ArtifactInput, PartInput, SkillContext, UsageRecord } from './skill-context.js';
import type { TaskRun } from './task-run.js';

/** Everything a skill context is built from. */
export interface SkillContextDeps {
  run: TaskRun;
  agent: string;
  skill: string;
  message: Message;
  call: CallInfo;
  logger: Logger;
  now: () => number;
}

/** Accepts v1 JSON parts (`{ text }`, `{ data }`…) or SDK Part objects. */
export function toPart(part: PartInput | Part): Part {
  if ('content' in part) return part as Part;
  return Part.fromJSON(part);
}

/** Builds the context a handler receives; every call turns into a task event. */
export function createSkillContext(deps: SkillContextDeps): SkillContext {
  const { run } = deps;
  const text = deps.message.parts
    .filter((p) => p.content?.$case === 'text')
    .map((p) => (p.content as { value: string }).value)
    .join('\n');
  let log: Logger | undefined;
  const status = (state: TaskState, parts: Part[] | undefined, metadata?: Record<string, unknown>): StreamResponse => ({
    payload: {
      $case: 'statusUpdate',
      value: {
        taskId: run.id,
        contextId: run.task.contextId,
        status: {
          state,
          message: parts ? { messageId: uuidv7(), contextId: run.task.contextId, taskId: run.id, role: 2, parts, metadata: undefined, extensions: [], referenceTaskIds: [] } : undefined,
          timestamp: new Date(deps.now()).toISOString(),
        },
        metadata,
      },
    },
  });
  const questionParts = (question: string, data?: Record<string, unknown>): Part[] =>
    data === undefined ? [toPart({ text: question })] : [toPart({ text: question }), toPart({ data })];

  return {
    taskId: run.id,
    contextId: run.task.contextId,
    skillId: deps.skill,
    agent: deps.agent,
    message: deps.message,
    text,
    tenant: deps.call.tenant,
    caller: deps.call.caller,
    signal: run.abort.signal,
    // A child logger per task costs microseconds on every request; made on first use.
    get log() {
      log ??= deps.logger.child({ taskId: run.id, agent: deps.agent, skill: deps.skill });
      return log;
    },
    progress(progressText, data) {
      void run.emit(status(TaskState.TASK_STATE_WORKING, questionParts(progressText, data))).catch(() => undefined);
    },
    artifact(input: ArtifactInput) {
      const artifactId = input.artifactId ?? uuidv7();
      void run
        .emit({
          payload: {
            $case: 'artifactUpdate',
            value: {
              taskId: run.id,
              contextId: run.task.contextId,
              artifact: {
                artifactId,
                name: input.name ?? '',
                description: input.description ?? '',
                parts: input.parts.map(toPart),
                metadata: input.metadata,
                extensions: [],
              },
              append: input.append === true,
              lastChunk: input.lastChunk === true,
              metadata: undefined,
            },
          },
        })
        .catch(() => undefined);
      return artifactId;
    },
    async requestInput(question, data) {
      const answer = run.waitForInput();
      await run.emit(status(TaskState.TASK_STATE_INPUT_REQUIRED, questionParts(question, data)));
      return answer;
    },
    usage(record: UsageRecord) {
      const previous = (run.usage ?? {}) as { credits?: number; units?: Record<string, number> };
      const units = { ...(previous.units ?? {}) };
      for (const [k, v] of Object.entries(record.units ?? {})) units[k] = (units[k] ?? 0) + v;
      // Recorded with the task's final status (task metadata 'agentmesh.usage'), not as an event of its own.
      run.usage = { credits: (previous.credits ?? 0) + record.credits, units };
    },
  };
}
