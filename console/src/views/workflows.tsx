/**
 * Workflows: each workflow the orchestrator serves is one of its skills
 * (docs/orchestrator.md). Start a run from a form of its inputs, and watch
 * its steps on a graph drawn from the run's progress events
 * (`agentmesh.workflow`: step.started, step.completed, map.progress, …), in
 * the order they first run, nested by path (`providers/ok`, `score/3`).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { cancelTask, sendStreaming, userMessage, type Exchange } from '../a2a.js';
import { formSchema, SchemaForm, valueOf } from '../schema-form.js';
import type { AgentView } from '../types.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';

/** The orchestrator's skills that are not workflows. */
const BUILT_IN = new Set(['route', 'run-workflow']);
const FINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);

interface StepNode {
  path: string;
  kind?: string;
  agent?: string;
  state: 'running' | 'completed' | 'failed' | 'skipped' | 'input-required' | 'retrying';
  attempt?: number;
  durationMs?: number;
  cached?: boolean;
  error?: string;
  map?: { itemsDone: number; items: number; batchesDone: number; batches: number; failed: number };
}

interface Run {
  id?: string;
  state?: string;
  steps?: number;
  nodes: StepNode[];
  outputs?: unknown;
  error?: string;
}

type Loose = Record<string, unknown>;

/** The run after one frame. */
function apply(run: Run, e: Exchange): Run {
  if (e.direction !== 'received') return run;
  const result = (e.body as { result?: Loose; error?: { message?: string } }).result;
  if (result === undefined) return { ...run, error: (e.body as { error?: { message?: string } }).error?.message ?? run.error };
  const task = result['task'] as Loose | undefined;
  if (task !== undefined) return { ...run, id: task['id'] as string, state: (task['status'] as Loose | undefined)?.['state'] as string };
  const artifact = (result['artifactUpdate'] as Loose | undefined)?.['artifact'] as { name?: string; parts?: Array<{ data?: unknown }> } | undefined;
  if (artifact?.name === 'outputs') return { ...run, outputs: artifact.parts?.[0]?.data };
  const update = result['statusUpdate'] as Loose | undefined;
  if (update === undefined) return run;
  const status = update['status'] as { state?: string; message?: { parts?: Array<{ data?: Loose }> } };
  let next: Run = { ...run, id: (update['taskId'] as string) ?? run.id, state: status.state ?? run.state };
  for (const part of status.message?.parts ?? []) {
    const event = part.data?.['agentmesh.workflow'] as Loose | undefined;
    if (event !== undefined) next = applyEvent(next, event);
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
    case 'map.progress':
      node.map = { itemsDone: event['itemsDone'] as number, items: event['items'] as number, batchesDone: event['batchesDone'] as number, batches: event['batches'] as number, failed: event['failed'] as number };
      break;
  }
  nodes[i] = node;
  return { ...run, nodes };
}

const STATE_CLASS: Record<StepNode['state'], string> = { running: 'task-working', completed: 'task-completed', failed: 'task-failed', skipped: 'task-canceled', 'input-required': 'task-input-required', retrying: 'task-working' };

function StepGraph(props: { run: Run }) {
  return (
    <ol class="graph" data-testid="graph" aria-label="Steps of the run">
      {props.run.nodes.map((n) => (
        <li key={n.path} data-step={n.path} data-state={n.state} style={{ marginLeft: `${(n.path.split('/').length - 1) * 1.5}rem` }}>
          <span class="node-name">{n.path}</span>
          {n.kind !== undefined && <small> {n.kind}</small>}
          {n.agent !== undefined && <small> → {n.agent}</small>}
          <span class={`badge ${STATE_CLASS[n.state]}`}>{n.state}</span>
          {n.durationMs !== undefined && <small> {n.durationMs} ms{n.cached ? ', from before a restart' : ''}</small>}
          {n.attempt !== undefined && n.attempt > 1 && <small> attempt {n.attempt}</small>}
          {n.map !== undefined && (
            <span class="map">
              <progress max={n.map.items} value={n.map.itemsDone} aria-label={`${n.path}: ${n.map.itemsDone} of ${n.map.items} items`} /> {n.map.itemsDone}/{n.map.items} items, {n.map.batchesDone}/{n.map.batches} batches
              {n.map.failed > 0 && `, ${n.map.failed} failed`}
            </span>
          )}
          {n.error !== undefined && n.error !== '' && <div class="step-error">{n.error}</div>}
        </li>
      ))}
    </ol>
  );
}

export function WorkflowsView(props: { workflow?: string }) {
  const { data, error } = useData<AgentView>('/v1/console/agents/orchestrator');
  const [name, setName] = useState(props.workflow ?? '');
  const [run, setRun] = useState<Run>({ nodes: [] });
  const [streaming, setStreaming] = useState(false);
  const [failure, setFailure] = useState('');
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const workflows = (data?.skills ?? []).filter((s) => !BUILT_IN.has(s.id));
  const workflow = workflows.find((w) => w.id === name) ?? workflows[0];
  const form = formSchema(workflow?.inputSchema);

  const start = async (event: Event) => {
    event.preventDefault();
    if (workflow === undefined) return;
    const target = event.currentTarget as HTMLFormElement;
    let inputs: unknown;
    if (form !== undefined) inputs = valueOf(form, target);
    else {
      try {
        inputs = JSON.parse(String(new FormData(target).get('inputs') ?? '{}'));
      } catch {
        setFailure('The inputs are not valid JSON.');
        return;
      }
    }
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setRun({ nodes: [] });
    setFailure('');
    setStreaming(true);
    try {
      await sendStreaming('orchestrator', userMessage({ data: inputs }, { skillId: workflow.id }), (e) => setRun((r) => apply(r, e)), controller.signal);
    } catch (err) {
      if (!controller.signal.aborted) setFailure((err as Error).message);
    } finally {
      if (abort.current === controller) setStreaming(false);
    }
  };

  const cancel = () => {
    if (run.id !== undefined) cancelTask('orchestrator', run.id, (e) => setRun((r) => apply(r, e))).catch((err: Error) => setFailure(err.message));
  };

  return (
    <>
      <h1>Workflows</h1>
      <ErrorAlert message={error} />
      {data !== undefined && workflows.length === 0 && <p>The orchestrator serves no workflow (its WORKFLOWS_DIR is empty).</p>}
      {workflow !== undefined && (
        <form onSubmit={start} aria-label="Start a run" class="try-form">
          <div class="field">
            <label for="workflow">Workflow</label>
            <select id="workflow" value={workflow.id} onChange={(e) => setName((e.target as HTMLSelectElement).value)}>
              {workflows.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.id}
                </option>
              ))}
            </select>
          </div>
          <p>{workflow.description}</p>
          {form !== undefined ? (
            <SchemaForm schema={form} key={workflow.id} />
          ) : (
            <div class="field">
              <label for="inputs">Inputs (JSON)</label>
              <textarea id="inputs" name="inputs" rows={4} />
            </div>
          )}
          <button type="submit" disabled={streaming}>
            Start a run
          </button>
        </form>
      )}
      <ErrorAlert message={failure} />
      {run.id !== undefined && (
        <section class="card" aria-labelledby="run-h">
          <h2 id="run-h">
            Run <code>{run.id}</code>: <span data-testid="run-state">{run.state}</span>
          </h2>
          {run.steps !== undefined && <p>{run.steps} top-level steps.</p>}
          {run.state !== undefined && !FINAL.has(run.state) && (
            <button type="button" class="danger" onClick={cancel}>
              Cancel the run
            </button>
          )}
          <StepGraph run={run} />
          {run.error !== undefined && <p class="error">{run.error}</p>}
          {run.outputs !== undefined && (
            <>
              <h3>Outputs</h3>
              <pre tabIndex={0} data-testid="outputs">
                {JSON.stringify(run.outputs, null, 2)}
              </pre>
            </>
          )}
        </section>
      )}
    </>
  );
}
