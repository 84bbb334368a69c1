/**
 * A reference ACP server written in the tests from the ACP document
 * (schemas/acp/openapi.yaml), independent of src/acp: plain node:http. It
 * serves agent discovery (`GET /agents` with `limit`/`offset`,
 * `GET /agents/{name}`), `GET /ping`, and runs (`POST /runs` in `sync`,
 * `async` and `stream` modes, `GET /runs/{id}`, resume, cancel, events) for
 * the agents a test gives a behaviour (`behaviours`):
 *
 * - `echo`: completes at once with the input's parts, as `agent/{name}`;
 * - `interview`: awaits a name (`await_request` a message), then completes
 *   with `Hello, {name}` when resumed;
 * - `hold`: stays `in-progress` until the test calls `release(runId)`
 *   (completes, echoing) or a client cancels it.
 *
 * Every request it receives is checked against the document
 * (acp-conformance.ts) and recorded; every answer it gives is checked too,
 * except the manifests a test declares `nonConforming` on purpose.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { checkRequest, checkResponse, checkSchema } from './acp-conformance.js';

export interface AcpReferenceServerOptions {
  /** The manifests served, in list order (AgentManifest objects). */
  manifests: Array<Record<string, any>>;
  /** Names whose manifests break the schema on purpose: their answers are not checked. */
  nonConforming?: string[];
  /** What `GET /agents/{name}` answers instead of the listed manifest (a server whose two views disagree). */
  details?: Record<string, Record<string, any>>;
  /** How each agent runs (agents without one are listed but answer runs with `not_found`). */
  behaviours?: Record<string, 'echo' | 'interview' | 'hold'>;
  /** A server without stream mode: a `stream` run is answered as a `sync` one (the run itself, as JSON). */
  syncOnly?: boolean;
  /** No stream mode either way: a `stream` run is answered as `async` (202 and the run, still going). */
  asyncOnly?: boolean;
}

/** A run as the reference server keeps it. */
interface RefRun {
  run: Record<string, any>;
  behaviour: 'echo' | 'interview' | 'hold';
  events: Array<Record<string, any>>;
  /** Stream listeners waiting for the run's next events. */
  listeners: Set<(event: Record<string, any>) => void>;
  input: Array<Record<string, any>>;
}

export interface AcpReferenceServer {
  /** The base URL (`http://127.0.0.1:<port>/acp`). */
  url: string;
  /** Every request received, as `METHOD /path?query` (relative to the base). */
  requests: string[];
  /** Requests checked against the document, answers included. */
  checked: number;
  /** The status `GET /ping` answers (200 by default; anything else is a failing agent). */
  pingStatus: number;
  /** The `Authorization` header of every run request (`''` when none). */
  authorizations: string[];
  /** The `traceparent` header of every run request that carried one. */
  traceparents: string[];
  /** The runs, by id (the wire objects as last served). */
  runs: Map<string, Record<string, any>>;
  /** Completes a `hold` run (its output echoes its input). */
  release(runId: string): void;
  /** Resolves when a run of `agent` exists (a `hold` run the test waits on). */
  runOf(agent: string): Promise<string>;
  close(): Promise<void>;
}

const BASE = '/acp';

export async function startAcpReferenceServer(options: AcpReferenceServerOptions): Promise<AcpReferenceServer> {
  const nonConforming = new Set(options.nonConforming ?? []);
  const state = { requests: [] as string[], checked: 0, pingStatus: 200, authorizations: [] as string[], traceparents: [] as string[] };
  const behaviours = new Map(Object.entries(options.behaviours ?? {}));
  const runs = new Map<string, RefRun>();
  const runWaiters: Array<{ agent: string; resolve: (id: string) => void }> = [];

  function readBody(req: IncomingMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve(text === '' ? undefined : JSON.parse(text));
        } catch (err) {
          reject(err);
        }
      });
      req.on('error', reject);
    });
  }

  /** Records an event of the run (checked against `Event`) and hands it to the streams following the run. */
  function emit(r: RefRun, event: Record<string, any>): void {
    checkSchema('Event', event);
    state.checked++;
    r.events.push(event);
    for (const l of r.listeners) l(event);
  }

  function setStatus(r: RefRun, status: string, extra: Record<string, any> = {}): void {
    r.run = { ...r.run, status, ...extra };
    if (status === 'completed' || status === 'failed' || status === 'cancelled') r.run.finished_at = new Date().toISOString();
    if (status !== 'awaiting') delete r.run.await_request;
    emit(r, { type: `run.${status}`, run: r.run });
  }

  function complete(r: RefRun, parts: Array<Record<string, any>>): void {
    const message = { role: `agent/${r.run.agent_name}`, parts };
    emit(r, { type: 'message.created', message: { role: message.role, parts: [parts[0]] } });
    for (const part of parts) emit(r, { type: 'message.part', part });
    emit(r, { type: 'message.completed', message });
    setStatus(r, 'completed', { output: [message] });
  }

  /** What a behaviour does with a run's input (a new run) or an await_resume (a resumed one). */
  function advance(r: RefRun, resume?: Record<string, any>): void {
    if (resume === undefined) setStatus(r, 'in-progress');
    else setStatus(r, 'in-progress');
    if (r.behaviour === 'echo') complete(r, r.input.flatMap((m) => m.parts));
    else if (r.behaviour === 'interview') {
      if (resume === undefined) {
        setStatus(r, 'awaiting', { await_request: { type: 'message', message: { role: `agent/${r.run.agent_name}`, parts: [{ content_type: 'text/plain', content: 'What is your name?' }] } } });
      } else {
        const name = (resume.message?.parts ?? []).map((p: any) => p.content ?? '').join('');
        complete(r, [{ content_type: 'text/plain', content: `Hello, ${name}` }]);
      }
    }
    // hold: stays in progress until released or cancelled.
  }

  /** Answers a run in its mode: the run now (sync, after it ends or awaits — all behaviours but hold are immediate), 202 (async), or SSE (stream). */
  function answerRun(res: ServerResponse, method: string, path: string, r: RefRun, asked: string, from: number, act: () => void): void {
    const mode = asked !== 'stream' ? asked : options.syncOnly === true ? 'sync' : options.asyncOnly === true ? 'async' : asked;
    if (mode === 'stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const write = (event: Record<string, any>) => {
        checkResponse(method, path, 200, 'text/event-stream', event);
        state.checked++;
        res.write(`data: ${JSON.stringify(event)}\n\n`);
        if (['run.completed', 'run.failed', 'run.cancelled', 'run.awaiting'].includes(event['type'])) {
          r.listeners.delete(write);
          res.end();
        }
      };
      r.listeners.add(write);
      res.once('close', () => r.listeners.delete(write));
      for (const e of r.events.slice(from)) write(e);
      act();
      return;
    }
    act();
    if (mode === 'async') {
      send(res, method, path, 202, r.run);
      return;
    }
    const settled = () => ['completed', 'failed', 'cancelled', 'awaiting'].includes(r.run.status);
    if (settled()) {
      send(res, method, path, 200, r.run);
      return;
    }
    const wait = () => {
      if (!settled()) return;
      r.listeners.delete(wait);
      send(res, method, path, 200, r.run);
    };
    r.listeners.add(wait);
  }

  async function handleRuns(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<boolean> {
    state.authorizations.push(req.headers.authorization ?? '');
    if (typeof req.headers.traceparent === 'string') state.traceparents.push(req.headers.traceparent);
    if (method === 'POST' && path === '/runs') {
      const body = (await readBody(req)) as Record<string, any>;
      checkRequest(method, path, body);
      state.checked++;
      const behaviour = behaviours.get(body['agent_name']);
      if (behaviour === undefined) {
        send(res, method, path, 404, { code: 'not_found', message: `no agent named ${body['agent_name']}` });
        return true;
      }
      const run: Record<string, any> = { agent_name: body['agent_name'], run_id: randomUUID(), status: 'created', output: [], created_at: new Date().toISOString() };
      const session = body['session_id'] ?? body['session']?.id;
      if (session !== undefined) run['session_id'] = session;
      const r: RefRun = { run, behaviour, events: [], listeners: new Set(), input: body['input'] };
      runs.set(run['run_id'], r);
      emit(r, { type: 'run.created', run });
      for (const w of runWaiters.splice(0)) {
        if (w.agent === body['agent_name']) w.resolve(run['run_id']);
        else runWaiters.push(w);
      }
      answerRun(res, method, path, r, body['mode'] ?? 'sync', 0, () => advance(r));
      return true;
    }
    const m = /^\/runs\/([^/]+)(\/cancel|\/events)?$/.exec(path);
    if (!m) return false;
    const r = runs.get(decodeURIComponent(m[1]!));
    const body = method === 'POST' && m[2] === undefined ? ((await readBody(req)) as Record<string, any>) : undefined;
    checkRequest(method, path, body);
    state.checked++;
    if (r === undefined) {
      send(res, method, path, 404, { code: 'not_found', message: 'no such run' });
      return true;
    }
    if (method === 'GET' && m[2] === undefined) send(res, method, path, 200, r.run);
    else if (method === 'GET' && m[2] === '/events') send(res, method, path, 200, { events: r.events });
    else if (method === 'POST' && m[2] === '/cancel') {
      if (['completed', 'failed', 'cancelled'].includes(r.run.status)) {
        send(res, method, path, 400, { code: 'invalid_input', message: `run is ${r.run.status}` });
        return true;
      }
      setStatus(r, 'cancelled');
      send(res, method, path, 202, r.run);
    } else if (method === 'POST' && m[2] === undefined) {
      if (r.run.status !== 'awaiting') {
        send(res, method, path, 400, { code: 'invalid_input', message: `run is ${r.run.status}, not awaiting` });
        return true;
      }
      answerRun(res, method, path, r, body!['mode'], r.events.length, () => advance(r, body!['await_resume']));
    } else return false;
    return true;
  }

  function send(res: ServerResponse, method: string, path: string, status: number, body: unknown, check = true): void {
    if (check) {
      checkResponse(method, path, status, 'application/json', body);
      state.checked++;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://reference.invalid');
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith(`${BASE}/`)) {
      res.writeHead(404).end();
      return;
    }
    const path = url.pathname.slice(BASE.length);
    state.requests.push(`${method} ${path}${url.search}`);
    // Discovery and ping take no body: a body, or a method the document lacks, fails here.
    checkRequest(method, path, undefined);
    state.checked++;
    if (method === 'GET' && path === '/ping') {
      if (state.pingStatus === 200) send(res, method, path, 200, {});
      else send(res, method, path, state.pingStatus, { code: 'server_error', message: 'the reference agent is failing on purpose' });
      return;
    }
    if (method === 'GET' && path === '/agents') {
      // The document's defaults and bounds: limit 1..1000 (default 10), offset >= 0 (default 0).
      const limit = Number(url.searchParams.get('limit') ?? 10);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(offset) || offset < 0) {
        send(res, method, path, 400, { code: 'invalid_input', message: 'limit must be 1-1000 and offset >= 0' });
        return;
      }
      const page = options.manifests.slice(offset, offset + limit);
      send(res, method, path, 200, { agents: page }, !page.some((m) => nonConforming.has(m['name'])));
      return;
    }
    const named = /^\/agents\/([^/]+)$/.exec(path);
    if (method === 'GET' && named) {
      const name = decodeURIComponent(named[1]!);
      const listed = options.manifests.find((m) => m['name'] === name);
      const manifest = listed !== undefined && options.details !== undefined && Object.hasOwn(options.details, name) ? options.details[name] : listed;
      if (manifest === undefined) send(res, method, path, 404, { code: 'not_found', message: `no agent named ${name}` });
      else send(res, method, path, 200, manifest, !nonConforming.has(name));
      return;
    }
    send(res, method, path, 404, { code: 'not_found', message: `${method} ${path} is not served by the reference agent` });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://reference.invalid');
    const path = url.pathname.slice(BASE.length);
    if (url.pathname.startsWith(`${BASE}/runs`)) {
      state.requests.push(`${req.method} ${path}`);
      handleRuns(req, res, req.method ?? 'GET', path)
        .then((served) => {
          if (!served) send(res, req.method ?? 'GET', '/runs', 404, { code: 'not_found', message: 'not served' });
        })
        .catch((err: Error) => {
          state.requests.push(`NONCONFORMING ${err.message}`);
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message);
          else res.end();
        });
      return;
    }
    try {
      handle(req, res);
    } catch (err) {
      // A conformance failure: answer 500 so the caller fails, and keep the reason for the test's log.
      state.requests.push(`NONCONFORMING ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end((err as Error).message);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${BASE}`,
    get requests() {
      return state.requests;
    },
    get checked() {
      return state.checked;
    },
    get pingStatus() {
      return state.pingStatus;
    },
    set pingStatus(status: number) {
      state.pingStatus = status;
    },
    authorizations: state.authorizations,
    traceparents: state.traceparents,
    get runs() {
      return new Map([...runs].map(([id, r]) => [id, r.run]));
    },
    release(runId: string) {
      const r = runs.get(runId);
      if (r === undefined || r.run.status !== 'in-progress') throw new Error(`run ${runId} is not held`);
      complete(r, r.input.flatMap((m) => m.parts));
    },
    runOf(agent: string) {
      const existing = [...runs.values()].find((r) => r.run.agent_name === agent && r.run.status === 'in-progress');
      if (existing) return Promise.resolve(existing.run.run_id as string);
      return new Promise<string>((resolve) => runWaiters.push({ agent, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
