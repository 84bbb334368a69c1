/**
 * Tasks across agents: ListTasks on each agent the caller may see, through
 * the gateway with the caller's credential, so each runtime answers with the
 * caller's tenant's tasks only. Refreshed every 5 s; a task's page reads it
 * with GetTask and can cancel it.
 */
import { useEffect, useState } from 'preact/hooks';
import { rpc } from '../a2a.js';
import type { AgentView } from '../types.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';

const STATES = ['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING', 'TASK_STATE_INPUT_REQUIRED', 'TASK_STATE_AUTH_REQUIRED', 'TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED'];
const FINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);
const label = (state: string | undefined) => (state ?? 'unknown').replace('TASK_STATE_', '').toLowerCase().replace('_', '-');

type Part = { text?: string; data?: unknown; file?: unknown };
interface Task {
  id: string;
  contextId: string;
  status: { state: string; timestamp?: string; message?: { parts?: Part[] } };
  artifacts?: Array<{ artifactId: string; name?: string; parts?: Part[] }>;
  history?: Array<{ messageId: string; role: string; parts?: Part[] }>;
  metadata?: Record<string, unknown>;
}
interface Row extends Task {
  agent: string;
}

const partText = (parts: Part[] | undefined) => (parts ?? []).map((p) => (p.text !== undefined ? p.text : JSON.stringify(p.data ?? p.file))).join('\n');

export function TasksView() {
  const agents = useData<{ agents: AgentView[] }>('/v1/console/agents');
  const [agent, setAgent] = useState('');
  const [state, setState] = useState('');
  const [contextId, setContextId] = useState('');
  const [sinceMinutes, setSinceMinutes] = useState('');
  const [rows, setRows] = useState<Row[] | undefined>(undefined);
  const [failures, setFailures] = useState<string[]>([]);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (agents.data === undefined) return;
    let live = true;
    // Bridged ACP agents cannot list their runs (ACP has no such call): their tasks are found by id, not listed.
    const names = agents.data.agents.filter((a) => a.bridged === undefined).map((a) => a.name).filter((n) => agent === '' || n === agent);
    const since = sinceMinutes === '' ? undefined : new Date(Date.now() - Number(sinceMinutes) * 60_000).toISOString();
    const params = { pageSize: 25, historyLength: 0, ...(state !== '' && { status: state }), ...(contextId.trim() !== '' && { contextId: contextId.trim() }), ...(since !== undefined && { statusTimestampAfter: since }) };
    void Promise.allSettled(names.map((n) => rpc<{ tasks?: Task[] }>(n, 'ListTasks', params).then((r) => (r.tasks ?? []).map((t) => ({ ...t, agent: n }))))).then((results) => {
      if (!live) return;
      const all: Row[] = [];
      const failed: string[] = [];
      results.forEach((r, i) => (r.status === 'fulfilled' ? all.push(...r.value) : failed.push(`${names[i]}: ${(r.reason as Error).message}`)));
      all.sort((a, b) => (b.status.timestamp ?? '').localeCompare(a.status.timestamp ?? ''));
      setRows(all);
      setFailures(failed);
    });
    const timer = setTimeout(() => setTick((t) => t + 1), 5_000);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [agents.data, agent, state, contextId, sinceMinutes, tick]);

  return (
    <>
      <h1>Tasks</h1>
      <form class="row filters" aria-label="Filter tasks" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="task-agent">Agent</label>
          <select id="task-agent" value={agent} onChange={(e) => setAgent((e.target as HTMLSelectElement).value)}>
            <option value="">every agent</option>
            {agents.data?.agents.map((a) => (
              <option key={a.name} value={a.name}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="task-state">State</label>
          <select id="task-state" value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            <option value="">any state</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="task-since">Updated</label>
          <select id="task-since" value={sinceMinutes} onChange={(e) => setSinceMinutes((e.target as HTMLSelectElement).value)}>
            <option value="">any time</option>
            <option value="15">in the last 15 minutes</option>
            <option value="60">in the last hour</option>
            <option value="1440">in the last day</option>
          </select>
        </div>
        <div class="field">
          <label for="task-context">Context id</label>
          <input id="task-context" value={contextId} onChange={(e) => setContextId((e.target as HTMLInputElement).value)} />
        </div>
      </form>
      {failures.length > 0 && (
        <p class="notice" role="status">
          Not listed: {failures.join('; ')}
        </p>
      )}
      {rows === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <table data-testid="tasks">
          <caption>{rows.length} most recent tasks of your tenant (25 per agent), refreshed every 5 s</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col">Updated</th>
              <th scope="col">Context</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={`${t.agent}/${t.id}`} data-task={t.id}>
                <th scope="row">
                  <a href={`#/tasks/${encodeURIComponent(t.agent)}/${encodeURIComponent(t.id)}`}>{t.id}</a>
                </th>
                <td>{t.agent}</td>
                <td>
                  <span class={`badge task-${label(t.status.state)}`}>{label(t.status.state)}</span>
                </td>
                <td>{t.status.timestamp === undefined ? '–' : new Date(t.status.timestamp).toLocaleString()}</td>
                <td>
                  <code>{t.contextId}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function TaskDetailView(props: { agent: string; id: string }) {
  const [task, setTask] = useState<Task | undefined>(undefined);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    rpc<Task>(props.agent, 'GetTask', { id: props.id, historyLength: 50 }).then(
      (t) => live && (setTask(t), setError('')),
      (err: Error) => live && setError(err.message),
    );
    const timer = setTimeout(() => setTick((t) => t + 1), 3_000);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [props.agent, props.id, tick]);

  const cancel = () => {
    rpc<Task>(props.agent, 'CancelTask', { id: props.id }).then(setTask, (err: Error) => setError(err.message));
  };

  return (
    <>
      <p>
        <a href="#/tasks">← Tasks</a>
      </p>
      <h1>
        Task <code>{props.id}</code>
      </h1>
      <ErrorAlert message={error} />
      {task !== undefined && (
        <>
          <dl class="facts">
            <dt>Agent</dt>
            <dd>{props.agent}</dd>
            <dt>State</dt>
            <dd data-testid="task-detail-state">{label(task.status.state)}</dd>
            <dt>Updated</dt>
            <dd>{task.status.timestamp ?? '–'}</dd>
            <dt>Context</dt>
            <dd>
              <code>{task.contextId}</code>
            </dd>
          </dl>
          {!FINAL.has(task.status.state) && (
            <button type="button" class="danger" onClick={cancel}>
              Cancel the task
            </button>
          )}
          <h2>Messages</h2>
          <ol class="events">
            {(task.history ?? []).map((m) => (
              <li key={m.messageId} class={m.role === 'ROLE_USER' ? 'sent' : 'received'}>
                {m.role === 'ROLE_USER' ? 'user' : 'agent'}: {partText(m.parts)}
              </li>
            ))}
          </ol>
          <h2>Artifacts</h2>
          {(task.artifacts ?? []).length === 0 ? (
            <p>None.</p>
          ) : (
            (task.artifacts ?? []).map((a) => (
              <section key={a.artifactId} class="card" aria-label={`Artifact ${a.name ?? a.artifactId}`}>
                <h3>{a.name ?? a.artifactId}</h3>
                <pre tabIndex={0}>{partText(a.parts)}</pre>
              </section>
            ))
          )}
          {task.metadata !== undefined && (
            <details>
              <summary>Metadata</summary>
              <pre tabIndex={0}>{JSON.stringify(task.metadata, null, 2)}</pre>
            </details>
          )}
        </>
      )}
    </>
  );
}
