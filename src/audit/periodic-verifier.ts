import type { Logger } from 'pino';
import type { Metrics } from '../observability/index.js';
import type { AuditAnchor, AuditVerifyResult } from '../contracts/audit/index.js';
import type { AuditVerifyOptions } from './chain-verifier.js';
import { integerOption } from './audit-options.js';

/** Options of {@link PeriodicAuditVerifier}. */
export interface PeriodicAuditVerifierOptions {
  /** What walks the chain (the audit log's `verify`). */
  verify: (options?: AuditVerifyOptions) => Promise<AuditVerifyResult>;
  metrics: Metrics;
  logger: Logger;
  /** Time between two runs, ms. */
  intervalMs: number;
  /** Every this many runs the whole chain is walked again; the others check only rows added since. Default 24. */
  fullEvery?: number;
}

/**
 * Verifies the audit chain on a timer and records the outcome, so an
 * alert (not only a person running `agentmesh audit verify`) notices a
 * modified, deleted or truncated row. The first run walks the whole chain;
 * later runs check the rows since the last tip, anchored on that tip (a
 * rewritten tip is caught), and every `fullEvery`-th run walks it all again.
 */
export class PeriodicAuditVerifier {
  readonly #o: PeriodicAuditVerifierOptions;
  readonly #fullEvery: number;
  readonly #runs;
  readonly #problems;
  readonly #lastRun;
  readonly #checked;
  #tip: AuditAnchor | undefined;
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: PeriodicAuditVerifierOptions) {
    integerOption('intervalMs', options.intervalMs, 1);
    this.#o = options;
    this.#fullEvery = options.fullEvery === undefined ? 24 : integerOption('fullEvery', options.fullEvery, 1);
    const { metrics } = options;
    this.#runs = metrics.counter('agentmesh_audit_verify_runs_total', 'Periodic audit chain verifications, by outcome (ok, problems, error)', ['outcome']);
    this.#problems = metrics.gauge('agentmesh_audit_verify_problems', 'Problems the last periodic verification found in the audit chain (modified, deleted, broken-link, truncated rows)');
    this.#lastRun = metrics.gauge('agentmesh_audit_verify_last_run_timestamp_seconds', 'When the last periodic verification ended (whatever its outcome), Unix seconds');
    this.#checked = metrics.counter('agentmesh_audit_verify_rows_checked_total', 'Audit rows the periodic verifications read and checked');
  }

  /** Runs once now, then every interval; timers do not keep the process alive. */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    void this.runOnce();
    this.#timer = setInterval(() => void this.runOnce(), this.#o.intervalMs);
    this.#timer.unref();
  }

  /** One verification (a run still going is awaited, not doubled). */
  runOnce(): Promise<void> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async #run(): Promise<void> {
    const full = this.#tip === undefined || this.#count % this.#fullEvery === 0;
    this.#count += 1;
    const tip = this.#tip;
    try {
      const result = await this.#o.verify(full || tip === undefined ? {} : { from: tip.seq, anchor: tip });
      this.#checked.inc(result.checked);
      this.#problems.set(result.problems.length);
      this.#runs.inc({ outcome: result.ok ? 'ok' : 'problems' });
      if (result.ok) {
        if (result.tip) this.#tip = result.tip;
      } else {
        // Keep the old tip: the next runs keep checking against it until someone looks.
        this.#o.logger.error({ problems: result.problems.slice(0, 10), total: result.problems.length }, 'the audit chain does not verify: see docs/runbooks.md#auditchainverificationfailing');
      }
    } catch (err) {
      this.#runs.inc({ outcome: 'error' });
      this.#o.logger.warn({ err }, 'the periodic audit verification could not run');
    } finally {
      this.#lastRun.set(Date.now() / 1000);
    }
  }
}
