/**
 * A workflow run as the console follows it: the orchestrator's task, its
 * progress events (`agentmesh.workflow`: step.started, step.completed,
 * map.progress, …, docs/orchestrator.md) folded into one node per step path,
 * its question while it waits for input, and its outputs.
 */
import type { Exchange } from './a2a.js';

/** Task states a run does not leave. */
export const FINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);

export interface StepNode {
  path: string;
  kind?: string;
  agent?: string;
  state: 'running' | 'completed' | 'failed' | 'skipped' | 'canceled' | 'input-required' | 'retrying';
  attempt?: number;
  durationMs?: number;
  cached?: boolean;
  error?: string;
  map?: { itemsDone: number; items: number; batchesDone: number; batches: number; failed: number };
}

export interface Run {
  id?: string;
  contextId?: string;
  state?: string;
  /** What the run asks while it waits for input. */
  question?: string;
  steps?: number;
  nodes: StepNode[];
  outputs?: unknown;
  error?: string;
}

export type Loose = Record<string, unknown>;

/** The text parts of a message (a question's wording). */
const partsText = (parts: Array<{ text?: string }> | undefined) => (parts ?? []).flatMap((p) => (p.text !== undefined ? [p.text] : [])).join('\n');

/** The run after one frame. */
export function apply(run: Run, e: Exchange): Run {
  if (e.direction !== 'received') return run;
  const result = (e.body as { result?: Loose; error?: { message?: string } }).result;
  if (result === undefined) return { ...run, error: (e.body as { error?: { message?: string } }).error?.message ?? run.error };
  // A stream's first event wraps the task (`{ task }`); CancelTask answers the task itself.
  const task = (result['task'] as Loose | undefined) ?? (typeof result['id'] === 'string' && result['status'] !== undefined ? result : undefined);
  if (task !== undefined) return mergeTask(run, task);
  const artifact = (result['artifactUpdate'] as Loose | undefined)?.['artifact'] as { name?: string; parts?: Array<{ data?: unknown }> } | undefined;
  if (artifact?.name === 'outputs') return { ...run, outputs: artifact.parts?.[0]?.data };
  const update = result['statusUpdate'] as Loose | undefined;
  if (update === undefined) return run;
  const status = update['status'] as { state?: string; message?: { parts?: Array<{ data?: Loose; text?: string }> } };
  let next: Run = { ...run, id: (update['taskId'] as string) ?? run.id, contextId: (update['contextId'] as string) ?? run.contextId, state: status.state ?? run.state };
  if (status.state === 'TASK_STATE_INPUT_REQUIRED') next.question = partsText(status.message?.parts) || run.question;
  else if (status.state !== undefined) next.question = undefined;
  for (const part of status.message?.parts ?? []) {
    const event = part.data?.['agentmesh.workflow'] as Loose | undefined;
    if (event !== undefined) next = applyEvent(next, event);
  }
  return next;
}

/**
 * The run as a task says it is (a stream's first event, CancelTask's answer,
 * or a run opened later with GetTask): its state and the question it waits
 * on, the progress events its history keeps (run.started, step.failed,
 * step.input-required, run.completed, run.failed), the `steps` artifact (each
 * top-level step's end, written when the run ends) and the outputs.
 */
export function mergeTask(run: Run, task: Loose): Run {
  const status = (task['status'] ?? {}) as { state?: string; message?: { parts?: Array<{ text?: string }> } };
  let next: Run = { ...run, id: task['id'] as string, contextId: task['contextId'] as string, state: status.state ?? run.state };
  if (status.state === 'TASK_STATE_INPUT_REQUIRED') next.question = partsText(status.message?.parts) || run.question;
  for (const message of (task['history'] ?? []) as Array<{ parts?: Array<{ data?: Loose }> }>) {
    for (const part of message.parts ?? []) {
      const event = part.data?.['agentmesh.workflow'] as Loose | undefined;
      if (event !== undefined) next = applyEvent(next, event);
    }
  }
  for (const artifact of (task['artifacts'] ?? []) as Array<{ name?: string; parts?: Array<{ data?: Loose }> }>) {
    const data = artifact.parts?.[0]?.data;
    if (artifact.name === 'outputs') next.outputs = data;
    if (artifact.name !== 'steps' || !Array.isArray(data?.['steps'])) continue;
    const nodes = [...next.nodes];
    for (const summary of data['steps'] as Array<Loose>) {
      if (typeof summary['path'] !== 'string' || summary['status'] === 'pending') continue;
      const i = nodes.findIndex((n) => n.path === summary['path']);
      const node: StepNode = { ...(i >= 0 ? nodes[i] : undefined), path: summary['path'], state: summary['status'] as StepNode['state'] };
      if (typeof summary['kind'] === 'string') node.kind = summary['kind'];
      if (typeof summary['agent'] === 'string') node.agent = summary['agent'];
      if (typeof summary['durationMs'] === 'number') node.durationMs = summary['durationMs'];
      if (typeof summary['attempt'] === 'number') node.attempt = summary['attempt'];
      if (typeof summary['error'] === 'string') node.error = summary['error'];
      if (i >= 0) nodes[i] = node;
      else nodes.push(node);
    }
    next.nodes = nodes;
  }
  return next;
}

function applyEvent(run: Run, event: Loose): Run {
  const type = event['type'] as string;
  if (type === 'run.started') return { ...run, steps: event['steps'] as number };
  if (type === 'run.failed') return { ...run, error: String(event['error'] ?? 'failed') };
  const path = event['path'] as string | undefined;
  if (path === undefined) return run;
  const nodes = [...run.nodes];
  let i = nodes.findIndex((n) => n.path === path);
  if (i < 0) {
    nodes.push({ path, state: 'running' });
    i = nodes.length - 1;
  }
  const node = { ...nodes[i]! };
  if (typeof event['kind'] === 'string') node.kind = event['kind'];
  if (typeof event['agent'] === 'string') node.agent = event['agent'];
  switch (type) {
    case 'step.started':
      node.state = 'running';
      node.attempt = event['attempt'] as number;
      break;
    case 'step.completed':
      node.state = 'completed';
      node.durationMs = event['durationMs'] as number;
      node.cached = event['cached'] === true;
      break;
    case 'step.skipped':
      node.state = 'skipped';
      break;
    case 'step.failed':
      node.state = event['willRetry'] === true ? 'retrying' : 'failed';
      node.error = String(event['error'] ?? '');
      break;
    case 'step.input-required':
      node.state = 'input-required';
      node.error = String(event['question'] ?? '');
      break;
    case 'step.awaiting-approval':
      // Waiting like a question, but for an approver, not the user (docs/approvals.md).
      node.state = 'input-required';
      node.error = `Waiting for approval: ${String(event['reason'] ?? '')}`;
      break;
    case 'map.progress':
      node.map = { itemsDone: event['itemsDone'] as number, items: event['items'] as number, batchesDone: event['batchesDone'] as number, batches: event['batches'] as number, failed: event['failed'] as number };
      break;
  }
  nodes[i] = node;
  return { ...run, nodes };
}

