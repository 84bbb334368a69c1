import { createHash, randomUUID } from 'node:crypto';

/** The credential's fields (see AgentmeshApi). */
export interface GatewayCredentials {
  gatewayUrl: string;
  authentication: 'apiKey' | 'clientCredentials';
  apiKey?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
}

/** An A2A part in v1 JSON: what a message carries. */
export type PartJson = { text: string } | { data: unknown };

/** An A2A task in v1 JSON, as far as these nodes read it. */
export interface TaskJson {
  id: string;
  contextId: string;
  status: { state: string; message?: { parts?: Array<{ text?: string; data?: unknown }> }; timestamp?: string };
  artifacts?: Array<{ artifactId: string; name?: string; parts?: Array<{ text?: string; data?: unknown }> }>;
  metadata?: Record<string, unknown>;
}

/** One agent the gateway lets this credential see (`GET /v1/console/agents`). */
export interface AgentView {
  name: string;
  description: string;
  skills: Array<{ id: string; name: string; description: string; inputSchema?: unknown }>;
}

/** An error the gateway answered, with its words (google.rpc.Status `message`) and code. */
export class GatewayError extends Error {
  readonly status: number;
  readonly reason: string | undefined;

  constructor(status: number, message: string, reason?: string) {
    super(message);
    this.name = 'GatewayError';
    this.status = status;
    this.reason = reason;
  }
}

/** Every A2A call these nodes make speaks A2A 1.0 (the gateway serves 0.3 too, under other shapes). */
const A2A_VERSION = '1.0';
/** Renew a token this long before it expires. */
const TOKEN_MARGIN_MS = 30_000;
/** Tokens by gateway, client and scope, for the life of the n8n process: one token serves every execution until it nears its end. */
const tokens = new Map<string, { token: string; expiresAt: number }>();

/**
 * The gateway, as one credential reaches it: JSON calls and SSE streams,
 * authenticated with the credential's API key or a client-credentials token.
 */
export class Gateway {
  readonly #c: GatewayCredentials;
  readonly #base: string;

  constructor(credentials: GatewayCredentials) {
    this.#c = credentials;
    this.#base = credentials.gatewayUrl.replace(/\/+$/, '');
  }

  /** The agents this credential may see, with their skills and input schemas. */
  async agents(): Promise<AgentView[]> {
    const answer = await this.json<{ agents?: AgentView[] }>('GET', '/v1/console/agents');
    return answer.agents ?? [];
  }

  /** SendMessage, blocking: the task once it ended or waits for input (or the agent's direct message). */
  async send(agent: string, parts: PartJson[], options: { skill?: string; contextId?: string; returnImmediately?: boolean }): Promise<{ task?: TaskJson; message?: unknown }> {
    return this.json('POST', `/agents/${encodeURIComponent(agent)}/message:send`, messageRequest(parts, options));
  }

  /** SendStreamingMessage: each StreamResponse to `onEvent`, until the stream ends. */
  async stream(agent: string, parts: PartJson[], options: { skill?: string; contextId?: string }, onEvent: (event: Record<string, unknown>) => void): Promise<void> {
    const res = await fetch(`${this.#base}/agents/${encodeURIComponent(agent)}/message:stream`, {
      method: 'POST',
      headers: { ...(await this.#auth()), 'content-type': 'application/json', accept: 'text/event-stream', 'a2a-version': A2A_VERSION },
      body: JSON.stringify(messageRequest(parts, options)),
    });
    if (!res.ok || res.body === null) throw await errorOf(res);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffered.indexOf('\n\n')) !== -1) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
          .join('\n');
        if (data !== '') onEvent(JSON.parse(data) as Record<string, unknown>);
      }
    }
  }

  /** ListTasks of one agent in the credential's tenant: tasks in `state` whose status changed after `after`, artifacts included. */
  async tasks(agent: string, query: { state: string; after?: string; pageSize: number; pageToken?: string }): Promise<{ tasks: TaskJson[]; nextPageToken?: string }> {
    const params = new URLSearchParams({ status: query.state, pageSize: String(query.pageSize), includeArtifacts: 'true', historyLength: '0' });
    if (query.after !== undefined) params.set('statusTimestampAfter', query.after);
    if (query.pageToken !== undefined && query.pageToken !== '') params.set('pageToken', query.pageToken);
    return this.json('GET', `/agents/${encodeURIComponent(agent)}/tasks?${params.toString()}`);
  }

  /** GetTask. */
  async task(agent: string, id: string): Promise<TaskJson> {
    return this.json('GET', `/agents/${encodeURIComponent(agent)}/tasks/${encodeURIComponent(id)}`);
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.#base}${path}`, {
      method,
      headers: { ...(await this.#auth()), 'a2a-version': A2A_VERSION, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }

  async #auth(): Promise<Record<string, string>> {
    const c = this.#c;
    if (c.authentication === 'apiKey') {
      if (!c.apiKey) throw new GatewayError(401, 'The agentmesh credential has no API key');
      return { 'x-api-key': c.apiKey };
    }
    if (!c.clientId || !c.clientSecret) throw new GatewayError(401, 'The agentmesh credential has no client id and secret');
    const key = [this.#base, c.clientId, createHash('sha256').update(c.clientSecret).digest('hex'), c.scope ?? ''].join('\n');
    const cached = tokens.get(key);
    if (cached !== undefined && cached.expiresAt - TOKEN_MARGIN_MS > Date.now()) return { authorization: `Bearer ${cached.token}` };
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (c.scope) form.set('scope', c.scope);
    const res = await fetch(`${this.#base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}` },
      body: form.toString(),
    });
    const answer = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || typeof answer.access_token !== 'string') throw new GatewayError(res.status, `The gateway refused the client credentials: ${answer.error_description ?? answer.error ?? `HTTP ${res.status}`}`, answer.error);
    tokens.set(key, { token: answer.access_token, expiresAt: Date.now() + (answer.expires_in ?? 300) * 1000 });
    return { authorization: `Bearer ${answer.access_token}` };
  }
}

function messageRequest(parts: PartJson[], options: { skill?: string; contextId?: string; returnImmediately?: boolean }) {
  return {
    message: {
      messageId: randomUUID(),
      role: 'ROLE_USER',
      parts,
      ...(options.contextId ? { contextId: options.contextId } : {}),
      ...(options.skill ? { metadata: { skillId: options.skill } } : {}),
    },
    ...(options.returnImmediately ? { configuration: { returnImmediately: true } } : {}),
  };
}

/** The gateway's error body (google.rpc.Status, or an OAuth error) in words. */
async function errorOf(res: Response): Promise<GatewayError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: string; details?: Array<{ reason?: string }> } | string; error_description?: string };
    if (typeof body.error === 'object' && body.error?.message) return new GatewayError(res.status, body.error.message, body.error.details?.[0]?.reason);
    if (typeof body.error === 'string') return new GatewayError(res.status, body.error_description ?? body.error, body.error);
  } catch {
    // Not JSON: a proxy's page, say.
  }
  return new GatewayError(res.status, `The gateway answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
}
