import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderHttpError } from '../../src/http/index.js';
import { Errors } from '../../src/protocol/index.js';

/** A request as the forwarder saw it, for {@link HttpForwarder.loseAnswers}. */
export interface ForwardedRequest {
  method: string;
  path: string;
  body: string;
}

/**
 * An HTTP server that forwards every request to `target` and its answer
 * back, except the answers a test chose to lose: those requests reach the
 * target, which acts on them and answers in full, and then the client's
 * connection is cut with an RST before a byte of the answer is sent (an
 * answer lost on the way back: a dropped link, a timed-out proxy). Or the
 * requests a test chose to refuse: answered 503 with agentmesh's own
 * "store unavailable" body without reaching the target (a replica whose
 * database is away for a moment).
 *
 * @example
 * const gateway = await startHttpForwarder(gw.url);
 * gateway.loseAnswers((r) => r.path === '/oauth/token' && r.body.includes('grant_type=refresh_token'));
 */
export interface HttpForwarder {
  readonly url: string;
  /** Answers lost so far. */
  readonly lost: number;
  /** The next `count` requests `match` accepts are forwarded and their answers lost. */
  loseAnswers(match: (request: ForwardedRequest) => boolean, count?: number): void;
  /**
   * The next request `match` accepts is forwarded, and its answer (head and
   * body, a stream too) held from the client until `release()`: `arrived`
   * resolves once the target has begun to answer it.
   */
  holdAnswer(match: (request: ForwardedRequest) => boolean): { arrived: Promise<void>; release: () => void };
  /** The next `count` requests `match` accepts are answered 503, retryable, and not forwarded. */
  answerUnavailable(match: (request: ForwardedRequest) => boolean, count?: number): void;
  /** Every request the forwarder received, in order (refused ones included). */
  readonly requests: readonly ForwardedRequest[];
  close(): Promise<void>;
}

/** `observe` sees each request as it arrives, before it is forwarded (or refused). */
export async function startHttpForwarder(target: string, observe?: (request: ForwardedRequest) => void): Promise<HttpForwarder> {
  const to = new URL(target);
  let lose: { match: (request: ForwardedRequest) => boolean; left: number } | undefined;
  let lost = 0;
  let refuse: { match: (request: ForwardedRequest) => boolean; left: number } | undefined;
  let hold: { match: (request: ForwardedRequest) => boolean; arrived: () => void; released: Promise<void> } | undefined;
  const requests: ForwardedRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const seen = { method: req.method ?? 'GET', path: req.url ?? '/', body: body.toString('utf8') };
      requests.push(seen);
      observe?.(seen);
      if (refuse !== undefined && refuse.left > 0 && refuse.match(seen)) {
        refuse.left--;
        const { statusCode, body: error } = renderHttpError(Errors.storageUnavailableOfRequest({ requestId: `refused-${requests.length}` }), `refused-${requests.length}`);
        res.writeHead(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(error));
        return;
      }
      const losing = lose !== undefined && lose.left > 0 && lose.match(seen);
      if (losing) lose!.left--;
      const held = hold !== undefined && hold.match(seen) ? hold : undefined;
      if (held !== undefined) hold = undefined;
      const upstream = request({ host: to.hostname, port: to.port, method: seen.method, path: seen.path, headers: { ...req.headers, host: to.host } }, (answer: IncomingMessage) => {
        if (losing) {
          // The whole answer is read first: the target has done all it would for this request.
          answer.resume();
          answer.on('end', () => {
            lost++;
            req.socket.resetAndDestroy();
          });
          return;
        }
        if (held !== undefined) {
          // Paused until released: what the target sends meanwhile waits in the stream's buffer.
          answer.pause();
          held.arrived();
          void held.released.then(() => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => req.socket.destroy());
      // A client that goes away (a stream it stopped following) takes the upstream request with it.
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get lost() {
      return lost;
    },
    loseAnswers(match, count = 1) {
      lose = { match, left: count };
    },
    answerUnavailable(match, count = 1) {
      refuse = { match, left: count };
    },
    holdAnswer(match) {
      let arrived!: () => void;
      let release!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      hold = { match, arrived, released: new Promise<void>((resolve) => (release = resolve)) };
      return { arrived: arrival, release };
    },
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
