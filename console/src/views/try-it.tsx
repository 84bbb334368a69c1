import { useEffect, useRef, useState } from 'preact/hooks';
import { cancelTask, sendStreaming, userMessage, type Exchange } from '../a2a.js';
import { formSchema, SchemaForm, takesText, valueOf } from '../schema-form.js';
import type { ConsoleAgentDetail as AgentView } from '../../../src/contracts/console/index.js';
import { useData } from '../use-data.js';
import { ErrorAlert } from '../error-alert.js';
import { stateClass, stateLabel } from '../format.js';
import { StatusTimeline } from '../status-timeline.js';
import { Parts } from '../parts.js';
import { FINAL, summary, timelineOf, track, type TryState } from '../try-it-events.js';
import { TenantView } from '../tenant-bar.js';

export function TryItView(props: { agent?: string; skill?: string }) {
  return <TenantView title="Try it" what="A2A calls" render={() => <TryIt {...props} />} />;
}

function TryIt(props: { agent?: string; skill?: string }) {
  const { data, error: loadError } = useData<{ agents: AgentView[] }>('/v1/console/agents');
  const [agent, setAgent] = useState(props.agent ?? '');
  const [skillId, setSkillId] = useState(props.skill ?? '');
  const [mode, setMode] = useState<'form' | 'text'>('form');
  const [events, setEvents] = useState<Exchange[]>([]);
  const [task, setTask] = useState<TryState>({});
  const [streaming, setStreaming] = useState(false);
  const [raw, setRaw] = useState(false);
  const [error, setError] = useState('');
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => {
    if (props.agent !== undefined) setAgent(props.agent);
    if (props.skill !== undefined) setSkillId(props.skill);
  }, [props.agent, props.skill]);

  const chosen = data?.agents.find((a) => a.name === agent);
  const skill = chosen?.skills.find((s) => s.id === skillId) ?? chosen?.skills[0];
  const form = formSchema(skill?.inputSchema);
  // A skill with a schema starts on its form (or JSON); one that takes only text, on free text.
  const textMode = mode === 'text' || skill?.inputSchema === undefined;
  const typed = !textMode && form !== undefined;

  const record = (e: Exchange) => {
    setEvents((list) => [...list, e]);
    setTask((t) => track(t, e));
  };

  const run = async (message: unknown) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setStreaming(true);
    setError('');
    try {
      await sendStreaming(agent, message, record, controller.signal);
    } catch (err) {
      if (!controller.signal.aborted) setError((err as Error).message);
    } finally {
      if (abort.current === controller) setStreaming(false);
    }
  };

  const send = (event: Event) => {
    event.preventDefault();
    if (chosen === undefined || skill === undefined) return;
    const target = event.currentTarget as HTMLFormElement;
    setEvents([]);
    setTask({});
    let input: { text: string } | { data: unknown };
    if (typed) input = { data: valueOf(form, target) };
    else {
      const text = String(new FormData(target).get('free-text') ?? '');
      if (!textMode) {
        try {
          input = { data: JSON.parse(text) };
        } catch {
          setError('The input is not valid JSON.');
          return;
        }
      } else input = { text };
    }
    void run(userMessage(input, { skillId: skill.id }));
  };

  const answer = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const text = String(new FormData(form).get('answer') ?? '');
    form.reset();
    void run(userMessage({ text }, { ...(task.id !== undefined && { taskId: task.id }), ...(task.contextId !== undefined && { contextId: task.contextId }) }));
  };

  const cancel = () => {
    if (task.id === undefined) return;
    cancelTask(agent, task.id, record).catch((err: Error) => setError(err.message));
  };

  const open = task.state !== undefined && !FINAL.has(task.state);

  return (
    <>
      <h1>Try it</h1>
      <form onSubmit={send} class="try-form" aria-label="Message to send">
        <div class="row">
          <div class="field">
            <label for="try-agent">Agent</label>
            <select
              id="try-agent"
              value={agent}
              onChange={(e) => {
                setAgent((e.target as HTMLSelectElement).value);
                setSkillId('');
              }}
            >
              <option value="">{data === undefined ? 'Loading the agents…' : 'Choose an agent'}</option>
              {data?.agents.map((a) => (
                <option key={a.name} value={a.name}>
                  {a.name} ({a.health})
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="try-skill">Skill</label>
            <select id="try-skill" value={skill?.id ?? ''} onChange={(e) => setSkillId((e.target as HTMLSelectElement).value)} disabled={chosen === undefined}>
              {chosen?.skills.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        {skill !== undefined && (
          <>
            <p>{skill.description}</p>
            {skill.inputSchema !== undefined && (
              <fieldset class="modes">
                <legend>Input</legend>
                <label>
                  <input type="radio" name="input-mode" checked={mode === 'form'} onChange={() => setMode('form')} /> {form !== undefined ? 'form from the input schema' : 'JSON for the input schema'}
                </label>
                {takesText(skill.inputSchema) && (
                  <label>
                    <input type="radio" name="input-mode" checked={mode === 'text'} onChange={() => setMode('text')} /> free text
                  </label>
                )}
              </fieldset>
            )}
            {typed ? (
              <SchemaForm schema={form} key={`${agent}/${skill.id}`} />
            ) : (
              <div class="field">
                <label for="free-text">{textMode ? 'Message' : 'Input (JSON)'}</label>
                <textarea id="free-text" name="free-text" rows={4} required placeholder={skill.examples.find((x) => x.startsWith('{') !== textMode) ?? ''} />
              </div>
            )}
            <button type="submit" disabled={streaming}>
              Send
            </button>
          </>
        )}
      </form>
      <ErrorAlert message={error || loadError} />
      {task.id !== undefined && (
        <section aria-labelledby="task-h" class="card">
          <h2 id="task-h">
            Task <code class="id">{task.id}</code>: <span data-testid="task-state" class={`badge ${stateClass(task.state)}`}>{stateLabel(task.state)}</span>
          </h2>
          <StatusTimeline steps={timelineOf(events)} />
          <p>
            <a href={`#/tasks/${encodeURIComponent(agent)}/${encodeURIComponent(task.id)}`}>Open the task's page</a>
          </p>
          {task.state === 'TASK_STATE_INPUT_REQUIRED' && (
            <form onSubmit={answer} aria-label="Answer the agent">
              <label for="answer">{task.note !== '' ? task.note : 'The agent asks for input'}</label>
              <input id="answer" name="answer" required />
              <button type="submit">Answer</button>
            </form>
          )}
          {open && (
            <button type="button" class="danger" onClick={cancel}>
              Cancel the task
            </button>
          )}
        </section>
      )}
      {(task.reply !== undefined || (task.artifacts ?? []).length > 0) && (
        <section aria-labelledby="result-h" class="card" data-testid="result">
          <h2 id="result-h">Result</h2>
          {task.reply !== undefined && <Parts parts={task.reply} />}
          {(task.artifacts ?? []).map((a) => (
            <section key={a.id} aria-label={`Result ${a.name ?? a.id}`}>
              {a.name !== undefined && <h3>{a.name}</h3>}
              <Parts parts={a.parts} />
            </section>
          ))}
        </section>
      )}
      {events.length > 0 && (
        <section aria-labelledby="events-h">
          <h2 id="events-h">Events</h2>
          <button type="button" onClick={() => setRaw(!raw)} aria-expanded={raw}>
            {raw ? 'Hide' : 'Show'} raw A2A messages
          </button>
          <ol class="events" data-testid="events" aria-live="polite">
            {events.map((e, i) => (
              <li key={i} class={e.direction}>
                <time>{new Date(e.at).toLocaleTimeString()}</time> {summary(e)}
                {raw && <pre tabIndex={0}>{JSON.stringify(e.body, null, 2)}</pre>}
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  );
}
