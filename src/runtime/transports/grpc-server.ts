/**
 * The gRPC binding (A2A §10): the SDK's own gRPC services (v1.0
 * `lf.a2a.v1.A2AService` and v0.3 `a2a.v1.A2AService`, with its proto
 * codecs and v0.3 translation) over our AgentRequestHandler, one
 * `@grpc/grpc-js` server per hosted agent. Loaded with `import()` only when
 * `grpcPort` is set (CONTRIBUTING.md, "Load what you use"): a runtime without gRPC never loads
 * grpc-js. See docs/adr/0011-grpc-binding.md.
 */
import * as grpc from '@grpc/grpc-js';
import type { A2AError } from '@a2a-js/sdk/errors';
import { A2AService, grpcService } from '@a2a-js/sdk/server/grpc';
import { LegacyA2AService, legacyGrpcService } from '@a2a-js/sdk/compat/v0_3/server/grpc';
import { ServerCallContext, type User } from '@a2a-js/sdk/server';
import { parseLastEventId } from '../../http/index.js';
import type { Logger, Metrics } from '../../observability/index.js';
import { logAnsweredError, negotiateVersion, type ProtocolVersion } from '../../protocol/index.js';
import { CTX, type AgentRequestHandler } from '../agent-request-handler.js';
import type { CallInfo } from '../call-info.js';
import { anonymous, type Authenticate, type AuthenticatedCaller, type AuthenticateRequest } from './call-context.js';
import { GrpcRequestHandler } from './grpc-request-handler.js';
import { toGrpcError } from './grpc-errors.js';

/** One agent to serve over gRPC. */
export interface GrpcAgent {
  name: string;
  handler: AgentRequestHandler;
  authenticate: Authenticate;
}

/** Options of {@link startGrpcServers}. */
export interface GrpcServersOptions {
  agents: readonly GrpcAgent[];
  host: string;
  /** Port of the first agent; the next agents take the ports after it. 0: each agent gets a free port. */
  port: number;
  /** Largest request message, bytes (the HTTP body limit). */
  maxMessageBytes: number;
  logger: Logger;
  /** Counts calls by method and status (`agentmesh_grpc_server_handled_total`) and times them. */
  metrics?: Metrics;
}

/** The running gRPC servers. */
export interface GrpcServing {
  /** Bound port of each agent. */
  readonly ports: Readonly<Record<string, number>>;
  /** Ends open streams, waits for calls in flight until `deadlineAt` (epoch ms), then cuts them. */
  close(deadlineAt: number): Promise<void>;
}

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/** The caller of one gRPC call, carrying the call so the context builder can reach it. */
class GrpcCallUser implements User {
  readonly caller: AuthenticatedCaller | undefined;
  readonly call: AnyCall;
  constructor(caller: AuthenticatedCaller | undefined, call: AnyCall) {
    this.caller = caller;
    this.call = call;
  }
  get isAuthenticated(): boolean {
    return this.caller !== undefined;
  }
  get userName(): string {
    return this.caller?.id ?? '';
  }
}

/** gRPC metadata as lower-case HTTP-style headers (binary `-bin` entries left out). */
function headersOf(metadata: grpc.Metadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string') headers[key] = value;
  }
  return headers;
}

/**
 * Starts one gRPC server per agent: an agent's gRPC address is its own, as
 * its HTTP base URL is, so the official client (which does not echo an
 * interface's `tenant`) reaches the right agent, and `tenant` keeps its
 * meaning (the caller's tenant) on every binding.
 */
export async function startGrpcServers(options: GrpcServersOptions): Promise<GrpcServing> {
  const streams = new Set<AbortController>();
  let closing = false;
  const servers: grpc.Server[] = [];
  const ports: Record<string, number> = {};
  try {
    for (const [i, agent] of options.agents.entries()) {
      const server = new grpc.Server({
        'grpc.max_receive_message_length': options.maxMessageBytes,
        ...(options.metrics ? { interceptors: [metricsInterceptor(agent.name, options.metrics)] } : {}),
      });
      servers.push(server);
      const log = options.logger.child({ agent: agent.name, transport: 'grpc' });
      const authenticating = agent.authenticate !== anonymous;
      const userBuilder = async (call: AnyCall): Promise<User> => {
        if (!authenticating) return new GrpcCallUser(undefined, call);
        try {
          // The authenticate hook is written for HTTP requests; gRPC metadata are its headers.
          const request: AuthenticateRequest = { headers: headersOf(call.metadata), id: '', ip: call.getPeer(), url: call.getPath(), method: 'POST', query: {}, log };
          return new GrpcCallUser(await agent.authenticate(request), call);
        } catch (err) {
          throw mapped(err, log);
        }
      };
      const contextBuilder = (fallback: ProtocolVersion) => (input: { user: User | undefined; headers: Record<string, string | string[] | undefined>; requestedVersion?: string; tenant?: string }) => {
        try {
          const user = input.user;
          // Ours: the userBuilder above made it.
          if (!(user instanceof GrpcCallUser)) throw new Error('the gRPC call has no user of this server');
          // The service's package names its version; an A2A-Version entry in the metadata may still pick another.
          const version = input.requestedVersion === undefined ? fallback : negotiateVersion(input.requestedVersion);
          const caller = user.caller;
          // With an authenticate hook, the tenant comes from the caller only (as on HTTP).
          const tenant = caller?.tenant ?? (authenticating ? '' : (input.tenant ?? ''));
          const call: CallInfo = {
            tenant,
            caller: caller ? { authenticated: true, id: caller.id, scopes: caller.scopes } : { authenticated: false, id: '', scopes: [] },
            log,
          };
          // Honoured on every binding the assertion is verified on: a retry-only call starts no work here either.
          if (caller?.retryOnly !== undefined) call.retryOnly = caller.retryOnly;
          const traceparent = input.headers['traceparent'];
          if (typeof traceparent === 'string') call.traceparent = traceparent;
          const state = new Map<string, unknown>([[CTX.call, call]]);
          const lastEventId = parseLastEventId(input.headers['last-event-id']);
          if (lastEventId !== undefined) state.set(CTX.lastEventId, lastEventId);
          state.set(CTX.signal, streamSignal(user.call));
          return new ServerCallContext({ user, requestedVersion: version, state, ...(tenant ? { tenant } : {}) });
        } catch (err) {
          throw mapped(err, log);
        }
      };
      // Made on first use (only a call that waits needs it): aborted when the client cancels and, for a
      // stream, when the server drains. Unary calls are not tracked: they emit no end event to untrack them
      // by, and the drain waits for them (a blocking SendMessage ends with its task) until the deadline.
      const streamSignal = (call: AnyCall) => {
        let controller: AbortController | undefined;
        return () => {
          if (controller === undefined) {
            const made = new AbortController();
            controller = made;
            call.once('cancelled', () => made.abort());
            if ('write' in call) {
              streams.add(made);
              const end = () => {
                made.abort();
                streams.delete(made);
              };
              call.once('close', end);
              call.once('finish', () => streams.delete(made));
              if (closing) end();
            }
          }
          return controller.signal;
        };
      };
      const map = (err: unknown) => mapped(err, log);
      const v1 = new GrpcRequestHandler(agent.handler, map, { legacyProto: false });
      const v03 = new GrpcRequestHandler(agent.handler, map, { legacyProto: true });
      server.addService(tolerant(A2AService), refuseUndecodable(grpcService({ requestHandler: v1, userBuilder, contextBuilder: contextBuilder('1.0') })));
      server.addService(tolerant(LegacyA2AService), refuseUndecodable(legacyGrpcService({ requestHandler: v03, userBuilder, contextBuilder: contextBuilder('0.3') })));
      const wanted = options.port === 0 ? 0 : options.port + i;
      const address = options.host.includes(':') ? `[${options.host}]:${wanted}` : `${options.host}:${wanted}`;
      ports[agent.name] = await new Promise<number>((resolve, reject) => {
        server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
      });
    }
  } catch (err) {
    for (const server of servers) server.forceShutdown();
    throw err;
  }

  return {
    ports,
    async close(deadlineAt) {
      closing = true;
      // Open streams end like SSE streams on drain: the client resumes with SubscribeToTask elsewhere.
      for (const controller of streams) controller.abort();
      streams.clear();
      await Promise.all(
        servers.map(async (server) => {
          let timer: NodeJS.Timeout | undefined;
          const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
          const cut = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, Math.max(0, deadlineAt - Date.now()));
          });
          await Promise.race([graceful, cut]);
          clearTimeout(timer);
          // Past the deadline (or already closed): cut the calls still open.
          server.forceShutdown();
        }),
      );
    },
  };
}

/** Call durations, seconds: a unary call is milliseconds, a stream lasts as long as its task. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300];

/**
 * Counts and times every call of one agent's server at the status it ends
 * with, as the HTTP server counts requests. The `method` label is the
 * registered method's path (a bounded set: grpc-js answers unknown methods
 * before any interceptor), so a client cannot grow the label set.
 */
function metricsInterceptor(agent: string, metrics: Metrics): grpc.ServerInterceptor {
  const handled = metrics.counter('agentmesh_grpc_server_handled_total', 'gRPC calls answered, by agent, method and status code', ['agent', 'method', 'code']);
  const seconds = metrics.histogram('agentmesh_grpc_server_handling_seconds', 'Time from the start of a gRPC call to its status', ['agent', 'method'], DURATION_BUCKETS);
  // Label-bound children cached: no label hashing per call.
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(v: number): void }>();
  return (descriptor, call) => {
    const started = performance.now();
    const method = descriptor.path;
    return new grpc.ServerInterceptingCall(call, {
      sendStatus: (status, next) => {
        const key = `${method} ${status.code}`;
        let counter = counters.get(key);
        if (counter === undefined) {
          counter = handled.labels({ agent, method, code: grpc.status[status.code] ?? String(status.code) });
          counters.set(key, counter);
        }
        counter.inc();
        let timer = timers.get(method);
        if (timer === undefined) {
          timer = seconds.labels({ agent, method });
          timers.set(method, timer);
        }
        timer.observe((performance.now() - started) / 1000);
        next(status);
      },
    });
  };
}

/** Marks a request whose bytes did not decode. */
const UNDECODABLE = Symbol('undecodable');

/**
 * The service definition with a request decoder that does not throw: grpc-js
 * answers a decoder's exception with INTERNAL, but bytes that are not the
 * method's message (garbage, or a Struct nested so deep its decoder runs out
 * of stack) are the client's error: {@link refuseUndecodable} answers them
 * INVALID_ARGUMENT.
 */
function tolerant(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition)) {
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch {
          return { [UNDECODABLE]: true };
        }
      },
    };
  }
  return out;
}

/** Wraps every method of a service implementation so an undecodable request gets INVALID_ARGUMENT. */
function refuseUndecodable(implementation: object): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(implementation as Record<string, (call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => unknown>)) {
    out[name] = (call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => {
      const request: unknown = call.request;
      if (typeof request === 'object' && request !== null && Object.hasOwn(request, UNDECODABLE)) {
        const status = { code: grpc.status.INVALID_ARGUMENT, details: `The request is not a valid ${name} request message` };
        if (callback) callback(status, null);
        else call.emit('error', status);
        return;
      }
      return method(call, callback);
    };
  }
  return out;
}

/** An error thrown anywhere in a call → the SDK error its server maps to a gRPC status, logged once as every binding logs it. */
function mapped(err: unknown, log: Logger): A2AError {
  logAnsweredError(log, err, 'gRPC call failed');
  return toGrpcError(err).error;
}
