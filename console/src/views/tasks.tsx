/**
 * Tasks across agents, live: the gateway reads each agent's newest tasks
 * for the caller's tenant (ListTasks, with the caller named in its
 * assertion, so each runtime answers with the tenant's tasks only) and
 * streams what changed (`/v1/console/tasks/stream`, server-sent events read
 * by live.ts). The filters are the stream's: changing one opens a new
 * stream. A task's page reads it with GetTask and can cancel it.
 */
import { useEffect, useState } from 'preact/hooks';
import { rpc } from '../a2a.js';
import { follow, liveText, type LiveState } from '../live.js';
import type { ConsoleAgentDetail as AgentView, ConsoleTaskFrame as Frame, ConsoleTaskRow } from '../../../src/contracts/console/index.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';
import { formatCredits, formatDuration, formatNumber, formatTime, plural, startedAt, stateClass, stateLabel } from '../format.js';
import { Parts, type Part } from '../parts.js';
import { TenantView } from '../tenant-bar.js';
import { StatusTimeline, withState, type StatusStep } from '../status-timeline.js';
import { ColumnHeads } from '../column-heads.js';

const STATES = ['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING', 'TASK_STATE_INPUT_REQUIRED', 'TASK_STATE_AUTH_REQUIRED', 'TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED'];
const FINAL = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);
const label = stateLabel;

interface Task {
  id: string;
  contextId: string;
  status: { state: string; timestamp?: string; message?: { parts?: Part[] } };
  artifacts?: Array<{ artifactId: string; name?: string; parts?: Part[] }>;
  history?: Array<{ messageId: string; role: string; parts?: Part[] }>;
  metadata?: Record<string, unknown>;
}
type Row = ConsoleTaskRow;

const keyOf = (r: Row) => `${r.agent}/${r.id}`;

/** How long a task ran (ended) or has been running (open), when its id says when it began. */
function durationOf(row: Row, now: number): string {
  const start = startedAt(row.id);
  if (start === undefined) return '–';
  const end = FINAL.has(row.state) && row.timestamp !== undefined ? Date.parse(row.timestamp) : now;
  return Number.isFinite(end) && end >= start ? `${FINAL.has(row.state) ? '' : 'running for '}${formatDuration(end - start)}` : '–';
}

/** The filters of the list: the stream's (agent, state, context, time) and the page's (skill, text). */
interface Filters {
  agent: string;
  state: string;
  contextId: string;
  sinceMinutes: string;
  skill: string;
  text: string;
}

const NO_FILTERS: Filters = { agent: '', state: '', contextId: '', sinceMinutes: '', skill: '', text: '' };
const SINCE: Readonly<Record<string, string>> = { '15': 'in the last 15 minutes', '60': 'in the last hour', '1440': 'in the last day' };

/**
 * What an empty list says: whose tasks it looked for and under which
 * filters, so a filter on an agent with no task never reads as a tenant
 * without tasks.
 *
 * @example
 * emptyCaption('demo', { ...NO_FILTERS, agent: 'finance' }); // 'No task of agent finance for tenant demo'
 */
export function emptyCaption(tenant: string, f: Filters): string {
  const whose = f.agent === '' ? `tenant ${tenant}` : `agent ${f.agent} for tenant ${tenant}`;
  const conditions = [
    f.state !== '' && `in state ${label(f.state)}`,
    f.sinceMinutes !== '' && `updated ${SINCE[f.sinceMinutes] ?? `in the last ${f.sinceMinutes} minutes`}`,
    f.contextId.trim() !== '' && `in context ${f.contextId.trim()}`,
    f.skill !== '' && `with skill ${f.skill}`,
    f.text.trim() !== '' && `whose request contains “${f.text.trim()}”`,
  ].filter((c): c is string => c !== false);
  if (conditions.length === 0) return f.agent === '' ? `No task of ${whose} yet` : `No task of ${whose}`;
  return `No task of ${whose} ${conditions.join(', ')}`;
}

export function TasksView() {
  return <TenantView title="Tasks" what="Tasks" render={({ tenant, platform }) => <TaskList tenant={tenant} platform={platform} />} />;
}

function TaskList(props: { tenant: string; platform: boolean }) {
  const agents = useData<{ agents: AgentView[] }>('/v1/console/agents');
  const [agent, setAgent] = useState('');
  const [state, setState] = useState('');
  const [contextId, setContextId] = useState('');
  const [sinceMinutes, setSinceMinutes] = useState('');
  const [skill, setSkill] = useState('');
  const [text, setText] = useState('');
  const [rows, setRows] = useState<Map<string, Row> | undefined>(undefined);
  const [failures, setFailures] = useState<string[]>([]);
  const [live, setLive] = useState<LiveState>({ kind: 'connecting' });

  useEffect(() => {
    const query = new URLSearchParams(Object.entries({ ...(props.platform && { tenant: props.tenant }), agent, state, contextId: contextId.trim(), sinceMinutes }).filter(([, v]) => v !== '')).toString();
    setRows(undefined);
    let fresh = true;
    return follow({
      path: () => `/v1/console/tasks/stream${query === '' ? '' : `?${query}`}`,
      // A new stream starts with every task it lists: its first frame replaces the list.
      onOpen: () => (fresh = true),
      onState: setLive,
      onEvent: (event, data) => {
        if (event !== 'tasks') return;
        const frame = JSON.parse(data) as Frame;
        const replace = fresh;
        fresh = false;
        setRows((before) => {
          const next = new Map(replace || before === undefined ? [] : before);
          for (const key of frame.removed) next.delete(key);
          for (const row of frame.upserts) next.set(keyOf(row), row);
          return next;
        });
        setFailures(frame.failures);
      },
    });
  }, [agent, state, contextId, sinceMinutes, props.tenant, props.platform]);

  const all = rows === undefined ? undefined : [...rows.values()].sort((a, b) => (b.timestamp ?? '').localeCompare(a.timestamp ?? ''));
  const skills = [...new Set((all ?? []).flatMap((r) => (r.skillId === undefined ? [] : [r.skillId])))].sort();
  const needle = text.trim().toLowerCase();
  const filters: Filters = { agent, state, contextId, sinceMinutes, skill, text };
  const filtered = Object.entries(filters).some(([, v]) => v.trim() !== '');
  const clear = () => {
    setAgent(NO_FILTERS.agent);
    setState(NO_FILTERS.state);
    setContextId(NO_FILTERS.contextId);
    setSinceMinutes(NO_FILTERS.sinceMinutes);
    setSkill(NO_FILTERS.skill);
    setText(NO_FILTERS.text);
  };
  // Skill and text filter the live list in the page (the stream's filters are the agents' own: agent, state, context, time).
  const sorted = all?.filter((r) => (skill === '' || r.skillId === skill) && (needle === '' || `${r.request ?? ''} ${r.skillId ?? ''} ${r.agent} ${r.id}`.toLowerCase().includes(needle)));
  const now = Date.now();

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
          <label for="task-skill">Skill</label>
          <select id="task-skill" value={skill} onChange={(e) => setSkill((e.target as HTMLSelectElement).value)}>
            <option value="">every skill</option>
            {skills.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="task-text">Request contains</label>
          <input id="task-text" type="search" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="task-context">Context id</label>
          <input id="task-context" value={contextId} onChange={(e) => setContextId((e.target as HTMLInputElement).value)} />
        </div>
        {filtered && (
          <div class="field clear">
            <button type="button" class="secondary" onClick={clear}>
              Clear the filters
            </button>
          </div>
        )}
      </form>
      <p class="live" data-testid="tasks-live" data-live={live.kind} role="status">
        Live list: {liveText(live)}
      </p>
      {failures.length > 0 && (
        <p class="notice" role="status">
          Not listed: {failures.join('; ')}
        </p>
      )}
      {sorted === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <table data-testid="tasks">
          <caption>
            {sorted.length === 0 ? emptyCaption(props.tenant, filters) : `The ${plural(sorted.length, 'most recent task', 'most recent tasks')} of ${agent === '' ? `tenant ${props.tenant}` : `agent ${agent} for tenant ${props.tenant}`} (25 per agent)`}, updated live
          </caption>
          <ColumnHeads labels={['Request', 'Agent', 'Skill', 'State', 'Duration', 'Credits', 'Updated']} />
          <tbody>
            {sorted.map((t) => (
              <tr key={keyOf(t)} data-task={t.id} data-state={stateClass(t.state).slice(5)}>
                <th scope="row" data-label="Request">
                  <a href={`#/tasks/${encodeURIComponent(t.agent)}/${encodeURIComponent(t.id)}`}>
                    {t.request ?? <i>({t.skillId ?? 'task'})</i>}
                    <br />
                    <small class="id">{t.id}</small>
                  </a>
                </th>
                <td data-label="Agent">
                  {t.agent}
                  {/* The orchestrator's workflow runs open on their workflow's graph too. */}
                  {t.agent === 'orchestrator' && t.skillId !== undefined && t.skillId !== 'route' && t.skillId !== 'run-workflow' && (
                    <>
                      {' '}
                      <a href={`#/workflows/${encodeURIComponent(t.skillId)}/runs/${encodeURIComponent(t.id)}`} aria-label={`${t.skillId} graph of run ${t.id}`}>
                        <small>{t.skillId} graph</small>
                      </a>
                    </>
                  )}
                </td>
                <td data-label="Skill">{t.skillId ?? '–'}</td>
                <td data-label="State">
                  <span class={`badge ${stateClass(t.state)}`}>{label(t.state)}</span>
                </td>
                <td data-label="Duration">{durationOf(t, now)}</td>
                <td data-label="Credits">{t.credits === undefined ? '–' : formatNumber(t.credits)}</td>
                <td data-label="Updated">{formatTime(t.timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Who a delegated task was for and who acted for them (its `agentmesh.delegation` metadata), top caller first; undefined for a direct call. */
function delegationOf(task: Task): string[] | undefined {
  const d = task.metadata?.['agentmesh.delegation'] as { caller?: unknown; actors?: unknown } | undefined;
  if (typeof d?.caller !== 'string' || !Array.isArray(d.actors) || !d.actors.every((a): a is string => typeof a === 'string')) return undefined;
  return [d.caller, ...d.actors];
}

/** The credits the task used (its `agentmesh.usage` metadata, written with its final status). */
function usageOf(task: Task): number | undefined {
  const usage = (task.metadata?.['agentmesh.usage'] ?? (task.status as { metadata?: Record<string, unknown> }).metadata?.['agentmesh.usage']) as { credits?: unknown } | undefined;
  return typeof usage?.credits === 'number' ? usage.credits : undefined;
}

export function TaskDetailView(props: { agent: string; id: string }) {
  return <TenantView title="Task" what="Tasks" render={() => <TaskDetail {...props} />} />;
}

function TaskDetail(props: { agent: string; id: string }) {
  const [task, setTask] = useState<Task | undefined>(undefined);
  const [steps, setSteps] = useState<StatusStep[]>([]);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    rpc<Task>(props.agent, 'GetTask', { id: props.id, historyLength: 50 }).then(
      (t) => {
        if (!live) return;
        setTask(t);
        setError('');
        setSteps((before) => {
          // Its creation (from a UUIDv7 id) first, then each state as the reads saw it change.
          const start = startedAt(t.id);
          const first = before.length === 0 && start !== undefined && t.status.state !== 'TASK_STATE_SUBMITTED' ? [{ state: 'TASK_STATE_SUBMITTED', at: start }] : before;
          const at = t.status.timestamp !== undefined ? Date.parse(t.status.timestamp) : Date.now();
          return withState(first, t.status.state, Number.isFinite(at) ? at : Date.now());
        });
      },
      (err: Error) => live && setError(err.message),
    );
    // Read again while it may still change; an ended task does not.
    const timer = task !== undefined && FINAL.has(task.status.state) ? undefined : setTimeout(() => setTick((t) => t + 1), 3_000);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [props.agent, props.id, tick]);

  const cancel = () => {
    rpc<Task>(props.agent, 'CancelTask', { id: props.id }).then(
      (t) => {
        setTask(t);
        setSteps((before) => withState(before, t.status.state, Date.now()));
      },
      (err: Error) => setError(err.message),
    );
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
            <dd data-testid="task-detail-state">
              <span class={`badge ${stateClass(task.status.state)}`}>{label(task.status.state)}</span>
            </dd>
            {startedAt(task.id) !== undefined && (
              <>
                <dt>Started</dt>
                <dd>{formatTime(startedAt(task.id))}</dd>
              </>
            )}
            <dt>Updated</dt>
            <dd>{formatTime(task.status.timestamp)}</dd>
            <dt>Duration</dt>
            <dd>{durationOf({ agent: props.agent, id: task.id, contextId: task.contextId, state: task.status.state, ...(task.status.timestamp !== undefined && { timestamp: task.status.timestamp }) }, Date.now())}</dd>
            {usageOf(task) !== undefined && (
              <>
                <dt>Credits</dt>
                <dd data-testid="task-credits">{formatCredits(usageOf(task)!)}</dd>
              </>
            )}
            <dt>Context</dt>
            <dd>
              <code>{task.contextId}</code>
            </dd>
            {delegationOf(task) !== undefined && (
              <>
                <dt>For</dt>
                <dd data-testid="task-delegation" title="The caller first, then each client that acted for it (RFC 8693 token exchange), the one that called this agent last">
                  {delegationOf(task)!.map((who, i) => (
                    <span key={i}>
                      {i > 0 && ' → '}
                      <code>{who}</code>
                    </span>
                  ))}
                  {' → '}
                  {props.agent}
                </dd>
              </>
            )}
          </dl>
          {!FINAL.has(task.status.state) && (
            <button type="button" class="danger" onClick={cancel}>
              Cancel the task
            </button>
          )}
          <h2>Status</h2>
          <StatusTimeline steps={steps} />
          <p class="hint">The states this page saw (a state that came and went between two reads, 3 s apart, is not shown); the raw task is below.</p>
          <h2>Conversation</h2>
          <ol class="conversation" data-testid="conversation">
            {(task.history ?? []).map((m) => (
              <li key={m.messageId} class={m.role === 'ROLE_USER' ? 'from-user' : 'from-agent'}>
                <span class="speaker">{m.role === 'ROLE_USER' ? 'You' : props.agent}</span>
                <Parts parts={m.parts} />
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
                <Parts parts={a.parts} />
              </section>
            ))
          )}
          <details>
            <summary>Raw A2A task (JSON)</summary>
            <pre tabIndex={0}>{JSON.stringify(task, null, 2)}</pre>
          </details>
        </>
      )}
    </>
  );
}
