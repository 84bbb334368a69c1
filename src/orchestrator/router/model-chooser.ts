import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';

/** What the model said, for the explanation and the trace. */
export interface ModelVerdict {
  /** The candidate it chose, when it chose one of those offered. */
  choice: string | undefined;
  /** The prompt sent (the system and user messages, joined). */
  prompt: string;
  latencyMs: number;
  /** Why no choice came back: the HTTP status, a timeout, an answer naming no candidate. */
  error?: string;
}

/** Options of {@link ModelChooser}. */
export interface ModelChooserOptions {
  /** Base URL of an OpenAI-compatible API (`POST {url}/chat/completions`), e.g. `http://localhost:11434/v1`. */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string | undefined;
  /** Time the model may take; the lexical ranking decides after it (2 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** A candidate offered to the model: its id and one line on what it does. */
export interface ModelCandidate {
  id: string;
  why: string;
}

/** Candidates offered at most: the head of the lexical ranking, never the registry. */
const MAX_OFFERED = 3;
/** A request longer than this is cut in the prompt. */
const MAX_REQUEST = 1_000;
/** An answer longer than this is not read. */
const MAX_ANSWER = 2_000;

const SYSTEM = 'You route a user request to exactly one of the listed candidates. Answer with the candidate id only, or "none" if none of them fits.';

/**
 * Optional model routing (docs/orchestrator.md#routing): asks an OpenAI-compatible chat
 * endpoint to choose among the router's top candidates. Never the whole
 * registry, never by default (configured by the operator), and never
 * trusted beyond that list: an answer naming no offered candidate, an error
 * or a timeout leaves the lexical decision standing. The verdict carries
 * the prompt, the choice and the latency for the explanation.
 *
 * @example
 * const chooser = new ModelChooser({ url: 'http://localhost:11434/v1', model: 'llama3.2' });
 * const verdict = await chooser.choose('price out this order', [{ id: 'finance', why: 'Calculates costs' }, { id: 'sales', why: 'Drafts proposals' }]);
 */
export class ModelChooser {
  readonly #url: string;
  readonly #model: string;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(options: ModelChooserOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw configError(`routerModel.url must be an http(s) URL; got ${JSON.stringify(options.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw configError(`routerModel.url must be an http(s) URL; got ${options.url}`);
    if (typeof options.model !== 'string' || options.model === '') throw configError('routerModel.model must name the model');
    this.#url = `${options.url.replace(/\/+$/, '')}/chat/completions`;
    this.#model = options.model;
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    if (!Number.isFinite(this.#timeoutMs) || this.#timeoutMs <= 0) throw configError(`routerModel.timeoutMs must be a positive number of milliseconds; got ${this.#timeoutMs}`);
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  /** Asks the model to choose among `candidates` (the first three); never throws. */
  async choose(text: string, candidates: readonly ModelCandidate[], signal?: AbortSignal): Promise<ModelVerdict> {
    const offered = candidates.slice(0, MAX_OFFERED);
    const request = text.length > MAX_REQUEST ? `${text.slice(0, MAX_REQUEST)}…` : text;
    const user = `Request: ${JSON.stringify(request)}\nCandidates:\n${offered.map((c) => `- ${c.id}: ${c.why}`).join('\n')}\nAnswer with one id from the list, or none.`;
    const prompt = `${SYSTEM}\n\n${user}`;
    const started = this.#now();
    const latency = (): number => this.#now() - started;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    try {
      const response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.#apiKey !== undefined && { authorization: `Bearer ${this.#apiKey}` }) },
        body: JSON.stringify({ model: this.#model, temperature: 0, max_tokens: 20, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: user }] }),
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        return { choice: undefined, prompt, latencyMs: latency(), error: `the model endpoint answered HTTP ${response.status}` };
      }
      const body = (await response.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
      const content = body?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') return { choice: undefined, prompt, latencyMs: latency(), error: 'the model answered no text' };
      const choice = pick(content.slice(0, MAX_ANSWER), offered);
      return choice === undefined ? { choice, prompt, latencyMs: latency(), error: `the model's answer names no candidate: ${JSON.stringify(content.slice(0, 80))}` } : { choice, prompt, latencyMs: latency() };
    } catch (err) {
      const timedOut = timeout.aborted;
      return { choice: undefined, prompt, latencyMs: latency(), error: timedOut ? `the model did not answer within ${this.#timeoutMs} ms` : `the model endpoint could not be reached: ${(err as Error).message}` };
    }
  }
}

/** The one offered id the answer names (a longer id wins over one it contains). */
function pick(answer: string, offered: readonly ModelCandidate[]): string | undefined {
  const text = answer.trim().toLowerCase().replace(/^["'`]+|["'`.]+$/g, '');
  const exact = offered.find((c) => c.id.toLowerCase() === text);
  if (exact !== undefined) return exact.id;
  const named = offered.filter((c) => text.includes(c.id.toLowerCase())).sort((a, b) => b.id.length - a.id.length);
  if (named.length === 0) return undefined;
  // Two ids named, neither inside the other: no clear choice.
  const [first, ...rest] = named;
  return rest.every((c) => first!.id.toLowerCase().includes(c.id.toLowerCase())) ? first!.id : undefined;
}

function configError(message: string): AgentmeshError {
  return new AgentmeshError(ErrorCodes.CONFIG_INVALID, message, { expose: true });
}
