import { useState } from 'preact/hooks';
import { TimeChart } from '../chart.js';
import { lineDiff } from '../line-diff.js';
import { apiPost, session } from '../session.js';
import { useSignal } from '../signal.js';
import type { ConsoleAgentDetail as AgentView } from '../../../src/contracts/console/index.js';
import { useData } from '../use-data.js';
import { ErrorAlert, OutcomeNotice, type Outcome } from '../error-alert.js';
import { formatCredits, formatDuration, formatNumber, formatTime, plural } from '../format.js';
import type { JsonSchema } from '../schema-form.js';
import type { AgentConfigVersion } from '../../../src/contracts/registry/index.js';
import { ColumnHeads } from '../column-heads.js';

export function HealthBadge(props: { health: string }) {
  return <span class={`badge health-${props.health}`}>{props.health}</span>;
}

export function AgentsView() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const { data, error, reload } = useData<{ agents: AgentView[]; ranked: boolean }>(`/v1/console/agents${query === '' ? '' : `?q=${encodeURIComponent(query)}`}`, 15_000);
  const platform = useSignal(session)?.info.platform === true;
  return (
    <>
      <h1>Agents</h1>
      {platform && <RegisterByUrl onRegistered={reload} />}
      <form
        role="search"
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
        }}
      >
        <label for="agent-search">Search the registry</label>
        <input id="agent-search" type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} placeholder="score leads similar to my best customers" />
        <button type="submit">Search</button>
      </form>
      <ErrorAlert message={error} />
      {data === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <table data-testid="agents">
          <caption>
            {plural(data.agents.length, 'agent')}{query !== '' && (data.ranked ? `, best match for “${query}” first` : ` matching “${query}”`)}
          </caption>
          <ColumnHeads labels={['Agent', 'Health', 'Skills', 'Instances in rotation', 'Description']} />
          <tbody>
            {data.agents.map((a) => (
              <tr key={a.name} data-agent={a.name}>
                <th scope="row" data-label="Agent">
                  <a href={`#/agents/${encodeURIComponent(a.name)}`}>{a.name}</a>
                </th>
                <td data-label="Health">
                  <HealthBadge health={a.health} />
                </td>
                <td data-label="Skills">{a.skills.map((s) => s.id).join(', ')}</td>
                <td data-label="In rotation">
                  {a.instances.filter((i) => i.inRotation).length} of {a.instances.length}
                </td>
                <td data-label="Description" class="wide">
                  {a.description}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const typeName = (s: JsonSchema): string => {
  const t = Array.isArray(s.type) ? s.type.filter((x) => x !== 'null').join(' or ') : s.type;
  if (s.enum !== undefined) return `one of ${s.enum.map(String).join(', ')}`;
  if (t === 'array' && s.items !== undefined) return `list of ${typeName(s.items)}`;
  if (t === undefined && (s.oneOf ?? s.anyOf) !== undefined) return (s.oneOf ?? s.anyOf)!.map(typeName).join(' or ');
  return t ?? 'any';
};

/** A skill's input schema as people read it: each field with its type, whether it is required, and what it is. */
function SchemaFields(props: { schema: JsonSchema }) {
  const object = props.schema.properties !== undefined ? props.schema : [...(props.schema.oneOf ?? []), ...(props.schema.anyOf ?? []), props.schema.then, props.schema.else].find((b) => b?.properties !== undefined);
  if (object?.properties === undefined) return <p>Input: {typeName(props.schema)}.</p>;
  const required = new Set(object.required ?? []);
  return (
    <table class="fields" data-testid="schema-fields">
      <caption>Input fields{object !== props.schema && ' (or free text)'}</caption>
      <ColumnHeads labels={['Field', 'Type', 'Required', 'Description']} />
      <tbody>
        {Object.entries(object.properties).map(([name, p]) => (
          <tr key={name}>
            <th scope="row" data-label="Field">
              {p.title ?? name}
            </th>
            <td data-label="Type">{typeName(p)}</td>
            <td data-label="Required">{required.has(name) ? 'yes' : 'no'}</td>
            <td data-label="Description">{p.description ?? '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AgentDetailView(props: { name: string }) {
  const { data, error } = useData<AgentView>(`/v1/console/agents/${encodeURIComponent(props.name)}`, 15_000);
  const platform = useSignal(session)?.info.platform === true;
  const [raw, setRaw] = useState(false);
  if (error !== '') return <ErrorAlert message={error} />;
  if (data === undefined) return <p aria-busy="true">Loading…</p>;
  return (
    <>
      <p>
        <a href="#/agents">← Agents</a>
      </p>
      <h1>
        {data.name} <HealthBadge health={data.health} />
      </h1>
      <p>{data.description}</p>
      <dl class="facts">
        <dt>Version</dt>
        <dd>{data.version}</dd>
        <dt>Status</dt>
        <dd>{data.status}</dd>
        {data.department !== undefined && (
          <>
            <dt>Department</dt>
            <dd>{data.department}</dd>
          </>
        )}
        <dt>Card signature</dt>
        <dd>{data.signed ? 'verified' : 'unsigned'}</dd>
        <dt>Tenants</dt>
        <dd>{data.tenants.length === 0 ? 'every tenant' : data.tenants.join(', ')}</dd>
      </dl>
      <h2>Skills</h2>
      {data.skills.map((s) => (
        <section key={s.id} class="card" aria-labelledby={`skill-${s.id}`}>
          <h3 id={`skill-${s.id}`}>
            {s.name} <code>{s.id}</code>
          </h3>
          <p>{s.description}</p>
          {s.pricing !== undefined && <p>Price: {s.pricing.creditsPerCall !== undefined ? `${formatCredits(s.pricing.creditsPerCall)} per call` : `${formatCredits(s.pricing.creditsPerItem ?? 0)} per item of ${s.pricing.itemsPath}`}</p>}
          {s.inputSchema !== undefined ? (
            <>
              <SchemaFields schema={s.inputSchema} />
              <details>
                <summary>Input schema as JSON</summary>
                <pre tabIndex={0}>{JSON.stringify(s.inputSchema, null, 2)}</pre>
              </details>
            </>
          ) : (
            <p>Takes free text.</p>
          )}
          <a class="button" href={`#/try/${encodeURIComponent(data.name)}/${encodeURIComponent(s.id)}`}>
            Try {s.id}
          </a>
        </section>
      ))}
      <h2>Instances</h2>
      <table data-testid="instances">
        <ColumnHeads labels={['Instance', 'Probe', 'Latency', 'In rotation', 'Breaker', 'Requests (in flight)']} />
        <tbody>
          {data.instances.map((i) => (
            <tr key={i.id}>
              <th scope="row" data-label="Instance">
                <span class="id">{i.id}</span>
                <br />
                {i.url !== undefined && <small class="id">{i.url}</small>}
              </th>
              <td data-label="Probe">
                <HealthBadge health={i.probe.state} />
                {i.probe.lastError !== undefined && <small> {i.probe.lastError}</small>}
              </td>
              <td data-label="Latency">{i.probe.latencyMs === undefined ? '–' : formatDuration(i.probe.latencyMs)}</td>
              <td data-label="In rotation">{i.inRotation ? 'yes' : 'no'}</td>
              <td data-label="Breaker">{i.breaker ?? '–'}</td>
              <td data-label="Requests (in flight)">
                {formatNumber(i.requests)} ({formatNumber(i.outstanding)})
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <HealthHistoryChart history={data.healthHistory ?? {}} />
      {platform && <ConfigVersions agent={data.name} />}
      <button type="button" onClick={() => setRaw(!raw)} aria-expanded={raw}>
        {raw ? 'Hide' : 'Show'} the agent card
      </button>
      {raw && <pre tabIndex={0}>{JSON.stringify(data.card, null, 2)}</pre>}
    </>
  );
}

/** Colours with at least 3:1 contrast on white, one per instance. */
const STROKES = ['#1d4ed8', '#047857', '#b45309', '#7e22ce', '#b91c1c', '#0f766e'];

/** Each instance's probe latency over the last hour, and how much of it the instance was in rotation. */
function HealthHistoryChart(props: { history: NonNullable<AgentView['healthHistory']> }) {
  const ids = Object.keys(props.history);
  if (ids.length === 0) return null;
  // One x axis for every instance: the union of the sample times (they are taken together).
  const times = [...new Set(ids.flatMap((id) => props.history[id]!.map((p) => p.at)))].sort((a, b) => a - b);
  const series = ids.map((id, i) => {
    const byAt = new Map(props.history[id]!.map((p) => [p.at, p]));
    return { label: id, stroke: STROKES[i % STROKES.length]!, values: times.map((t) => byAt.get(t)?.latencyMs ?? null) };
  });
  return (
    <section aria-labelledby="health-h">
      <h2 id="health-h">Health over the last hour</h2>
      <ul data-testid="health-history">
        {ids.map((id) => {
          const points = props.history[id]!;
          const inRotation = points.filter((p) => p.inRotation).length;
          const down = points.filter((p) => p.state === 'down').length;
          return (
            <li key={id}>
              <code class="id">{id}</code>: in rotation in {formatNumber(inRotation)} of {plural(points.length, 'reading')}{down > 0 && `, down in ${formatNumber(down)}`}
            </li>
          );
        })}
      </ul>
      <TimeChart title="Probe latency per instance" unit="ms" times={times.map((t) => t / 1000)} series={series} />
    </section>
  );
}

/** Registers an agent by its card's URL (platform admins): the registry fetches and checks the card. */
function RegisterByUrl(props: { onRegistered: () => void }) {
  const [message, setMessage] = useState<Outcome | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    setBusy(true);
    try {
      const record = await apiPost<{ name: string }>('/v1/console/agents', { cardUrl: String(data.get('cardUrl') ?? '').trim(), ...(name !== '' && { name }) });
      setMessage({ ok: true, text: `Registered ${record.name}.` });
      form.reset();
      // The gateway learns of it from the registry's watch stream: read the list again for a few seconds.
      for (let i = 1; i <= 5; i++) setTimeout(props.onRegistered, i * 1000);
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="card">
      <summary>Register an agent by URL</summary>
      <form class="row create" aria-label="Register an agent by URL" onSubmit={submit}>
        <div class="field">
          <label for="card-url">Card URL (or the agent's base URL)</label>
          <input id="card-url" name="cardUrl" type="url" required placeholder="https://agents.example.com/agents/echo" />
        </div>
        <div class="field">
          <label for="card-name">Name (optional: the card's otherwise)</label>
          <input id="card-name" name="name" pattern="[a-z0-9][a-z0-9\-]{0,62}" />
        </div>
        <button type="submit" disabled={busy}>
          Register
        </button>
      </form>
      <OutcomeNotice outcome={message} testId="register-result" />
    </details>
  );
}


/** One of the two versions the config diff compares. */
function VersionPicker(props: { id: string; label: string; versions: ReadonlyArray<{ version: number }>; value: number; onPick: (version: number) => void }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onPick(Number((e.target as HTMLSelectElement).value))}>
        {props.versions.map((v) => (
          <option key={v.version} value={v.version}>
            {v.version}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The agent's config versions (platform admins): a diff of any two, and a rollback to an old one. */
function ConfigVersions(props: { agent: string }) {
  const { data, error, reload } = useData<{ versions: AgentConfigVersion[] }>(`/v1/console/agents/${encodeURIComponent(props.agent)}/configs`);
  const [from, setFrom] = useState<number | undefined>(undefined);
  const [to, setTo] = useState<number | undefined>(undefined);
  const [message, setMessage] = useState<Outcome | undefined>(undefined);
  const versions = data?.versions ?? [];
  const newest = versions[0]?.version;
  const right = versions.find((v) => v.version === (to ?? newest));
  const left = versions.find((v) => v.version === (from ?? versions[1]?.version));
  const rollback = async (version: number) => {
    try {
      const made = await apiPost<AgentConfigVersion>(`/v1/console/agents/${encodeURIComponent(props.agent)}/configs/rollback`, { version });
      setMessage({ ok: true, text: `Rolled back: version ${made.version} has the content of version ${version}.` });
      setFrom(undefined);
      setTo(undefined);
      reload();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  };
  return (
    <section aria-labelledby="configs-h">
      <h2 id="configs-h">Config versions</h2>
      <ErrorAlert message={error} />
      {data !== undefined && versions.length === 0 && <p>No config was put for this agent.</p>}
      <OutcomeNotice outcome={message} testId="config-result" />
      {versions.length > 0 && (
        <table data-testid="configs">
          <ColumnHeads labels={['Version', 'Created', 'Comment', 'Actions']} />
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} data-version={v.version}>
                <th scope="row" data-label="Version">
                  {v.version}
                  {v.active && <span class="badge health-healthy"> active</span>}
                </th>
                <td data-label="Created">
                  {formatTime(v.createdAt)}
                  {v.createdBy !== undefined && <small> by {v.createdBy}</small>}
                </td>
                <td data-label="Comment">{v.comment ?? '–'}</td>
                <td data-label="Actions">
                  {!v.active && (
                    <button type="button" aria-label={`Roll back to version ${v.version}`} onClick={() => void rollback(v.version)}>
                      Roll back
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {left !== undefined && right !== undefined && (
        <>
          <div class="row">
            <VersionPicker id="diff-from" label="Compare version" versions={versions} value={left.version} onPick={setFrom} />
            <VersionPicker id="diff-to" label="with version" versions={versions} value={right.version} onPick={setTo} />
          </div>
          <pre class="diff" tabIndex={0} data-testid="config-diff" aria-label={`Changes from version ${left.version} to version ${right.version}`}>
            {lineDiff(JSON.stringify(left.config, null, 2), JSON.stringify(right.config, null, 2)).map((l, i) => (
              <span key={i} class={`diff-${l.kind}`}>
                {l.kind === 'added' ? '+ ' : l.kind === 'removed' ? '- ' : '  '}
                {l.text}
              </span>
            ))}
          </pre>
        </>
      )}
    </section>
  );
}
