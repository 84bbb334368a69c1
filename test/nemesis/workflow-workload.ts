/**
 * The workflow workload: clients start runs of a three-step workflow on the orchestrator, each step
 * a call to the `ledger` agent (ledger-agent.ts), and follow each run until it ends, recording it as
 * one `run` operation: invoked before the SendMessage leaves, completed when the run's task is
 * terminal, with its status and the effect each step reported (the workflow's outputs). A send
 * whose answer never came is `info` (the run may exist: the ledger still shows its effects); a run
 * that does not end before the deadline is `info` too, and named unfinished.
 *
 * With `askingShare`, that share of the runs ask: their last two steps each ask the run's client a question first, so the run's
 * task goes input-required (one question at a time), and the client answers with a message on the
 * run's task whose text names the run and the step the question names, each time it finds the run
 * asking (a question asked again after a kill is answered again; an answer whose send timed out, or
 * that another answer overtook, is sent again). The run's operation carries the answers: the checker
 * holds each asking step's effect to its own answer, so a copy of one step's answer taken by the
 * next step's question shows.
 */
import { randomUUID } from 'node:crypto';
import { F } from '../history/history-format.js';
import { a2aCall, taskOf } from './a2a-call.js';
import type { WorkloadOptions } from './task-workload.js';

/** The steps of the workload's workflow, each one call to the ledger agent. */
export const WORKFLOW_STEPS = ['a', 'b', 'c'] as const;

/** The steps that ask their caller, in the runs that ask. */
const ASKING_STEPS: readonly string[] = ['b', 'c'];

/** The workflow, with `asking` the steps that ask for an answer first. */
const workflow = (asking: readonly string[]): string => `
name: nemesis-ledger-steps${asking.length === 0 ? '' : '-asking'}
inputs:
  workMs: { type: number }
steps:
${WORKFLOW_STEPS.map((step) => `  - id: ${step}
    call: { agent: ledger }
    input: { runId: "{{ run.id }}", step: ${step}, workMs: "{{ inputs.workMs }}"${asking.includes(step) ? ', ask: true' : ''} }`).join('\n')}
outputs:
${WORKFLOW_STEPS.map((step) => `  ${step}: "{{ steps.${step}.output.effectId }}"`).join('\n')}
`;
const WORKFLOW = workflow([]);
const ASKING_WORKFLOW = workflow(ASKING_STEPS);

/** The answer a run's client gives a step: it names both, so an answer taken by another run or another step shows. */
const answerFor = (runId: string, step: string): string => `answer-for-${runId}-step-${step}`;

/** The step a run's question names: the orchestrator asks `ledger asks (step b): Which answer for step b?`. */
function askingStep(task: Record<string, unknown>): string {
  return /step ([a-z]+)\?$/.exec(statusText(task) ?? '')?.[1] ?? 'unnamed';
}

/**
 * Answers the question `task` (a run, input-required, as GetTask read it) asks, on `url` (an orchestrator); its
 * outcome is left to the next read of the run.
 */
export async function answerRun(url: string, task: Record<string, unknown>, timeoutMs: number): Promise<void> {
  const runId = taskOf(task)?.id ?? '';
  const answer = { messageId: randomUUID(), taskId: runId, role: 'ROLE_USER', parts: [{ text: answerFor(runId, askingStep(task)) }] };
  await a2aCall(url, 'SendMessage', { message: answer, configuration: { returnImmediately: true } }, timeoutMs);
}

const TERMINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);
const STATUS: Record<string, string> = { TASK_STATE_COMPLETED: 'completed', TASK_STATE_FAILED: 'failed', TASK_STATE_CANCELED: 'canceled', TASK_STATE_REJECTED: 'rejected' };

/** `targets` are the orchestrators; `workMs` is each step's work after its effect: the window a fault lands in. */
export interface WorkflowWorkloadOptions extends WorkloadOptions {
  /**
   * Runs still followed when the clients stop are followed until this time (Date.now()), then left `info`: for a
   * run invoked at `invokedAt`, 30 s after the last heal, or after its start for a run the clients started later
   * (they go on through the last heal period).
   */
  deadline: (invokedAt: number) => number;
  /** The share of runs that ask (0 to 1). */
  askingShare: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The step → effect id pairs of a finished run's `outputs` artifact. */
function stepEffects(result: Record<string, unknown>): Array<{ step: string; effectId: string }> {
  const artifacts = Array.isArray(result.artifacts) ? result.artifacts : [];
  const outputs = artifacts.find((a): a is Record<string, unknown> => isRecord(a) && a.name === 'outputs');
  const part = Array.isArray(outputs?.parts) ? outputs.parts[0] : undefined;
  const data = isRecord(part) && isRecord(part.data) ? part.data : {};
  return Object.entries(data).flatMap(([step, effectId]) => (typeof effectId === 'string' ? [{ step, effectId }] : []));
}

/** The text of a run's status message: why a run that did not complete ended (kept in the history to read, not checked). */
function statusText(result: Record<string, unknown>): string | undefined {
  const status = isRecord(result.status) ? result.status : {};
  const message = isRecord(status.message) ? status.message : {};
  const parts = Array.isArray(message.parts) ? message.parts : [];
  const text = parts.flatMap((p) => (isRecord(p) && typeof p.text === 'string' ? [p.text] : [])).join(' ');
  return text === '' ? undefined : text;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads the run on whichever orchestrator runs until it is terminal or the deadline passes, answering
 * it whenever it asks (`answers.sent` counts the answers sent, whatever became of them).
 */
async function follow(options: WorkflowWorkloadOptions, runId: string, invokedAt: number, stop: AbortSignal, answers: { sent: number }): Promise<Record<string, unknown> | undefined> {
  for (;;) {
    if (stop.aborted && Date.now() > options.deadline(invokedAt)) return undefined;
    const live = options.targets.live();
    const node = live[Math.floor(options.random() * live.length)];
    if (node !== undefined) {
      const outcome = await a2aCall(node.url, 'GetTask', { id: runId }, options.timeoutMs);
      const state = outcome.kind === 'result' ? (taskOf(outcome.result)?.state ?? '') : '';
      if (outcome.kind === 'result' && TERMINAL.has(state)) return outcome.result;
      if (outcome.kind === 'result' && state === 'TASK_STATE_INPUT_REQUIRED') {
        // Whatever the answer's outcome (taken, refused as no longer asking, lost to a fault), the next read tells.
        answers.sent += 1;
        await answerRun(node.url, outcome.result, options.timeoutMs);
      }
    }
    await wait(250);
  }
}

async function client(options: WorkflowWorkloadOptions, runs: string[], unfinished: string[], stop: AbortSignal): Promise<void> {
  const { recorder, random } = options;
  let process = options.processes.next();
  while (!stop.aborted) {
    // Any live orchestrator: with several, each holds runs a fault can catch (and the others take over).
    const live = options.targets.live();
    const node = live[Math.floor(random() * live.length)];
    if (node === undefined) {
      await wait(100);
      continue;
    }
    const workMs = Math.round(options.workMs[0] + random() * (options.workMs[1] - options.workMs[0]));
    const asks = random() < options.askingShare;
    const invokedAt = Date.now();
    const op = recorder.invoke(process, F.run, null, { workMs, ...(asks ? { asks: ASKING_STEPS } : {}) }, node.name);
    const message = { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ data: { workflow: asks ? ASKING_WORKFLOW : WORKFLOW, inputs: { workMs } } }], metadata: { skillId: 'run-workflow' } };
    const outcome = await a2aCall(node.url, 'SendMessage', { message, configuration: { returnImmediately: true } }, options.timeoutMs);
    const task = outcome.kind === 'result' ? taskOf(outcome.result) : undefined;
    if (task === undefined) {
      if (outcome.kind === 'refused') recorder.fail(op, { error: outcome.error });
      else {
        recorder.info(op, { error: outcome.kind === 'error' ? `${outcome.code} ${outcome.message}` : outcome.kind === 'unknown' ? outcome.error : 'a result that is not a task' });
        process = options.processes.next();
      }
      await wait(100);
      continue;
    }
    runs.push(task.id);
    const answers = { sent: 0 };
    const ended = await follow(options, task.id, invokedAt, stop, answers);
    if (ended === undefined) {
      unfinished.push(task.id);
      recorder.info(op, { runId: task.id, error: 'not terminal by the deadline' });
      process = options.processes.next();
      continue;
    }
    const state = taskOf(ended)?.state ?? '';
    const status = STATUS[state] ?? state;
    const reason = status === 'completed' ? undefined : statusText(ended);
    const asked = asks ? { answers: ASKING_STEPS.map((step) => ({ step, text: answerFor(task.id, step) })), answersSent: answers.sent } : {};
    recorder.ok(op, { runId: task.id, status, steps: stepEffects(ended), ...asked, ...(reason === undefined ? {} : { reason }) });
  }
}

/** Runs `clients` clients until `stop` aborts and their runs end; the ids of the runs they started, and those that never ended. */
export async function runWorkflowWorkload(options: WorkflowWorkloadOptions, stop: AbortSignal): Promise<{ runs: string[]; unfinished: string[] }> {
  const runs: string[] = [];
  const unfinished: string[] = [];
  await Promise.all(Array.from({ length: options.clients }, () => client(options, runs, unfinished, stop)));
  return { runs, unfinished };
}
