import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { StreamResponse } from '@a2a-js/sdk';
import type { JSONWebKeySet } from 'jose';
import { PUSH_SIGNATURE_HEADER, verifyPushSignature, type PushSignatureClaims } from '../runtime/index.js';
import { errorMessage } from '../protocol/index.js';

/** Largest notification body the inbox reads (1 MiB): a test receiver, not a sink. */
const MAX_BODY_BYTES = 1_048_576;

/** One push notification as the inbox received it. */
export interface PushDelivery {
  /** The task the notification is about. */
  taskId: string;
  /** The event's sequence number in the task's log (`Agentmesh-Event-Seq`). */
  seq: number;
  /** The event (A2A v1 webhook body: a StreamResponse). */
  event: StreamResponse;
  /** The body exactly as received. */
  body: string;
  headers: IncomingHttpHeaders;
  /** The push config's token (`X-A2A-Notification-Token`), if it set one. */
  token: string | undefined;
  /**
   * The `X-A2A-Notification-Signature` checked against the agent's JWKS, as a
   * receiver must (audience = the webhook URL, body hash, expiry on the test's clock).
   */
  signature: { valid: true; claims: PushSignatureClaims } | { valid: false; error: string };
  /** The HTTP status the inbox answered with (see {@link PushInbox.failNext}). */
  status: number;
}

/** What the inbox needs from the agent under test. */
export interface PushInboxOptions {
  /** The agent's JWKS (its `/.well-known/jwks.json`). */
  jwks: () => Promise<JSONWebKeySet>;
  /** One delivery pass of the runtime; resolves with how many notifications it claimed. */
  deliverOnce: () => Promise<number>;
  /** The clock signatures are checked on (the test's clock: a fake clock signs fake times). */
  now: () => number;
}

/**
 * A webhook for an agent's push notifications, on 127.0.0.1 (a port of its
 * own: the runtime delivers over HTTP), that records every delivery with
 * its verified signature. Deliveries happen when the test asks
 * ({@link deliver}): nothing runs in the background, so what a test sees
 * does not depend on timing.
 */
export class PushInbox {
  /** The webhook URL to register (`send(…, { push: true })` does it for you). */
  readonly url: string;
  /** The notifications accepted (answered 2xx), in the order they arrived. */
  readonly deliveries: PushDelivery[] = [];
  /** Every attempt, failed ones (see {@link failNext}) included. */
  readonly attempts: PushDelivery[] = [];
  readonly #server: Server;
  readonly #o: PushInboxOptions;
  #failures: number[] = [];
  #jwks: Promise<JSONWebKeySet> | undefined;

  private constructor(server: Server, url: string, options: PushInboxOptions) {
    this.#server = server;
    this.url = url;
    this.#o = options;
  }

  /** Starts an inbox on 127.0.0.1, a free port. */
  static async start(options: PushInboxOptions): Promise<PushInbox> {
    // The handler needs the inbox, which needs the server's port: filled in once listening.
    const ref: { inbox?: PushInbox } = {};
    const server = createServer((req, res) => {
      void ref.inbox!.#receive(req.headers, req).then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(400).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the push inbox is not listening on a TCP port');
    const { port } = address;
    ref.inbox = new PushInbox(server, `http://127.0.0.1:${port}/a2a/push`, options);
    return ref.inbox;
  }

  /**
   * Answers the next `times` deliveries with `status` (e.g. 503) instead of
   * 200: the runtime then retries them after a backoff, on its clock.
   */
  failNext(status: number, times = 1): void {
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new RangeError(`failNext(status): an HTTP status, got ${status}`);
    for (let i = 0; i < times; i++) this.#failures.push(status);
  }

  /**
   * Delivers every notification due now (retries not yet due wait for the
   * clock: advance a fake clock and call this again), and resolves with the
   * deliveries accepted for `taskId` (all tasks when omitted).
   */
  async deliver(taskId?: string): Promise<PushDelivery[]> {
    // One pass delivers at most one event per task and webhook (order per webhook): loop until none is due.
    for (let pass = 0; pass < 10_000; pass++) {
      if ((await this.#o.deliverOnce()) === 0) break;
    }
    return this.for(taskId);
  }

  /** The accepted deliveries of `taskId` (all when omitted). */
  for(taskId?: string): PushDelivery[] {
    return taskId === undefined ? [...this.deliveries] : this.deliveries.filter((d) => d.taskId === taskId);
  }

  /** Stops the inbox's server. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #receive(headers: IncomingHttpHeaders, body: AsyncIterable<Buffer>): Promise<number> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return 413;
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const event = StreamResponse.fromJSON(JSON.parse(text));
    const delivery: PushDelivery = {
      taskId: taskIdOf(event),
      seq: Number(headers['agentmesh-event-seq'] ?? Number.NaN),
      event,
      body: text,
      headers,
      token: headerValue(headers['x-a2a-notification-token']),
      signature: await this.#verify(headerValue(headers[PUSH_SIGNATURE_HEADER.toLowerCase()]), text),
      status: this.#failures.shift() ?? 200,
    };
    this.attempts.push(delivery);
    if (delivery.status >= 200 && delivery.status < 300) this.deliveries.push(delivery);
    return delivery.status;
  }

  async #verify(signature: string | undefined, body: string): Promise<PushDelivery['signature']> {
    try {
      this.#jwks ??= this.#o.jwks();
      const claims = await verifyPushSignature({ signature: signature ?? '', body, audience: this.url, jwks: await this.#jwks, now: this.#o.now() });
      return { valid: true, claims };
    } catch (err) {
      return { valid: false, error: errorMessage(err) };
    }
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function taskIdOf(event: StreamResponse): string {
  const p = event.payload;
  switch (p?.$case) {
    case 'task':
      return p.value.id;
    case 'message':
      return p.value.taskId;
    case 'statusUpdate':
    case 'artifactUpdate':
      return p.value.taskId;
    default:
      return '';
  }
}
