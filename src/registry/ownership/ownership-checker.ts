import type { Logger } from '../../observability/index.js';
import { cardToJsonText, type AgentRecord, type RegistryChange } from '../../contracts/registry/index.js';
import type { RegistryStore } from '../store/registry-store.js';
import { nextCheckIn, ownershipAfterCheck } from './ownership-state.js';
import { verifyOwnership, type OwnershipVerifierOptions } from './ownership-verifier.js';

/** How often claims are checked; durations in ms. */
export interface OwnershipSchedule {
  /** A verified (or refused) claim is checked again after this long. */
  recheckIntervalMs: number;
  /** A claim whose check could not complete is checked again after this long. */
  retryIntervalMs: number;
  /** How often a replica looks for claims due. */
  sweepIntervalMs: number;
}

/** Options of {@link OwnershipChecker}. */
export interface OwnershipCheckerOptions {
  store: RegistryStore;
  verifier: OwnershipVerifierOptions;
  schedule: OwnershipSchedule;
  logger: Logger;
  /** Applies the changes a verdict wrote to this replica and announces them. */
  onChanges: (changes: RegistryChange[]) => void;
}

/** Claims checked per sweep, and at once. */
const BATCH = 32;
const CONCURRENCY = 4;
/** How long a claimed check is this replica's before another may take it, ms: longer than a check takes (a DNS timeout and two fetches). */
const CLAIM_MS = 120_000;

/**
 * Checks ownership claims (docs/registry.md#ownership-verification): the
 * claim a write made or changed at once (`kick`), every claim again on a
 * schedule, and one when asked (`checkNow`). Replicas share the work as
 * they share probes: a check is claimed in the database first. A verdict is
 * written only when it differs from the record's (a claim confirmed every
 * hour does not change the record every hour), and only to the record it
 * was reached for: one whose card or claim changed meanwhile is checked
 * again instead.
 */
export class OwnershipChecker {
  readonly #o: OwnershipCheckerOptions;
  readonly #inFlight = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: OwnershipCheckerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer = setInterval(() => this.#background(this.runOnce()), this.#o.schedule.sweepIntervalMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Checks the claims due now (a sweep). */
  async runOnce(): Promise<void> {
    if (this.#closed) return;
    const names = await this.#o.store.claimOwnershipChecks(BATCH, CLAIM_MS);
    let next = 0;
    const worker = async () => {
      while (next < names.length && !this.#closed) {
        const name = names[next++]!;
        await this.#checkOne(name).catch((err: unknown) => this.#failed(err, name));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, names.length) }, worker));
  }

  /** A write made or changed `name`'s claim: checked now, in the background, unless another replica took it. */
  kick(name: string): void {
    if (this.#closed) return;
    this.#background(
      (async () => {
        const [claimed] = await this.#o.store.claimOwnershipChecks(1, CLAIM_MS, { only: name });
        if (claimed !== undefined) await this.#checkOne(claimed);
      })(),
      name,
    );
  }

  /** Checks `name`'s claim now, due or not, and answers the record after it (undefined: no such agent). */
  async checkNow(name: string): Promise<AgentRecord | undefined> {
    await this.#o.store.claimOwnershipChecks(1, CLAIM_MS, { only: name, force: true });
    return this.#track(this.#checkOne(name));
  }

  async #checkOne(name: string): Promise<AgentRecord | undefined> {
    const record = await this.#o.store.getAgent(name);
    const claim = record?.metadata.ownership;
    const held = record?.ownership;
    if (record === undefined || claim === undefined || held === undefined) return record;
    const verdict = await verifyOwnership(this.#o.verifier, record, claim, held.token);
    const { record: after, changes } = await this.#o.store.writeAgent(name, (current, now) => {
      if (current?.ownership === undefined) return undefined;
      // The card or the claim changed while the check ran: the verdict is of another record, whose own check is due now.
      const same = current.ownership.token === held.token && cardToJsonText(current.card) === cardToJsonText(record.card) && current.cardUrl === record.cardUrl && JSON.stringify(current.metadata.ownership) === JSON.stringify(claim);
      if (!same) return { record: current, kind: 'updated', ownershipCheckAt: now };
      const ownership = ownershipAfterCheck(current.ownership, verdict, now);
      const ownershipCheckAt = now + nextCheckIn(verdict.status, this.#o.schedule);
      if (ownership === undefined) return { record: current, kind: 'updated', ownershipCheckAt };
      return {
        record: { ...current, ownership, revision: current.revision + 1, updatedAt: new Date(now).toISOString() },
        kind: 'updated',
        detail: { ownership: ownership.status, ...(ownership.method !== undefined && { method: ownership.method }) },
        ownershipCheckAt,
      };
    });
    this.#o.onChanges(changes);
    if (changes.length > 0) this.#o.logger.info({ agent: name, domain: claim.domain, status: verdict.status, method: verdict.method, reason: verdict.reason }, 'ownership claim checked');
    return after;
  }

  #failed(err: unknown, agent?: string): void {
    this.#o.logger.warn({ err, ...(agent !== undefined && { agent }) }, 'checking ownership claims failed; they are tried again at the next sweep');
  }

  /** Work nobody awaits: tracked for close(), its failure logged. */
  #background(work: Promise<unknown>, agent?: string): void {
    void this.#track(work).catch((err: unknown) => this.#failed(err, agent));
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    void work.then(
      () => this.#inFlight.delete(work),
      () => this.#inFlight.delete(work),
    );
    return work;
  }
}
