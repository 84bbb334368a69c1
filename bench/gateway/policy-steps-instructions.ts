/**
 * Instructions per call of the gateway's heaviest policy steps alone, counted
 * by valgrind's callgrind: `node dist/bench/gateway/policy-steps-instructions.js`.
 *
 * Why: a step costs ~5-10 µs of a ~60 µs call, at the resolution of the
 * timeline's marks and well inside the load's spread on a shared host.
 * Instructions are the same whatever else runs, and a step run alone shows
 * its own, apart from the rest of the call's.
 *
 * How: a child process (under `valgrind --tool=callgrind`, node
 * `--single-threaded`: V8 compiles hot code in the warm-up's turn, not on a
 * thread whose work would land in a measured block) builds the step's
 * inputs as the gateway does for the bench's call (`instructions-per-call.ts`:
 * a JSON-RPC SendMessage, one text part, to the bench agent whose skill
 * declares an input schema; every policy on, PII `log`), runs the step
 * `--warmup W` times, then five blocks of `--calls N` calls, each
 * after a full collection and between `callgrind_control -z` and `-d`: the
 * median block's instructions per call is the figure (a block that met a
 * major collection or a late compile is an outlier; the IPC around a block
 * is ~0.5 M instructions, under 1% of a block of 8,000 calls). The steps:
 * - `authorize`: `authorizeStep` (the tenant, the scopes, the call's terms: its skill and price);
 * - `validate`: `validateStep` (the A2A params, the skill input);
 * - `pii`: `piiStep` (the policy of the call, the scan);
 * - `reserve`: `reserveStep` on leased credit holds (SQLite ledger), each
 *   call's hold refunded after it (a lease's refund writes nothing; a
 *   settlement's batch write is the settle's cost, not the reserve's), each
 *   call with a messageId of its own (a repeated one holds again as a retry);
 * - `policies`: `policyStep` with 20 policies loaded (`bench-policies.ts`, docs/policies.md): 10 name
 *   other agents (the index passes them over), 10 cover the bench's call and are decided on it;
 * - `policies-counters`: the same 20 and one more that reads a session counter (in memory), so
 *   the call is counted and its counters read;
 * - `none`: no step, the loop and the call object alone: the floor under the others.
 * Options: `--steps validate,pii,reserve,none` (the default; `authorize`, `policies`, `policies-counters` too when named), `--calls N` (default 8000),
 * `--warmup W` (default 20000), `--text "…"` (the message's
 * text; default the bench's `score lead 42`), `--rounds R` (default 1).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CreditHolds } from '../../src/gateway/credits/index.js';
import { callgrindControl, lastDumpFile, lastDumpTotal } from './callgrind-control.js';

type Step = 'authorize' | 'validate' | 'pii' | 'reserve' | 'policies' | 'policies-counters' | 'none';
const STEPS: readonly Step[] = ['authorize', 'validate', 'pii', 'reserve', 'policies', 'policies-counters', 'none'];

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: 'validate,pii,reserve,none' },
    calls: { type: 'string', default: '8000' },
    warmup: { type: 'string', default: '20000' },
    text: { type: 'string', default: 'score lead 42' },
    rounds: { type: 'string', default: '1' },
    child: { type: 'string' },
    time: { type: 'boolean', default: false },
  },
});

if (values.child !== undefined) await child(values.child as Step, values.text);
else if (values.time) await timed();
else await parent();

/** `--time`: no valgrind; each step's wall time per call in this process (moves with the load: a quick look only). */
async function timed(): Promise<void> {
  for (const step of values.steps.split(',') as Step[]) {
    const run = await stepRunner(step, values.text);
    await run(Number(values.warmup), true);
    const start = process.hrtime.bigint();
    await run(Number(values.calls), false);
    console.log(`${step}: ${(Number(process.hrtime.bigint() - start) / Number(values.calls)).toFixed(0)} ns per call`);
  }
}

async function parent(): Promise<void> {
  const steps = values.steps.split(',') as Step[];
  for (const step of steps) if (!STEPS.includes(step)) throw new Error(`unknown step ${step} (${STEPS.join(', ')})`);
  const calls = Number(values.calls);
  const warmup = Number(values.warmup);
  const dir = await mkdtemp(join(tmpdir(), 'policy-steps-'));
  try {
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const step of steps) {
        const perCall = await measure(step, dir, calls, warmup);
        console.log(`${step}: ${(perCall / 1000).toFixed(2)} k instructions per call (${calls} calls after ${warmup}, text ${JSON.stringify(values.text)})`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(step: Step, dir: string, calls: number, warmup: number): Promise<number> {
  const base = `${step.replace('+', '-')}.cg`;
  const out = join(dir, base);
  const script = fileURLToPath(import.meta.url);
  const proc = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}.%p`, '--dump-instr=no', process.execPath, '--single-threaded', '--expose-gc', script, '--child', step, '--text', values.text], { stdio: ['ignore', 'inherit', 'ignore', 'ipc'] });
  // One watcher of the child's exit for all its questions: one per question would pile up listeners.
  const exited = once(proc, 'exit').then(() => [{ type: 'exit' }]);
  const ask = async (message: Record<string, unknown>): Promise<void> => {
    proc.send(message);
    const [answer] = (await Promise.race([once(proc, 'message'), exited])) as [{ type: string }];
    if (answer.type !== 'done') throw new Error(`the ${step} child ${answer.type === 'exit' ? 'exited' : `answered ${answer.type}`}`);
  };
  await ask({ type: 'run', calls: warmup, warmup: true });
  const totals: number[] = [];
  for (let block = 0; block < 5; block++) {
    const n = calls;
    // A full collection before each block, uncounted: a block pays for its own garbage, not the one before's.
    await ask({ type: 'gc', calls: 0 });
    await callgrindControl(proc.pid!, '-z');
    await ask({ type: 'run', calls: n });
    await callgrindControl(proc.pid!, '-d');
    totals.push(await lastDumpTotal(dir, `${base}.${proc.pid}`));
    // Each block's dump read once: the next block's is then the newest.
    await rm(await lastDumpFile(dir, `${base}.${proc.pid}`));
  }
  proc.kill();
  await exited;
  // The median block's count per call: a block that met a major collection or a late compile is an outlier, not the figure.
  const perCall = totals.map((total) => total / calls);
  if (process.env['POLICY_STEPS_DEBUG']) console.log(step, perCall.map((n) => Math.round(n)));
  return perCall.sort((a, b) => a - b)[2]!;
}

/** The step's call, as the gateway builds it for the bench's request, run on demand. */
async function child(step: Step, text: string): Promise<void> {
  const run = await stepRunner(step, text);
  process.on('message', (m: { type: string; calls: number; warmup?: boolean }) => {
    if (m.type === 'gc') {
      globalThis.gc?.();
      process.send!({ type: 'done' });
      return;
    }
    if (m.type !== 'run') return;
    // After the warm-up, a pause: V8's compiler threads finish their jobs before the counting starts, not inside it.
    void run(m.calls, m.warmup === true)
      .then(() => (m.warmup === true ? new Promise((resolve) => setTimeout(resolve, 3000)) : undefined))
      .then(() => process.send!({ type: 'done' }));
  });
}

async function stepRunner(step: Step, text: string): Promise<(calls: number, warmup?: boolean) => Promise<void>> {
  const { classifyA2aRequest } = await import('../../src/gateway/policy/a2a-operation.js');
  const { createLogger, createMetrics } = await import('../../src/observability/index.js');
  const logger = createLogger({ level: 'silent' });
  const metrics = createMetrics({ defaultMetrics: false });
  // The bench agent's record as the gateway holds it: one skill, its input schema declared, one credit a call.
  const inputSchema = { type: 'string', minLength: 1, maxLength: 1000 };
  const record = {
    card: { name: 'bench', description: 'Benchmark agent', version: '1.0.0', capabilities: { streaming: true }, skills: [{ id: 'echo', name: 'echo', description: 'Answers with one text artifact', tags: [] }] },
    metadata: { skills: { echo: { inputSchema, pricing: { creditsPerCall: 1 } } } },
  };
  const principal = Object.freeze({ kind: 'client', subject: 'bench-client', tenant: 'bench-tenant', clientId: 'bench-client', scopes: ['a2a', 'a2a:message:send'] });
  const terms = { skill: 'echo', milliCredits: 1000, scopes: [] };
  // Bodies parsed ahead, one per call: each call's messageId is its own, as the bench's are.
  const POOL = step === 'reserve' ? 65_536 : 4096;
  const bodies = Array.from({ length: POOL }, (_, i) => JSON.parse(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'SendMessage', params: { message: { messageId: `instr-${process.pid}-${i}`, role: 'ROLE_USER', parts: [{ text }] } } })) as unknown);
  const readings = bodies.map((body) => classifyA2aRequest('POST', '/', body, '1.0'));
  let serial = 0;
  const callOf = (i: number) => {
    if (step === 'reserve' && i >= POOL) throw new Error(`--warmup and 5 × --calls must stay under ${POOL}: each reserve has a messageId of its own`);
    const k = i % POOL;
    return { reading: readings[k]!, call: readings[k]!, body: bodies[k], a2aVersion: '1.0', route: { record }, principal, agent: 'bench', terms, audit: {} as Record<string, unknown>, bytes: undefined as unknown, reservationKey: undefined as string | undefined };
  };
  // Only what the step needs is loaded: under valgrind each module costs seconds.
  let runStep: (c: never, d: never) => Promise<void> | undefined | void;
  let holds: CreditHolds | undefined;
  const deps: Record<string, unknown> = { logger, metrics: { piiMatches: metrics.counter('pii_matches_total', 'bench', ['kind', 'action']) } };
  if (step === 'none') {
    runStep = () => undefined;
  } else if (step === 'authorize') {
    runStep = (await import('../../src/gateway/proxy/authorize-step.js')).authorizeStep;
  } else if (step === 'validate') {
    const { createRequestValidator } = await import('../../src/gateway/policy/request-validation.js');
    runStep = (await import('../../src/gateway/proxy/validate-step.js')).validateStep;
    deps['validator'] = createRequestValidator();
  } else if (step === 'pii') {
    const { PiiPolicies, piiConfigSchema } = await import('../../src/gateway/policy/pii-policy.js');
    runStep = (await import('../../src/gateway/proxy/pii-step.js')).piiStep;
    deps['pii'] = { policies: new PiiPolicies(piiConfigSchema.parse({ default: { action: 'log' } })), limits: { maxDepth: 32, maxChars: 1_048_576 } };
  } else if (step === 'policies' || step === 'policies-counters') {
    runStep = (await import('../../src/gateway/proxy/policy-step.js')).policyStep;
    const { benchPolicies } = await import('./bench-policies.js');
    deps['policies'] = await benchPolicies(step === 'policies-counters');
  } else {
    runStep = (await import('../../src/gateway/proxy/reserve-step.js')).reserveStep;
    const { LeasedCreditHolds, meteredCreditHolds } = await import('../../src/gateway/credits/index.js');
    const { ChargedMessages } = await import('../../src/gateway/charged-messages.js');
    const { createDatabase } = await import('../../src/storage/index.js');
    const { createCreditLedger } = await import('../../src/tenancy/index.js');
    const database = await createDatabase({ sqlitePath: join(await mkdtemp(join(tmpdir(), 'policy-steps-db-')), 'mesh.db') });
    const ledger = createCreditLedger({ database, logger, metrics });
    await ledger.topUp('bench-tenant', 1_000_000_000_000, 'bench');
    holds = meteredCreditHolds(new LeasedCreditHolds({ ledger, logger, leaseCalls: 100_000 }), metrics);
    deps['credits'] = holds;
    deps['charged'] = new ChargedMessages();
  }
  return async (calls) => {
    for (let i = 0; i < calls; i++) {
      const c = callOf(serial++) as never as { reservationKey: string | undefined };
      const pending = runStep(c as never, deps as never);
      if (pending !== undefined) await pending;
      if (c.reservationKey !== undefined) await holds!.refund(c.reservationKey, 'bench');
    }
  };
}
