/**
 * Workflows: each workflow the orchestrator serves is one of its skills
 * (docs/orchestrator.md). Its steps are drawn as a graph before any run,
 * from the outline the orchestrator registers with the skill; a run started
 * from the form of its inputs lights the graph up from its progress events
 * (`agentmesh.workflow`: step.started, step.completed, map.progress, …),
 * matched by path (`providers/ok`; a map's items, `score/3`, under the
 * map's `score/*`). A run waiting for input is answered from here (a message
 * to the run's task, A2A §3.1.2 multi-turn), and any run can be canceled.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { cancelTask, rpc, sendStreaming, subscribeToTask, userMessage, type Exchange } from '../a2a.js';
import { formSchema, SchemaForm, valueOf } from '../schema-form.js';
import type { AgentView, OutlineStep } from '../types.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';

/** The orchestrator's skills that are not workflows. */
const BUILT_IN = new Set(['route', 'run-workflow']);
const FINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);

interface StepNode {
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

interface Run {
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

type Loose = Record<string, unknown>;

/** The text parts of a message (a question's wording). */
const partsText = (parts: Array<{ text?: string }> | undefined) => (parts ?? []).flatMap((p) => (p.text !== undefined ? [p.text] : [])).join('\n');

/** The run after one frame. */
function apply(run: Run, e: Exchange): Run {
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
function mergeTask(run: Run, task: Loose): Run {
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
    case 'map.progress':
      node.map = { itemsDone: event['itemsDone'] as number, items: event['items'] as number, batchesDone: event['batchesDone'] as number, batches: event['batches'] as number, failed: event['failed'] as number };
      break;
  }
  nodes[i] = node;
  return { ...run, nodes };
}

const STATE_CLASS: Record<StepNode['state'], string> = { running: 'task-working', completed: 'task-completed', failed: 'task-failed', skipped: 'task-canceled', canceled: 'task-canceled', 'input-required': 'task-input-required', retrying: 'task-working' };

/** One node of the drawn graph: a step of the outline (its path, `*` for a map's items) or one only a run named. */
interface GraphNode {
  path: string;
  depth: number;
  kind?: string;
  target?: string;
  conditional?: boolean;
  /** Stands for a map's items: `score/*`. */
  pattern?: RegExp;
}

/** The outline's steps in order, depth first, with the paths the run's events use. */
function outlineNodes(steps: readonly OutlineStep[]): GraphNode[] {
  const nodes: GraphNode[] = [];
  const walk = (step: OutlineStep, prefix: string, depth: number) => {
    const path = `${prefix}${step.id}`;
    const target = step.agent ?? (step.skill !== undefined ? `skill ${step.skill}` : undefined);
    nodes.push({ path, depth, kind: step.join !== undefined ? `${step.kind} (${step.join})` : step.kind, ...(target !== undefined && { target }), ...(step.conditional && { conditional: true }), ...(prefix.includes('*') && { pattern: patternOf(path) }) });
    for (const child of step.steps ?? []) walk(child, `${path}/`, depth + 1);
    // A map runs its step once per item (or batch) at `<map>/<index>`: drawn once, as `<map>/*`.
    if (step.step !== undefined) walkItem(step.step, `${path}/*`, depth + 1);
  };
  const walkItem = (step: OutlineStep, path: string, depth: number) => {
    const target = step.agent ?? (step.skill !== undefined ? `skill ${step.skill}` : undefined);
    nodes.push({ path, depth, kind: `${step.kind}, per item`, ...(target !== undefined && { target }), pattern: patternOf(path) });
    for (const child of step.steps ?? []) walk(child, `${path}/`, depth + 1);
    if (step.step !== undefined) walkItem(step.step, `${path}/*`, depth + 1);
  };
  for (const step of steps) walk(step, '', 0);
  return nodes;
}

function patternOf(path: string): RegExp {
  return new RegExp(`^${path.split('/').map((p) => (p === '*' ? '\\d+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
}

/** A map's items in one line: how many are in each state. */
function countStates(nodes: readonly StepNode[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
}

function StepGraph(props: { run: Run; outline?: readonly OutlineStep[] }) {
  const { run } = props;
  const byPath = new Map(run.nodes.map((n) => [n.path, n]));
  const drawn = props.outline === undefined ? [] : outlineNodes(props.outline);
  const known = new Set(drawn.map((d) => d.path));
  // Steps the outline does not name (a run without one, e.g. run-workflow's), in the order they ran.
  const extra = run.nodes.filter((n) => !known.has(n.path) && !drawn.some((d) => d.pattern?.test(n.path)));
  const nodes: GraphNode[] = [...drawn, ...extra.map((n) => ({ path: n.path, depth: n.path.split('/').length - 1 }))];
  const ended = run.state !== undefined && FINAL.has(run.state);
  return (
    <ol class="graph" data-testid="graph" aria-label={run.id === undefined ? 'Steps of the workflow' : 'Steps of the run'}>
      {nodes.map((d) => {
        const items = d.pattern === undefined ? undefined : run.nodes.filter((n) => d.pattern!.test(n.path));
        const n = byPath.get(d.path);
        const state = items !== undefined ? (items.length === 0 ? 'pending' : items.some((i) => i.state === 'running' || i.state === 'retrying') ? 'running' : items.some((i) => i.state === 'failed') ? 'failed' : 'completed') : (n?.state ?? (ended ? 'not run' : 'pending'));
        const kind = n?.kind ?? d.kind;
        const agent = n?.agent ?? d.target;
        return (
          <li key={d.path} data-step={d.path} data-state={state} style={{ marginLeft: `${d.depth * 1.5}rem` }}>
            <span class="node-name">{d.path}</span>
            {kind !== undefined && <small> {kind}</small>}
            {agent !== undefined && <small> → {agent}</small>}
            {d.conditional === true && <small> (when …)</small>}
            <span class={`badge ${STATE_CLASS[state as StepNode['state']] ?? ''}`}>{state}</span>
            {items !== undefined && items.length > 0 && <small> {countStates(items)}</small>}
            {n?.durationMs !== undefined && <small> {n.durationMs} ms{n.cached ? ', from before a restart' : ''}</small>}
            {n?.attempt !== undefined && n.attempt > 1 && <small> attempt {n.attempt}</small>}
            {n?.map !== undefined && (
              <span class="map">
                <progress max={n.map.items} value={n.map.itemsDone} aria-label={`${d.path}: ${n.map.itemsDone} of ${n.map.items} items`} /> {n.map.itemsDone}/{n.map.items} items, {n.map.batchesDone}/{n.map.batches} batches
                {n.map.failed > 0 && `, ${n.map.failed} failed`}
              </span>
            )}
            {n?.error !== undefined && n.error !== '' && <div class={n.state === 'input-required' ? 'step-note' : 'step-error'}>{n.error}</div>}
          </li>
        );
      })}
    </ol>
  );
}

/** A workflow's recent runs, newest first: the orchestrator's tasks of that skill (the caller's tenant's, as ListTasks answers). */
function RecentRuns(props: { workflow: string; refresh: unknown }) {
  const [runs, setRuns] = useState<Array<{ id: string; state: string; timestamp?: string }> | undefined>(undefined);
  useEffect(() => {
    let live = true;
    rpc<{ tasks?: Array<{ id: string; status: { state: string; timestamp?: string }; metadata?: { skillId?: unknown } }> }>('orchestrator', 'ListTasks', { pageSize: 100, historyLength: 0 }).then(
      (r) => live && setRuns((r.tasks ?? []).filter((t) => t.metadata?.skillId === props.workflow).slice(0, 10).map((t) => ({ id: t.id, state: t.status.state, ...(t.status.timestamp !== undefined && { timestamp: t.status.timestamp }) }))),
      () => live && setRuns([]),
    );
    return () => {
      live = false;
    };
  }, [props.workflow, props.refresh]);
  if (runs === undefined || runs.length === 0) return null;
  return (
    <section aria-labelledby="runs-h">
      <h2 id="runs-h">Recent runs of {props.workflow}</h2>
      <ul data-testid="runs" class="runs">
        {runs.map((r) => (
          <li key={r.id} data-run={r.id}>
            <a href={`#/workflows/${encodeURIComponent(props.workflow)}/runs/${encodeURIComponent(r.id)}`}>{r.id}</a> <span class={`badge task-${r.state.replace('TASK_STATE_', '').toLowerCase().replace('_', '-')}`}>{r.state.replace('TASK_STATE_', '').toLowerCase().replace('_', '-')}</span>
            {r.timestamp !== undefined && <small> {new Date(r.timestamp).toLocaleString()}</small>}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function WorkflowsView(props: { workflow?: string; run?: string }) {
  const { data, error } = useData<AgentView>('/v1/console/agents/orchestrator');
  const [name, setName] = useState(props.workflow ?? '');
  const [run, setRun] = useState<Run>({ nodes: [] });
  const [streaming, setStreaming] = useState(false);
  const [failure, setFailure] = useState('');
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  // A run opened by its id (`#/workflows/<name>/runs/<id>`): read as it is now, then followed while it runs.
  useEffect(() => {
    if (props.run === undefined) return;
    const id = props.run;
    const controller = new AbortController();
    abort.current?.abort();
    abort.current = controller;
    rpc<Loose>('orchestrator', 'GetTask', { id, historyLength: 200 })
      .then(async (task) => {
        if (controller.signal.aborted) return;
        setRun(mergeTask({ nodes: [] }, task));
        const state = (task['status'] as Loose | undefined)?.['state'] as string | undefined;
        if (state === undefined || FINAL.has(state) || state === 'TASK_STATE_INPUT_REQUIRED') return;
        setStreaming(true);
        await subscribeToTask('orchestrator', id, (e) => setRun((r) => apply(r, e)), controller.signal);
      })
      .catch((err: Error) => !controller.signal.aborted && setFailure(err.message))
      .finally(() => abort.current === controller && setStreaming(false));
    return () => controller.abort();
  }, [props.run]);

  const workflows = (data?.skills ?? []).filter((s) => !BUILT_IN.has(s.id));
  const workflow = workflows.find((w) => w.id === name) ?? workflows[0];
  const form = formSchema(workflow?.inputSchema);

  /** Streams one message to the orchestrator (a new run, or an answer to a waiting one) into the run shown. */
  const stream = async (message: unknown, fresh: boolean) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    if (fresh) setRun({ nodes: [] });
    setFailure('');
    setStreaming(true);
    try {
      await sendStreaming('orchestrator', message, (e) => setRun((r) => apply(r, e)), controller.signal);
    } catch (err) {
      if (!controller.signal.aborted) setFailure((err as Error).message);
    } finally {
      if (abort.current === controller) setStreaming(false);
    }
  };

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
    await stream(userMessage({ data: inputs }, { skillId: workflow.id }), true);
  };

  const answer = async (event: Event) => {
    event.preventDefault();
    if (run.id === undefined) return;
    const text = String(new FormData(event.currentTarget as HTMLFormElement).get('answer') ?? '').trim();
    if (text === '') return;
    // The answer continues the run's task: the orchestrator hands it to the step that asked.
    await stream(userMessage({ text }, { taskId: run.id, ...(run.contextId !== undefined && { contextId: run.contextId }) }), false);
  };

  const cancel = () => {
    if (run.id !== undefined) cancelTask('orchestrator', run.id, (e) => setRun((r) => apply(r, e))).catch((err: Error) => setFailure(err.message));
  };

  const choose = (id: string) => {
    abort.current?.abort();
    setName(id);
    setRun({ nodes: [] });
    setFailure('');
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
            <select id="workflow" value={workflow.id} onChange={(e) => choose((e.target as HTMLSelectElement).value)}>
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
      {workflow !== undefined && <RecentRuns workflow={workflow.id} refresh={`${run.id ?? ''}/${run.state !== undefined && FINAL.has(run.state)}`} />}
      {workflow !== undefined && run.id === undefined && (
        <section class="card" aria-labelledby="definition-h">
          <h2 id="definition-h">Steps of {workflow.id}</h2>
          {workflow.workflow === undefined ? <p>The orchestrator registered no outline of this workflow (too large, or an older version): its steps show once a run starts.</p> : <StepGraph run={run} outline={workflow.workflow.steps} />}
        </section>
      )}
      {run.id !== undefined && (
        <section class="card" aria-labelledby="run-h">
          <h2 id="run-h">
            Run <code>{run.id}</code>: <span data-testid="run-state">{run.state}</span>
          </h2>
          {run.steps !== undefined && <p>{run.steps} top-level steps.</p>}
          {run.state === 'TASK_STATE_INPUT_REQUIRED' && (
            <form onSubmit={answer} aria-label="Answer the run" class="try-form" data-testid="run-question">
              <div class="field">
                <label for="run-answer">{run.question || 'The run waits for input'}</label>
                <input id="run-answer" name="answer" required />
              </div>
              <button type="submit" disabled={streaming}>
                Answer
              </button>
            </form>
          )}
          {run.state !== undefined && !FINAL.has(run.state) && (
            <button type="button" class="danger" onClick={cancel}>
              Cancel the run
            </button>
          )}
          <StepGraph run={run} outline={workflow?.workflow?.steps} />
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
