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
import { cancelTask, rpc, sendStreaming, subscribeToTask, userMessage } from '../a2a.js';
import { formSchema, SchemaForm, valueOf } from '../schema-form.js';
import type { ConsoleAgentDetail as AgentView } from '../../../src/contracts/console/index.js';
import { outlineOf, StepGraph } from '../step-graph.js';
import { apply, FINAL, mergeTask, type Loose, type Run } from '../workflow-run.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';
import { formatTime, plural, stateClass, stateLabel } from '../format.js';
import { TenantView } from '../tenant-bar.js';
import { Parts } from '../parts.js';
import { RUN_STEPS_SKILL } from '../run-steps-page.js';
import { RunStepsList } from '../run-steps-list.js';

/** The orchestrator's skills that are not workflows. */
const BUILT_IN = new Set(['route', 'run-workflow', RUN_STEPS_SKILL]);

/** A workflow's recent runs, newest first: the orchestrator's tasks of that skill (the caller's tenant's, as ListTasks answers). */
function RecentRuns(props: { workflow: string; refresh: unknown }) {
  // Kept with the workflow they were listed for: until the newly chosen workflow's list arrives, the previous
  // one's runs must not show under its name (a quick click would open another workflow's run).
  const [listed, setListed] = useState<{ workflow: string; runs: Array<{ id: string; state: string; timestamp?: string }> } | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const workflow = props.workflow;
    rpc<{ tasks?: Array<{ id: string; status: { state: string; timestamp?: string }; metadata?: { skillId?: unknown } }> }>('orchestrator', 'ListTasks', { pageSize: 100, historyLength: 0 }).then(
      (r) =>
        live &&
        setListed({
          workflow,
          runs: (r.tasks ?? []).filter((t) => t.metadata?.skillId === workflow).slice(0, 10).map((t) => ({ id: t.id, state: t.status.state, ...(t.status.timestamp !== undefined && { timestamp: t.status.timestamp }) })),
        }),
      () => live && setListed({ workflow, runs: [] }),
    );
    return () => {
      live = false;
    };
  }, [props.workflow, props.refresh]);
  const runs = listed?.workflow === props.workflow ? listed.runs : undefined;
  if (runs === undefined || runs.length === 0) return null;
  return (
    <section aria-labelledby="runs-h">
      <h2 id="runs-h">Recent runs of {props.workflow}</h2>
      <ul data-testid="runs" class="runs">
        {runs.map((r) => (
          <li key={r.id} data-run={r.id}>
            <a href={`#/workflows/${encodeURIComponent(props.workflow)}/runs/${encodeURIComponent(r.id)}`} class="id">
              {r.id}
            </a>{' '}
            <span class={`badge ${stateClass(r.state)}`}>{stateLabel(r.state)}</span>
            {r.timestamp !== undefined && <small> {formatTime(r.timestamp)}</small>}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function WorkflowsView(props: { workflow?: string; run?: string }) {
  return <TenantView title="Workflows" what="Workflow runs" render={() => <Workflows {...props} />} />;
}

function Workflows(props: { workflow?: string; run?: string }) {
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
      {data === undefined && error === '' && <p aria-busy="true">Loading the workflows…</p>}
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
          {workflow.workflow === undefined ? <p>The orchestrator registered no outline of this workflow (too large, or an older version): its steps show once a run starts.</p> : <StepGraph run={run} outline={outlineOf(workflow)} />}
        </section>
      )}
      {run.id !== undefined && (
        <section class="card" aria-labelledby="run-h">
          <h2 id="run-h">
            Run <code class="id">{run.id}</code>: <span data-testid="run-state" class={`badge ${stateClass(run.state)}`}>{stateLabel(run.state)}</span>
          </h2>
          {run.steps !== undefined && <p>{plural(run.steps, 'top-level step')}.</p>}
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
          <StepGraph run={run} outline={outlineOf(workflow)} />
          <RunStepsList runId={run.id} ended={run.state !== undefined && FINAL.has(run.state)} />
          {run.error !== undefined && <p class="error">{run.error}</p>}
          {run.outputs !== undefined && (
            <>
              <h3>Outputs</h3>
              <div data-testid="outputs">
                <Parts parts={[{ data: run.outputs }]} />
              </div>
              <details>
                <summary>Outputs as JSON</summary>
                <pre tabIndex={0}>{JSON.stringify(run.outputs, null, 2)}</pre>
              </details>
            </>
          )}
        </section>
      )}
    </>
  );
}
