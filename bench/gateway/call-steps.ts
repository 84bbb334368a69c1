/**
 * The steps of a gateway call and how a stack's frames name them, shared by
 * the readers of V8's profiles (cpu-by-step.ts) and of `perf` samples
 * (perf-by-step.ts), so both split a call the same way.
 */

/** A frame as V8's profiler names it: what the rules below look at. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export const STORAGE_STEP = 'storage (database drivers, outside a step)';

/** A step and what its frames look like; the first rule that matches a frame names it. Order matters. */
const STEPS: ReadonlyArray<{ step: string; match: (f: CallFrame) => boolean }> = [
  { step: 'GC', match: (f) => f.functionName === '(garbage collector)' },
  { step: 'identity (token, principal, assertion signing)', match: (f) => /\/src\/gateway\/(identity\/|assertion-cache|proxy\/(authenticate-step|delegation))|\/node_modules\/jose\//.test(f.url) },
  { step: 'credits (reserve, settle, lease writes)', match: (f) => /\/src\/gateway\/(credits\/|proxy\/reserve-step)|\/src\/tenancy\//.test(f.url) || (/lru-cache/.test(f.url)) },
  { step: 'settlement (the answer read for the task end)', match: (f) => /\/src\/gateway\/(settlement|stream-task-tap)/.test(f.url) },
  { step: 'audit (entry, hash, chained batch writes)', match: (f) => /\/src\/audit\//.test(f.url) },
  { step: 'answer journal (one write per turn, ADR 0047)', match: (f) => /\/src\/gateway\/answer-journal/.test(f.url) },
  { step: 'quotas and concurrency gate', match: (f) => /\/src\/gateway\/(policy\/quota|proxy\/(admit-steps|concurrency-gate))|rate-limiter-flexible/.test(f.url) },
  { step: 'validation (spec and skill schemas)', match: (f) => /\/src\/gateway\/(policy\/(request-validation|skill-schema-cache)|proxy\/validate-step)|\/node_modules\/ajv/.test(f.url) },
  { step: 'PII policy', match: (f) => /\/src\/gateway\/(policy\/pii|proxy\/pii-step)/.test(f.url) },
  { step: 'approval gate (rules matched per message send)', match: (f) => /\/src\/gateway\/(approvals\/|proxy\/approval-step)/.test(f.url) },
  { step: 'metrics', match: (f) => /prom-client|\/src\/gateway\/gateway-metrics|\/src\/observability\/metrics/.test(f.url) },
  { step: 'routing (router, forwarder, headers, relay)', match: (f) => /\/src\/gateway\/routing\//.test(f.url) },
  { step: 'SPOP frames and sockets (bench/gateway/spoe)', match: (f) => /\/bench\/gateway\/spoe\/spop-/.test(f.url) },
  { step: 'SPOE policy agent steps (bench/gateway/spoe)', match: (f) => /\/bench\/gateway\/spoe\/(policy-agent|spoe-exchange)/.test(f.url) },
  { step: 'pipeline (read, classify, authorize, price, answer)', match: (f) => /\/src\/gateway\/(a2a-proxy-route|call-pricing|proxy\/|policy\/a2a-operation)/.test(f.url) },
  { step: 'undici (the upstream request and its answer)', match: (f) => /\/node_modules\/undici\/|node:internal\/deps\/undici/.test(f.url) },
  { step: 'Fastify and the data plane (src/http)', match: (f) => /\/node_modules\/(fastify|find-my-way|light-my-request|avvio)|\/src\/http\//.test(f.url) },
  { step: 'logging and tracing context', match: (f) => /\/node_modules\/(pino|@opentelemetry)|\/src\/observability\//.test(f.url) },
  { step: STORAGE_STEP, match: (f) => /\/src\/storage\/|\/node_modules\/(better-sqlite3|kysely|pg|pg-protocol|postgres|ioredis|@redis)/.test(f.url) },
];

/** Node's own relaying: a sample whose leaf side is here stays here, whoever called it. */
const NODE_CORE = /^node:(_http_|http|net|stream|internal\/(http|stream|streams|net|js_stream|timers|process\/task_queues|async_hooks|async_context)|timers|events|internal\/event_target|buffer)/;
export const NODE_STEP = 'Node HTTP, sockets, streams, timers';
/** Node's socket code a database or bus driver called (a statement written): not the relaying, so not Node HTTP's. */
export const DRIVER_SOCKET_STEP = 'database and bus sockets (Node net code under pg, ioredis)';
const DRIVER = /\/node_modules\/(pg|pg-protocol|ioredis)\//;

export function stepOf(stack: CallFrame[]): string {
  // stack[0] is the leaf.
  const leaf = stack[0]!;
  if (leaf.functionName === '(garbage collector)') return 'GC';
  if (leaf.functionName === '(program)') return 'V8 / native (program)';
  let sawNode = false;
  let fallback: string | undefined;
  for (const frame of stack) {
    if (frame.url === '' || frame.url === undefined) continue;
    if (NODE_CORE.test(frame.url)) {
      sawNode = true;
      continue;
    }
    if (sawNode) return DRIVER.test(frame.url) ? DRIVER_SOCKET_STEP : NODE_STEP;
    for (const rule of STEPS) {
      if (!rule.match(frame)) continue;
      // A driver's frames go to the step that ran the statement, when one is further up.
      if (rule.step === STORAGE_STEP) {
        fallback ??= STORAGE_STEP;
        break;
      }
      return rule.step;
    }
  }
  return fallback ?? (sawNode ? NODE_STEP : 'other');
}

