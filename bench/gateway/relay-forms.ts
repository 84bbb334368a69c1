/**
 * What a relay's HTTP plumbing costs in four forms, CPU per request of the
 * relay's process: `node dist/bench/gateway/relay-forms.js`.
 *
 * Why: the gateway's data plane is node:http's server beside an undici
 * client (ADR 0015, `exchange()`); a bare relay of that shape costs most of
 * what HAProxy costs per call before the gateway does any of its own work.
 * Node's server and client both parse with one C++ binding (llhttp, as
 * `HTTPParser` of the undocumented `node:_http_common`); this bench measures
 * what is left of a relayed request when that parser is driven directly on
 * raw `net` sockets, on either side or both:
 *
 *   a  node:http server + undici `dispatch` (`exchange()`, the gateway's form)
 *   b  node:http server + raw keep-alive `net` client, HTTPParser(RESPONSE)
 *   c  raw `net` server, HTTPParser(REQUEST) + undici `dispatch`
 *   d  raw server + raw client
 *   e  node:http server + `Http1Upstream` (the gateway's llhttp client, ADR 0064)
 *
 * How: a trivial upstream (node:http, a ~250-byte JSON answer with a
 * Content-Length, keep-alive), each form in a process of its own, and a load
 * generator in another (undici, `--in-flight` requests at a time, POST
 * bodies of ~300 bytes). Each round measures every form for `--seconds`,
 * in an order that moves by one each round (the host's load drifts); the
 * relay's CPU (user + system, all threads, `process.cpuUsage()` over IPC)
 * is divided by the requests answered. Every form is first checked on a
 * chunked answer, an answer after a 103, and an upstream closing its
 * connection after answering.
 *
 * `--callgrind N`: instead, forms a and d (or `--forms`) run under
 * `valgrind --tool=callgrind`; after a warm-up their counters are zeroed,
 * N requests are made and the counters dumped, then 2N and dumped again:
 * (I(2N) − I(N)) / N is the instructions per request, whatever the load.
 *
 * The raw forms are bench code: enough of HTTP/1.1 for this load (keep-alive,
 * Content-Length and chunked bodies, 1xx skipped, an upstream that closes),
 * not a product client or server (no timeouts, no Expect, no upgrade, no
 * back-pressure on large bodies).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, Pool } from 'undici';
import { ExchangeAbort, exchange, type UpstreamAnswer } from '../../src/gateway/routing/upstream-exchange.js';
import { Http1Upstream } from '../../src/gateway/routing/upstream-http1.js';
import { callgrindControl, lastDumpTotal } from './callgrind-control.js';

const SELF = fileURLToPath(import.meta.url);
const FORMS = ['a', 'b', 'c', 'd', 'e'] as const;
type Form = (typeof FORMS)[number];
const FORM_NAMES: Record<Form, string> = {
  a: 'node:http server + undici dispatch',
  b: 'node:http server + raw client',
  c: 'raw server + undici dispatch',
  d: 'raw server + raw client',
  e: 'node:http server + Http1Upstream',
};

/** The upstream's answer: a completed task, about the size of the bench agent's. */
const ANSWER = Buffer.from(
  JSON.stringify({ jsonrpc: '2.0', id: 1, result: { task: { id: 'task-0123456789abcdef', contextId: 'ctx-0123456789abcdef', status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ artifactId: 'a-1', name: 'answer', parts: [{ text: 'lead 42 scored 87' }] }] } } }),
);
/** The load's request body: a SendMessage of ~300 bytes. */
const REQUEST_BODY = Buffer.from(
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'bench-0123456789abcdef0123456789abcdef', role: 'ROLE_USER', parts: [{ text: 'score lead 42 '.repeat(10) }] } } }),
);

// ---------------------------------------------------------------------------------------------------------------
// Node's llhttp binding, as node:http drives it.

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): undefined | Error;
  close(): void;
  [slot: number]: unknown;
}
interface ParserModule {
  _checkIsHttpToken(name: string): boolean;
  _checkInvalidHeaderChar(value: string): boolean;
  HTTPParser: { new (): Parser; REQUEST: number; RESPONSE: number; kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number; kLenientNone: number };
  methods: string[];
}
const { HTTPParser, methods: METHODS, _checkIsHttpToken: isToken, _checkInvalidHeaderChar: hasInvalidChar } = createRequire(import.meta.url)('node:_http_common') as ParserModule;

/** Raw header pairs `[name, value, …]` as node:http's `headers` object (names lowercased; duplicates joined as node:http does for most). */
function headersOf(raw: string[]): IncomingHttpHeaders {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const prior = headers[name];
    headers[name] = prior === undefined ? raw[i + 1]! : `${prior}, ${raw[i + 1]!}`;
  }
  return headers;
}

// ---------------------------------------------------------------------------------------------------------------
// The raw client: keep-alive `net` connections to one origin, answers parsed with HTTPParser(RESPONSE).

interface Answer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

class RawConnection {
  readonly socket: Socket;
  readonly #pool: RawClient;
  #resolve: ((answer: Answer) => void) | undefined;
  #reject: ((err: Error) => void) | undefined;
  #status = 0;
  #raw: string[] = [];
  #chunks: Buffer[] = [];
  #length = 0;
  #keepAlive = false;
  #dead = false;
  /** The headers deadline (undici's `headersTimeout`): one timer a connection, refreshed per request, as a product client would need. */
  readonly #deadline: NodeJS.Timeout;

  constructor(pool: RawClient, host: string, port: number) {
    this.#pool = pool;
    this.socket = connect({ host, port, noDelay: true });
    this.#deadline = setTimeout(() => {
      if (this.#resolve !== undefined) this.#fail(Object.assign(new Error('no answer in time'), { code: 'UND_ERR_HEADERS_TIMEOUT' }));
    }, 300_000).unref();
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone);
    parser[HTTPParser.kOnHeaders] = (raw: string[]) => {
      this.#raw = this.#raw.concat(raw);
    };
    parser[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, raw: string[] | undefined, _method: unknown, _url: unknown, status: number, _message: string, _upgrade: boolean, keepAlive: boolean) => {
      if (raw !== undefined) this.#raw = raw;
      this.#status = status;
      this.#keepAlive = keepAlive;
      this.#chunks = [];
      this.#length = 0;
      // A 1xx answer has no body; the parser goes on to the next message (the real answer).
      return 0;
    };
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      const status = this.#status;
      const raw = this.#raw;
      this.#raw = [];
      if (status < 200) return;
      const resolve = this.#resolve;
      this.#resolve = this.#reject = undefined;
      const chunks = this.#chunks;
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#length);
      if (this.#keepAlive) this.#pool.release(this);
      else this.#die();
      resolve?.({ statusCode: status, headers: headersOf(raw), bytes });
    };
    this.socket.on('data', (data: Buffer) => {
      const result = parser.execute(data);
      if (result instanceof Error) this.#fail(result);
    });
    this.socket.on('end', () => {
      // An answer framed by the connection's end completes here.
      const result = parser.finish();
      if (result instanceof Error) this.#fail(result);
    });
    this.socket.on('error', (err) => this.#fail(err));
    this.socket.on('close', () => {
      this.#fail(new Error('the upstream closed the connection'));
      // Not in #die: that can run inside the parser's own callbacks, and closing frees the parser.
      parser.close();
    });
  }

  send(head: string, body: Buffer, resolve: (answer: Answer) => void, reject: (err: Error) => void): void {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#deadline.refresh();
    const bytes = Buffer.allocUnsafe(head.length + body.length);
    bytes.write(head, 0, 'latin1');
    body.copy(bytes, head.length);
    this.socket.write(bytes);
  }

  #fail(err: Error): void {
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    this.#die();
    reject?.(err);
  }

  #die(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#pool.forget(this);
    clearTimeout(this.#deadline);
    this.socket.destroy();
  }
}

class RawClient {
  readonly #idle: RawConnection[] = [];
  readonly #host: string;
  readonly #port: number;
  readonly #hostHeader: string;

  constructor(origin: string) {
    const url = new URL(origin);
    this.#host = url.hostname;
    this.#port = Number(url.port);
    this.#hostHeader = url.host;
  }

  request(method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      // What a product client checks of each request (undici does as much): a name that is a token, a value
      // without CR, LF or NUL, a path without whitespace; the request's own framing headers are the client's.
      let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.#hostHeader}\r\n`;
      if (!isToken(method) || /[\s]/.test(path)) return reject(Object.assign(new Error('invalid request line'), { code: 'UND_ERR_INVALID_ARG' }));
      for (const name in headers) {
        const value = headers[name]!;
        if (!isToken(name) || hasInvalidChar(value)) return reject(Object.assign(new Error('invalid header'), { code: 'UND_ERR_INVALID_ARG' }));
        head += `${name}: ${value}\r\n`;
      }
      const connection = this.#idle.pop() ?? new RawConnection(this, this.#host, this.#port);
      connection.send(`${head}content-length: ${body.length}\r\n\r\n`, body, resolve, reject);
    });
  }

  release(connection: RawConnection): void {
    this.#idle.push(connection);
  }

  forget(connection: RawConnection): void {
    const at = this.#idle.indexOf(connection);
    if (at >= 0) this.#idle.splice(at, 1);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The raw server: HTTPParser(REQUEST) on each accepted `net` socket, answers written in request order.

interface RawRequest {
  method: string;
  url: string;
  headers: string[];
  body: Buffer;
}
type RawHandler = (request: RawRequest) => Promise<Answer>;

/** node:http's Date header, made once a second as node:http makes it. */
let dateHeader = '';
let dateSecond = 0;
function date(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateHeader = new Date(now).toUTCString();
  }
  return dateHeader;
}

function rawServe(socket: Socket, handler: RawHandler): void {
  socket.setNoDelay(true);
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone);
  /** Answers in request order (a pipelining client's), each written once it and all before it are ready. */
  const queue: Array<{ bytes: Buffer | undefined; close: boolean }> = [];
  let method = '';
  let url = '';
  let raw: string[] = [];
  let keepAlive = true;
  let chunks: Buffer[] = [];
  let length = 0;
  const flush = (): void => {
    while (queue.length > 0 && queue[0]!.bytes !== undefined) {
      const { bytes, close } = queue.shift()!;
      socket.write(bytes!);
      if (close) {
        socket.end();
        return;
      }
    }
  };
  parser[HTTPParser.kOnHeaders] = (more: string[], moreUrl: string) => {
    raw = raw.concat(more);
    url += moreUrl;
  };
  parser[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, headers: string[] | undefined, methodIndex: number, path: string | undefined, _status: unknown, _message: unknown, upgrade: boolean, shouldKeepAlive: boolean) => {
    if (headers !== undefined) raw = headers;
    if (path !== undefined) url = path;
    method = METHODS[methodIndex]!;
    keepAlive = shouldKeepAlive;
    chunks = [];
    length = 0;
    if (upgrade) socket.destroy();
    return 0;
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    const slot: { bytes: Buffer | undefined; close: boolean } = { bytes: undefined, close: !keepAlive };
    queue.push(slot);
    const request: RawRequest = { method, url, headers: raw, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length) };
    raw = [];
    url = '';
    handler(request).then(
      (answer) => {
        const type = answer.headers['content-type'] ?? 'application/json';
        const head = `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode] ?? ''}\r\ncontent-type: ${String(type)}\r\ncontent-length: ${answer.bytes.length}\r\ndate: ${date()}\r\nconnection: ${slot.close ? 'close' : 'keep-alive'}\r\n\r\n`;
        const bytes = Buffer.allocUnsafe(head.length + answer.bytes.length);
        bytes.write(head, 0, 'latin1');
        answer.bytes.copy(bytes, head.length);
        slot.bytes = bytes;
        flush();
      },
      () => {
        slot.bytes = Buffer.from('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n', 'latin1');
        slot.close = true;
        flush();
      },
    );
  };
  socket.on('data', (data: Buffer) => {
    const result = parser.execute(data);
    if (result instanceof Error) {
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      socket.destroySoon();
    }
  });
  socket.on('end', () => parser.finish());
  socket.on('error', () => socket.destroy());
  socket.on('close', () => parser.close());
}

// ---------------------------------------------------------------------------------------------------------------
// The children.

/** What the gateway forwards with a call: the client's headers it keeps, X-Forwarded-*, its assertion (a ~600-byte JWT), `traceparent`. */
const FORWARDED: Record<string, string> = {
  'content-type': 'application/json',
  accept: 'application/json',
  'a2a-version': '1.0',
  'user-agent': 'agentmesh-bench/1.0',
  'x-forwarded-for': '127.0.0.1',
  'x-forwarded-proto': 'http',
  'x-forwarded-host': '127.0.0.1:4290',
  'x-agentmesh-assertion': `eyJhbGciOiJFUzI1NiIsImtpZCI6ImJlbmNoIn0.${Buffer.from('x'.repeat(400)).toString('base64url')}.${'s'.repeat(86)}`,
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

/** The undici client of forms a and c: the gateway's `exchange()` over an undici Agent, as its upstream pool is; form e: the product llhttp client. */
function exchangeClient(origin: string, kind: 'undici' | 'llhttp'): (method: string, path: string, body: Buffer) => Promise<Answer> {
  const agent = new Agent();
  const direct = kind === 'llhttp' ? Http1Upstream.create() : undefined;
  if (typeof direct === 'string') throw new Error(direct);
  return async (method, path, body) => {
    const request = { origin, path, method: method as 'POST', headers: FORWARDED, body };
    const answer: UpstreamAnswer = direct === undefined ? await exchange(agent, request, new ExchangeAbort()) : await direct.exchange(request, new ExchangeAbort());
    // The upstream's answers are small and sized; a streamed one is read whole (the bench's relays answer with a length).
    let bytes = answer.bytes;
    if (bytes === undefined) {
      const chunks: Buffer[] = [];
      if (answer.body !== undefined) for await (const chunk of answer.body) chunks.push(chunk as Buffer);
      bytes = Buffer.concat(chunks);
    }
    return { statusCode: answer.statusCode, headers: answer.headers, bytes };
  };
}

function rawClient(origin: string): (method: string, path: string, body: Buffer) => Promise<Answer> {
  const client = new RawClient(origin);
  return (method, path, body) => client.request(method, path, FORWARDED, body);
}

async function startRelay(form: Form, upstream: string): Promise<number> {
  const forward = form === 'a' || form === 'c' ? exchangeClient(upstream, 'undici') : form === 'e' ? exchangeClient(upstream, 'llhttp') : rawClient(upstream);
  if (form === 'a' || form === 'b' || form === 'e') {
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        forward(req.method ?? 'GET', req.url ?? '/', chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).then(
          (answer) => res.writeHead(answer.statusCode, { 'content-type': answer.headers['content-type'] ?? 'application/json', 'content-length': answer.bytes.length }).end(answer.bytes),
          () => res.writeHead(502).end(),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as { port: number }).port;
  }
  const server = createNetServer((socket) => rawServe(socket, (request) => forward(request.method, request.url, request.body)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

async function startUpstream(): Promise<number> {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/chunked') {
        // No Content-Length: node:http frames it chunked, in two chunks.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(ANSWER.subarray(0, 100));
        res.end(ANSWER.subarray(100));
        return;
      }
      if (req.url === '/early') res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      // `connection: close`: node:http closes the connection after this answer.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': ANSWER.length, ...(req.url === '/close' && { connection: 'close' }) }).end(ANSWER);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** `inFlight` requests at a time for `seconds` (or `count` requests in all); resolves with the requests answered 200 with the whole answer. */
async function runLoad(port: number, inFlight: number, seconds: number, count: number): Promise<{ requests: number; failures: number; seconds: number }> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: inFlight, pipelining: 1 });
  const started = performance.now();
  const until = started + seconds * 1000;
  let requests = 0;
  let failures = 0;
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (count > 0 ? sent < count : performance.now() < until) {
      sent++;
      try {
        const answer = await pool.request({ method: 'POST', path: '/a2a', headers: { 'content-type': 'application/json', 'a2a-version': '1.0' }, body: REQUEST_BODY });
        const body = Buffer.from(await answer.body.arrayBuffer());
        if (answer.statusCode === 200 && body.length === ANSWER.length) requests++;
        else failures++;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return { requests, failures, seconds: elapsed };
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function child(role: string, args: string[]): Promise<void> {
  if (role === 'upstream') {
    const port = await startUpstream();
    process.send!({ type: 'ready', port });
  } else if (role === 'relay') {
    const port = await startRelay(args[0] as Form, args[1]!);
    process.send!({ type: 'ready', port });
  } else if (role === 'load') {
    process.send!({ type: 'ready' });
  }
  process.on('message', async (message: { type: string; port?: number; inFlight?: number; seconds?: number; count?: number }) => {
    if (message.type === 'cpu') process.send!({ type: 'cpu', micros: cpuMicros() });
    else if (message.type === 'load') process.send!({ type: 'loaded', ...(await runLoad(message.port!, message.inFlight!, message.seconds ?? 0, message.count ?? 0)) });
    else if (message.type === 'stop') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------------------------
// The harness.

interface Started {
  child: ChildProcess;
  port: number;
}

async function startChild(args: string[], underValgrind?: string): Promise<Started> {
  const child = underValgrind
    ? spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${underValgrind}`, '--dump-instr=no', process.execPath, SELF, ...args], { stdio: ['ignore', 'inherit', 'ignore', 'ipc'] })
    : fork(SELF, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [{ type: 'exit' }])])) as [{ type: string; port: number }];
  if (message.type !== 'ready') throw new Error(`bench child ${args.join(' ')} did not start`);
  return { child, port: message.port };
}

function ask<T>(child: ChildProcess, message: Record<string, unknown>, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type !== answer) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

const cpuOf = async (child: ChildProcess): Promise<number> => (await ask<{ micros: number }>(child, { type: 'cpu' }, 'cpu')).micros;
const load = (loader: ChildProcess, port: number, inFlight: number, seconds: number, count = 0) =>
  ask<{ requests: number; failures: number; seconds: number }>(loader, { type: 'load', port, inFlight, seconds, count }, 'loaded');

const uptime = (): string => `load average ${loadavg().map((l) => l.toFixed(2)).join(', ')}`;

/** One request through the relay to `path`; throws unless it is answered 200 with the upstream's whole answer. */
async function check(port: number, path: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: REQUEST_BODY });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || !body.equals(ANSWER)) throw new Error(`${path} answered ${res.status} with ${body.length} bytes`);
}

async function harness(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      'in-flight': { type: 'string', default: '8' },
      forms: { type: 'string' },
      callgrind: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const inFlight = Number(values['in-flight']);
  const callgrind = values.callgrind === undefined ? undefined : Number(values.callgrind);
  const forms = (values.forms?.split(',') ?? (callgrind ? ['a', 'd'] : FORMS)) as Form[];
  const children: ChildProcess[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'relay-forms-'));
  try {
    const upstream = await startChild(['upstream']);
    children.push(upstream.child);
    const loader = await startChild(['load']);
    children.push(loader.child);
    const origin = `http://127.0.0.1:${upstream.port}`;
    console.log(`relay-forms: upstream answer ${ANSWER.length} B, request body ${REQUEST_BODY.length} B, ${inFlight} in flight; ${uptime()}`);

    if (callgrind !== undefined) {
      for (const form of forms) {
        const base = `${form}.cg`;
        const relay = await startChild(['relay', form, origin], join(dir, base));
        children.push(relay.child);
        for (const path of ['/a2a', '/chunked', '/early', '/close']) await check(relay.port, path).catch((err: unknown) => { throw new Error(`form ${form} on ${path}`, { cause: err }); });
        await load(loader.child, relay.port, inFlight, 0, 3000);
        const totals: number[] = [];
        for (const count of [callgrind, 2 * callgrind]) {
          await callgrindControl(relay.child.pid!, '-z');
          const result = await load(loader.child, relay.port, inFlight, 0, count);
          if (result.failures > 0) throw new Error(`form ${form}: ${result.failures} failed requests`);
          await callgrindControl(relay.child.pid!, '-d');
          totals.push(await lastDumpTotal(dir, base));
        }
        const perRequest = (totals[1]! - totals[0]!) / callgrind;
        console.log(`callgrind ${form} (${FORM_NAMES[form]}): ${(totals[0]! / callgrind / 1000).toFixed(0)} k instr/request over ${callgrind}, ${(totals[1]! / (2 * callgrind) / 1000).toFixed(0)} k over ${2 * callgrind}; difference ${(perRequest / 1000).toFixed(0)} k instr/request; ${uptime()}`);
        relay.child.kill('SIGTERM');
      }
      return;
    }

    const relays = new Map<Form, Started>();
    for (const form of forms) {
      const relay = await startChild(['relay', form, origin]);
      children.push(relay.child);
      relays.set(form, relay);
      for (const path of ['/a2a', '/chunked', '/early', '/close']) await check(relay.port, path).catch((err: unknown) => { throw new Error(`form ${form} on ${path}`, { cause: err }); });
      await load(loader.child, relay.port, inFlight, Number(values.warmup));
    }
    const rounds = Number(values.rounds);
    const rows = new Map<Form, Array<{ cpu: number; rps: number }>>(forms.map((f) => [f, []]));
    for (let round = 0; round < rounds; round++) {
      const order = forms.map((_, i) => forms[(i + round) % forms.length]!);
      for (const form of order) {
        const relay = relays.get(form)!;
        const before = await cpuOf(relay.child);
        const result = await load(loader.child, relay.port, inFlight, seconds);
        const cpu = (await cpuOf(relay.child)) - before;
        if (result.failures > 0) throw new Error(`form ${form}: ${result.failures} failed requests`);
        rows.get(form)!.push({ cpu: cpu / result.requests, rps: result.requests / result.seconds });
        console.log(`round ${round + 1} ${form}: ${(cpu / result.requests).toFixed(1)} µs/request, ${(result.requests / result.seconds).toFixed(0)} req/s; ${uptime()}`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const base = median(rows.get(forms[0]!)!.map((r) => r.cpu));
    console.log(`\n| form | relay | CPU µs/request (median; rounds) | req/s (median) | ratio to ${forms[0]} |\n|---|---|---|---|---|`);
    for (const form of forms) {
      const cpu = rows.get(form)!.map((r) => r.cpu);
      console.log(`| ${form} | ${FORM_NAMES[form]} | ${median(cpu).toFixed(1)} (${cpu.map((c) => c.toFixed(1)).join(', ')}) | ${median(rows.get(form)!.map((r) => r.rps)).toFixed(0)} | ${(median(cpu) / base).toFixed(2)} |`);
    }
    console.log(`(${rounds} rounds of ${seconds} s per form, ${inFlight} in flight; ${uptime()})`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

const [role, ...rest] = process.argv.slice(2);
if (role !== undefined && !role.startsWith('--')) void child(role, rest);
else
  harness().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
