import type { FastifyInstance } from 'fastify';
import type { Logger, Metrics } from '../../observability/index.js';

/**
 * A dependency `/ready` waits for: resolves when usable, rejects (with a reason) when not.
 * Declared here, where it runs, so that the server options that list the
 * checks point down at the probes and not the other way round.
 */
export interface ReadinessCheck {
  /** Key in the `/ready` body (`storage`, `bus`, …). */
  name: string;
  /** Resolves when the dependency is usable. Bounded by `readinessTimeoutMs`. */
  check: () => Promise<void>;
}

/** The checks of a role's database (`storage`) and bus (`bus`): what `/ready` of every role waits for. */
export function storageReadiness(backends: { database: { ping(): Promise<void> }; bus: { ping(): Promise<void> } }): ReadinessCheck[] {
  return [
    { name: 'storage', check: () => backends.database.ping() },
    { name: 'bus', check: () => backends.bus.ping() },
  ];
}

/**
 * What the probes read of the server they answer for: the server's state
 * (`ServerState`) has all of it. Only this much, so that the state, which
 * holds the probes, and the probes do not import each other.
 */
export interface ProbedServer {
  readonly name: string;
  readonly version: string;
  /** `performance.now()` when the server was built. */
  readonly startedAt: number;
  readonly log: Logger;
  readonly draining: boolean;
}

/** Body of `GET /health`. */
export interface HealthBody {
  status: 'ok';
  name: string;
  version: string;
  uptimeSeconds: number;
}

/** Body of `GET /ready`: each check's `"ok"` or its failure message. */
export interface ReadyBody {
  status: 'ready' | 'not_ready' | 'draining';
  checks: Record<string, string>;
}

/** Failure messages are shown to whoever can reach `/ready`; keep them short. */
const MAX_MESSAGE_LENGTH = 200;

function messageOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // Wrapped so a check that throws synchronously fails like one that rejects.
    await Promise.race([Promise.resolve().then(() => check.check()), timeout]);
    return 'ok';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs all checks in parallel. Concurrent probes share one run (a burst of
 * probes must not become a burst of database pings).
 */
function readinessRunner(checks: readonly ReadinessCheck[], timeoutMs: number, log: Logger): () => Promise<Record<string, string>> {
  let inFlight: Promise<Record<string, string>> | undefined;
  const runAll = async (): Promise<Record<string, string>> => {
    const results = await Promise.allSettled(checks.map((c) => runCheck(c, timeoutMs)));
    const out: Record<string, string> = {};
    results.forEach((r, i) => {
      const name = checks[i]?.name ?? String(i);
      if (r.status === 'fulfilled') out[name] = r.value;
      else {
        out[name] = messageOf(r.reason);
        log.warn({ check: name, err: r.reason }, 'readiness check failed');
      }
    });
    return out;
  };
  return () => {
    inFlight ??= runAll().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

/** An answer of `/ready`: 200 when every check passed and the server is not draining, else 503. */
export interface ReadyAnswer {
  statusCode: 200 | 503;
  body: ReadyBody;
}

/**
 * What `/health` and `/ready` answer, apart from any listener: the public
 * port's routes and the probe listener (`createProbeListener`) ask the same
 * object, so both see the same checks, share one run of them, and turn
 * `/ready` to 503 the moment the server starts draining.
 */
export class ProbeAnswers {
  readonly #state: ProbedServer;
  readonly #runReadiness: () => Promise<Record<string, string>>;

  constructor(options: { state: ProbedServer; readiness: readonly ReadinessCheck[]; readinessTimeoutMs: number }) {
    this.#state = options.state;
    this.#runReadiness = readinessRunner(options.readiness, options.readinessTimeoutMs, options.state.log);
  }

  /** Liveness: the process serves HTTP. */
  health(): HealthBody {
    const state = this.#state;
    return {
      status: 'ok',
      name: state.name,
      version: state.version,
      uptimeSeconds: Math.floor((performance.now() - state.startedAt) / 1000),
    };
  }

  /** Readiness: every dependency answers and the server is not draining. */
  async ready(): Promise<ReadyAnswer> {
    const state = this.#state;
    if (state.draining) return { statusCode: 503, body: { status: 'draining', checks: {} } };
    const checks = await this.#runReadiness();
    // Draining may have started while the checks ran.
    if (state.draining) return { statusCode: 503, body: { status: 'draining', checks } };
    const ready = Object.values(checks).every((v) => v === 'ok');
    return ready ? { statusCode: 200, body: { status: 'ready', checks } } : { statusCode: 503, body: { status: 'not_ready', checks } };
  }
}

/**
 * `GET /health` (liveness: the process serves HTTP), `GET /ready` (readiness:
 * every dependency answers and the server is not draining) and, when given a
 * registry, `GET /metrics` (Prometheus text). Their per-request log lines are at `warn` so probes every
 * few seconds do not flood the log.
 */
export function registerProbeRoutes(app: FastifyInstance, deps: { probes: ProbeAnswers; metrics: Metrics | undefined }): void {
  const { probes, metrics } = deps;

  app.get('/health', { logLevel: 'warn' }, async (_request, reply): Promise<HealthBody> => {
    reply.header('cache-control', 'no-store');
    return probes.health();
  });

  app.get('/ready', { logLevel: 'warn' }, async (_request, reply): Promise<ReadyBody> => {
    reply.header('cache-control', 'no-store');
    const { statusCode, body } = await probes.ready();
    return reply.code(statusCode).send(body);
  });

  if (metrics === undefined) return;
  app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    const { contentType, body } = await metrics.render(request.headers.accept);
    reply.header('cache-control', 'no-store').header('vary', 'accept').type(contentType);
    return body;
  });
}
