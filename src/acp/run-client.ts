import { setTimeout as sleep } from 'node:timers/promises';
import { parseSseStream } from '@a2a-js/sdk';
import { Errors, isAgentmeshError, isRecord, type AgentmeshError, errorMessage } from '../protocol/index.js';
import type { AcpSchemaTypes } from './spec-validator.js';
import type { AcpEvent, AcpRun, AcpRunCreateRequest, AcpRunResumeRequest } from './wire-types.js';

/** What {@link AcpRunClient} needs. */
export interface AcpRunClientOptions {
  /** The ACP server's base URL (where `/runs` is), without a trailing slash. */
  baseUrl: string;
  /** The agent's name in the mesh (for error messages). */
  agent: string;
  /** Sent with every request: the gateway's tenant assertion, the request id. */
  headers: Record<string, string>;
  /** Aborts the request (the client went away). */
  signal?: AbortSignal | undefined;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /**
   * Largest answer (a run, or one SSE event) read, in bytes (default 16 MiB);
   * the gateway passes its body limit. Read in chunks and refused once past
   * it, without reading the rest: `AM_ERR_HTTP_UPSTREAM_TOO_LARGE`.
   */
  maxBodyBytes?: number | undefined;
}

/** Largest answer (or SSE event) read from an ACP agent by default: a run carries its whole output. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The calls the gateway's bridge makes to an external ACP agent (ACP 0.2.0:
 * `POST /runs`, `GET /runs/{id}`, `POST /runs/{id}`, `POST /runs/{id}/cancel`),
 * each answer read as the document describes it. A refusal comes back as an
 * AgentmeshError of the catalog: `not_found` is the task's not-found,
 * `invalid_input` invalid params, anything else (or no answer) the upstream's
 * failure (502).
 */
export class AcpRunClient {
  readonly #o: AcpRunClientOptions;

  constructor(options: AcpRunClientOptions) {
    this.#o = options;
  }

  /** `POST /runs` in `sync` or `async` mode: the run (as it ended, awaits, or was created). */
  async createRun(body: AcpRunCreateRequest): Promise<AcpRun> {
    return this.#json('POST', '/runs', body, { agent: body.agent_name });
  }

  /** `POST /runs/{run_id}` in `sync` or `async` mode. */
  async resumeRun(body: AcpRunResumeRequest): Promise<AcpRun> {
    return this.#json('POST', `/runs/${encodeURIComponent(body.run_id)}`, body, { run: body.run_id });
  }

  /** `GET /runs/{run_id}`. */
  async getRun(runId: string): Promise<AcpRun> {
    return this.#json('GET', `/runs/${encodeURIComponent(runId)}`, undefined, { run: runId });
  }

  /** `POST /runs/{run_id}/cancel`: the run, `cancelling` or `cancelled`. */
  async cancelRun(runId: string): Promise<AcpRun> {
    return this.#json('POST', `/runs/${encodeURIComponent(runId)}/cancel`, undefined, { run: runId });
  }

  /** `POST /runs` (or `/runs/{run_id}` to resume) in `stream` mode: the run's events as they come. */
  async streamRun(body: AcpRunCreateRequest | AcpRunResumeRequest): Promise<AsyncGenerator<AcpEvent>> {
    const resuming = 'run_id' in body;
    const path = resuming ? `/runs/${encodeURIComponent(body.run_id)}` : '/runs';
    const stop = new AbortController();
    const res = await this.#send('POST', path, body, stop.signal);
    const type = res.headers.get('content-type') ?? '';
    // An ACP server without stream mode answers the run itself (as for `sync`): its events are the run's own.
    if ((res.status === 200 || res.status === 202) && type.startsWith('application/json')) return eventsOfRun(await this.#runOf(res), (id) => this.getRun(id));
    if (res.status !== 200 || !type.startsWith('text/event-stream')) {
      throw await this.#refusal(res, resuming ? { run: body.run_id } : { agent: body.agent_name });
    }
    return this.#events(res, stop);
  }

  get #limit(): number {
    return this.#o.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  /**
   * An SSE body as ACP events (each `data:` one `Event` object, checked
   * against the document). However the reading ends (the run's last event,
   * an event past the limit, a refusal), the request is let go of: an ACP
   * server that keeps the stream open after its run ended holds nothing.
   */
  async *#events(res: Response, stop: AbortController): AsyncGenerator<AcpEvent> {
    const events = parseSseStream(res, this.#limit);
    try {
      for (;;) {
        let next: IteratorResult<{ data: string }>;
        try {
          next = await events.next();
        } catch (err) {
          // The SDK's parser refuses an event past the limit with a plain Error; the rest is not read.
          if (/larger than|exceed/i.test(errorMessage(err))) throw Errors.acpBridgeTooLarge({ agent: this.#o.agent, maxBytes: this.#limit }, { cause: err });
          throw Errors.agentDidNotAnswer({ agent: this.#o.agent, why: errorMessage(err) }, { cause: err });
        }
        if (next.done) return;
        const e = next.value;
        if (e.data === '') continue;
        let event: unknown;
        try {
          event = JSON.parse(e.data);
        } catch (err) {
          throw Errors.acpBridgeAnswer({ agent: this.#o.agent, status: 200, why: 'an event that is not JSON' }, { cause: err });
        }
        yield await this.#checked('Event', event, 200);
      }
    } finally {
      stop.abort();
    }
  }

  async #json(method: string, path: string, body: unknown, subject: RefusalSubject): Promise<AcpRun> {
    const res = await this.#send(method, path, body);
    if (res.status !== 200 && res.status !== 202) throw await this.#refusal(res, subject);
    return this.#runOf(res);
  }

  /** A `Run` answer, read within the limit and checked against the document. */
  async #runOf(res: Response): Promise<AcpRun> {
    let run: unknown;
    try {
      run = JSON.parse(await boundedText(res, this.#limit));
    } catch (err) {
      if (err instanceof RangeError) throw Errors.acpBridgeTooLarge({ agent: this.#o.agent, maxBytes: this.#limit }, { cause: err });
      throw Errors.acpBridgeAnswer({ agent: this.#o.agent, status: res.status, why: 'a body that is not JSON' }, { cause: err });
    }
    return this.#checked('Run', run, res.status);
  }

  /** `value` as the document's `schema` describes it: an answer the document does not describe is the agent's failure, never a crash of the translation. */
  async #checked<K extends 'Run' | 'Event'>(schema: K, value: unknown, status: number): Promise<AcpSchemaTypes[K]> {
    const { acpSpecValidator } = await import('./spec-validator.js');
    const validator = acpSpecValidator();
    if (validator.conforms(schema, value)) return value;
    const first = validator.check(schema, value)[0];
    throw Errors.acpBridgeAnswer({ agent: this.#o.agent, status, why: `a ${schema} the ACP document does not describe (${first?.path ?? '/'} ${first?.message ?? 'is invalid'})` });
  }

  /** `stop` aborts this one request (a stream read past the limit), beside the client's signal. */
  async #send(method: string, path: string, body: unknown, stop?: AbortSignal): Promise<Response> {
    const signal = stop === undefined ? this.#o.signal : this.#o.signal === undefined ? stop : AbortSignal.any([this.#o.signal, stop]);
    const headers: Record<string, string> = { ...this.#o.headers, accept: 'application/json, text/event-stream' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      // redirect 'manual': the ACP server's address was checked by the SSRF guard when it was registered, and a
      // redirect would lead the gateway (with its assertion) anywhere, inside networks included. One is a refusal.
      const res = await (this.#o.fetch ?? fetch)(`${this.#o.baseUrl}${path}`, { method, headers, redirect: 'manual', ...(body !== undefined && { body: JSON.stringify(body) }), ...(signal && { signal }) });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel().catch(() => undefined);
        throw Errors.acpBridgeAnswer({ agent: this.#o.agent, status: res.status, why: 'a redirect, which the bridge does not follow' });
      }
      return res;
    } catch (err) {
      if (isAgentmeshError(err)) throw err;
      throw Errors.agentDidNotAnswer({ agent: this.#o.agent, why: errorMessage(err) }, { cause: err });
    }
  }

  /**
   * An ACP `Error` answer as the catalog's error. `not_found` names what the
   * request named: a run is the task's not-found; for a new run it is the
   * agent (`agent_name`) the ACP server does not know, which is no task of
   * the caller's: the upstream's failure, with the server's words.
   */
  async #refusal(res: Response, subject: RefusalSubject): Promise<AgentmeshError> {
    const text = await boundedText(res, 64 * 1024).catch(() => '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    // Any server's words, not only a conforming `Error`: its message and code when they are strings.
    const message = isRecord(parsed) ? parsed['message'] : undefined;
    const code = isRecord(parsed) ? parsed['code'] : undefined;
    const error = { message: typeof message === 'string' ? message : undefined, code: typeof code === 'string' ? code : undefined };
    const why = error.message !== undefined ? error.message.slice(0, 500) : `HTTP ${res.status}`;
    if ((res.status === 404 || error.code === 'not_found') && subject.run !== undefined) return Errors.taskNotFound({ taskId: subject.run });
    if (res.status < 500 && (error.code === 'invalid_input' || (error.code !== 'not_found' && (res.status === 400 || res.status === 422)))) return Errors.acpBridgeRefused({ agent: this.#o.agent, why });
    return Errors.acpBridgeAnswer({ agent: this.#o.agent, status: res.status, why });
  }
}

/** What a request named, for reading its refusal. */
type RefusalSubject = { run: string; agent?: undefined } | { agent: string; run?: undefined };

/** Waits between reads of a run answered whole while it still runs: quick at first, then once a second. */
const RUN_READ_DELAYS_MS = [100, 250, 500, 1000];

/**
 * A run answered whole as the events a stream of it would have carried:
 * `run.created`, then its status's event (the translation takes a finished
 * run's output from the run, as for a stream without `message.completed`).
 * A run that is still going (a server without stream mode may answer `202`
 * at once) is read again until it ends or awaits, as a stream would have
 * told; a consumer that stops iterating stops the reads.
 */
async function* eventsOfRun(run: AcpRun, read: (runId: string) => Promise<AcpRun>): AsyncGenerator<AcpEvent> {
  yield { type: 'run.created', run: { ...run, status: 'created' } };
  let last = run;
  for (let attempt = 0; isGoing(last); attempt++) {
    if (last.status !== 'created') yield { type: 'run.in-progress', run: last };
    await sleep(RUN_READ_DELAYS_MS[Math.min(attempt, RUN_READ_DELAYS_MS.length - 1)]);
    last = await read(last.run_id);
  }
  yield { type: `run.${last.status}` as 'run.completed', run: last };
}

function isGoing(run: AcpRun): boolean {
  return run.status === 'created' || run.status === 'in-progress' || run.status === 'cancelling';
}

/** The body as text, refused past `limit` bytes (an agent's answer is read whole only for sync runs). */
async function boundedText(res: Response, limit: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new RangeError(`a body of ${declared} bytes (at most ${limit} are read)`);
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > limit) {
      await res.body.cancel().catch(() => undefined);
      throw new RangeError(`a body of more than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
