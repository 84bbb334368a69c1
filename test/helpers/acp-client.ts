/**
 * An ACP client written from the ACP document (schemas/acp/openapi.yaml),
 * independent of src/acp: plain fetch, and every request it sends and every
 * response and SSE event it reads is checked against the document
 * (acp-conformance.ts). A non-conforming message fails the test that sent it.
 */
import { checkRequest, checkResponse } from './acp-conformance.js';

export interface AcpReply {
  status: number;
  body: any;
}

export class AcpTestClient {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  /** How many messages were checked against the document (requests, responses, events). */
  checked = 0;

  /** `base` is the ACP root (the runtime's `…/acp`). */
  constructor(base: string, headers: Record<string, string> = {}) {
    this.#base = base.replace(/\/$/, '');
    this.#headers = headers;
  }

  /** One JSON request and its JSON answer, both checked. `path` is the document's (`/runs`), query string allowed. */
  async call(method: string, path: string, body?: unknown): Promise<AcpReply> {
    const bare = path.split('?')[0]!;
    checkRequest(method, bare, body);
    this.checked++;
    const res = await fetch(this.#base + path, {
      method,
      headers: { ...this.#headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const contentType = res.headers.get('content-type') ?? '';
    const json = await res.json();
    checkResponse(method, bare, res.status, contentType, json);
    this.checked++;
    return { status: res.status, body: json };
  }

  /** A request answered as a stream: each SSE event's data is checked as the document's Event. */
  async stream(method: string, path: string, body: unknown): Promise<{ status: number; events: any[] }> {
    checkRequest(method, path, body);
    this.checked++;
    const res = await fetch(this.#base + path, { method, headers: { ...this.#headers, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(body) });
    const contentType = res.headers.get('content-type') ?? '';
    if (!contentType.startsWith('text/event-stream')) {
      const json = await res.json();
      checkResponse(method, path, res.status, contentType, json);
      this.checked++;
      return { status: res.status, events: [json] };
    }
    const events: any[] = [];
    // The stream ends when the run ends or awaits: read it whole, then split into frames (SSE: blank-line separated, `data:` lines joined).
    for (const frame of (await res.text()).split(/\n\n/)) {
      const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (!data) continue;
      const event = JSON.parse(data);
      checkResponse(method, path, res.status, contentType, event);
      this.checked++;
      events.push(event);
    }
    return { status: res.status, events };
  }
}

/** An ACP user message of one text part. */
export function userText(text: string): { role: 'user'; parts: Array<{ content_type: string; content: string }> } {
  return { role: 'user', parts: [{ content_type: 'text/plain', content: text }] };
}

/** The text of a run's output. */
export function outputText(run: any): string {
  return (run.output ?? []).flatMap((m: any) => m.parts).filter((p: any) => p.content_type.startsWith('text/')).map((p: any) => p.content).join('');
}
