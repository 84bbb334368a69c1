/**
 * One scenario (SendMessage or SendStreamingMessage) across the selected
 * targets: start each in its own process, verify one real answer, warm up,
 * measure, stop. A target that fails any step gets a row with the reason
 * instead of figures, and the others still run.
 */
import type { BenchOptions } from './bench-options.js';
import { isCleanRun, measure } from './load.js';
import { computeRatios, scenarioLabel } from './report.js';
import type { Log, ScenarioReport, ScenarioRow } from './report.js';
import { TARGETS, withTarget } from './target-process.js';
import type { TargetId } from './target-process.js';
import type { ScenarioName } from './target-protocol.js';
import { verifySendMessage, verifyStreaming } from './verify-target.js';
import { measureGrpc, verifyGrpcSendMessage } from './grpc-load.js';

/** Options for {@link runScenario}. */
export interface RunScenarioOptions {
  scenario: ScenarioName;
  options: Readonly<BenchOptions>;
  /** Parent folder for per-target data directories (the agentmesh SQLite file). */
  dataRoot: string;
  log: Log;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Starts the SDK target only to capture the bytes of one SendMessage answer. */
async function captureSdkBody({ dataRoot }: { dataRoot: string }): Promise<string> {
  return withTarget({ id: 'b', scenario: 'sendmessage', dataRoot }, async (target) => (await verifySendMessage({ url: target.url })).body);
}

async function benchTarget({
  id,
  scenario,
  options,
  dataRoot,
  fixedBody,
  log,
  onSdkBody,
}: RunScenarioOptions & { id: TargetId; fixedBody?: string; onSdkBody: (body: string) => void }): Promise<ScenarioRow> {
  const info = TARGETS[id];
  const row: ScenarioRow = { target: id, name: info.name };
  if (id === 'a' && fixedBody === undefined) {
    row.failure = 'no fixed body: the sdk target did not produce a SendMessage answer to copy';
    return row;
  }
  try {
    await withTarget({ id, scenario, dataRoot, ...(fixedBody === undefined ? {} : { fixedBody }) }, async (target) => {
      if (scenario === 'grpc-send') {
        const sample = await verifyGrpcSendMessage({ target: target.url });
        row.verified = `${sample.bytes} B`;
        log(`  ${info.name}: gRPC check OK, completed task with one text artifact, ${sample.bytes} B`);
      } else if (scenario === 'streaming') {
        const sample = await verifyStreaming({ url: target.url });
        row.verified = `${sample.eventCount} events`;
        log(`  ${info.name}: stream check OK, ${sample.eventCount} data: events (${sample.kinds.join(', ')}), ${sample.bytes} B`);
      } else {
        const sample = await verifySendMessage({ url: target.url });
        row.verified = `${sample.bytes} B`;
        if (id === 'b') onSdkBody(sample.body);
        log(`  ${info.name}: check OK, completed task with one text artifact, ${sample.bytes} B`);
      }
      log(`  ${info.name}: warm-up ${options.warmupS} s, then ${options.durationS} s at ${options.connections} connections…`);
      const shape = { connections: options.connections, warmupS: options.warmupS, durationS: options.durationS, cpuMicros: () => target.cpuMicros() };
      row.load = scenario === 'grpc-send' ? await measureGrpc({ target: target.url, ...shape }) : await measure({ url: target.url, scenario, ...shape });
      const { load } = row;
      if (!isCleanRun(load)) {
        row.failure = `${load.errors} errors (${load.timeouts} timeouts), ${load.non2xx} non-2xx, ${load.mismatches} bad bodies: not a result`;
      }
      log(`  ${info.name}: ${load.requestsPerSec.toFixed(0)} req/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms, ${load.cpuMicrosPerRequest?.toFixed(0) ?? '?'} µs CPU per request`);
    });
  } catch (err) {
    row.failure = message(err);
    log(`  ${info.name}: FAILED: ${row.failure}`);
  }
  return row;
}

/**
 * Runs one scenario. For SendMessage the sdk target goes first so its answer
 * can become the bare target's fixed body; bare-http does not speak SSE, so
 * the streaming scenario compares sdk and agentmesh only.
 */
export async function runScenario(run: RunScenarioOptions): Promise<ScenarioReport> {
  const { scenario, options, dataRoot, log } = run;
  log(`${scenarioLabel(scenario)}:`);
  // bare-http speaks neither SSE nor gRPC: the streaming and gRPC scenarios compare sdk and agentmesh only.
  const wanted = (['b', 'a', 'c'] as const).filter((id) => options.targets.includes(id) && !(scenario !== 'sendmessage' && id === 'a'));
  let fixedBody: string | undefined;
  if (scenario === 'sendmessage' && wanted.includes('a') && !wanted.includes('b')) {
    try {
      fixedBody = await captureSdkBody({ dataRoot });
    } catch (err) {
      log(`  could not capture the sdk answer for bare-http: ${message(err)}`);
    }
  }
  const rows: ScenarioRow[] = [];
  for (const id of wanted) {
    rows.push(
      await benchTarget({
        ...run,
        id,
        ...(fixedBody === undefined ? {} : { fixedBody }),
        onSdkBody: (body) => {
          fixedBody = body;
        },
      }),
    );
  }
  rows.sort((x, y) => x.target.localeCompare(y.target));
  return { scenario, rows, ratios: computeRatios(rows) };
}
