import { ErrorCodes, isAgentmeshError, Errors, invalidArgument, requireOneOf } from '../protocol/index.js';
import type { Logger, Metrics } from '../observability/index.js';
import type { Bus, Database } from '../storage/index.js';
import { checkMilliCredits, MAX_TOPUP_MILLI_CREDITS } from './amounts.js';
import { LedgerMetrics } from './ledger-metrics.js';
import type { CreditBalance, LowBalance, LowBalanceEvent, ReconcileReport, Reservation, ReserveInput, Settlement, TopUp, UsageQuery, UsageRow } from './ledger-types.js';
import { LowBalanceNotifier } from './low-balance.js';
import { reconcileFigures } from './reconcile.js';
import { createLedgerStore } from './store/create-ledger-store.js';
import type { BalanceMove, LeaseSpend, LedgerStore } from './store/ledger-store.js';
import type { BalanceRow, ReservationRow } from './store/rows.js';
import { dayString, usageGrouping, usageWindow } from './usage-window.js';
import { checkTenant, checkText } from './validation.js';

/** Options of {@link createCreditLedger}. */
export interface CreditLedgerOptions {
  database: Database;
  logger: Logger;
  metrics: Metrics;
  /** When given, low-balance events are also published on `agentmesh.tenancy.low-balance`. */
  bus?: Bus | undefined;
  /** Default low-balance threshold, milli-credits; a tenant's own threshold wins. Default 0: no alerts. */
  lowBalanceMilliCredits?: number | undefined;
  /** Tenants that get their own metric label in this process; later ones count as `other`. Default 100. */
  maxTenantLabels?: number | undefined;
}

/** The credit ledger: balances, holds and their settlement, top-ups, usage, reconciliation. */
export interface CreditLedger {
  /**
   * Holds `milliCredits` of the tenant's available balance for one call.
   * Idempotent by `key`: a retry returns the same reservation (`replayed: true`)
   * and never charges twice, even if it asks for another amount (the first
   * wins). A reservation that was refunded charged nothing, so a retry under
   * its key holds again (the call may run this time; `replayed: false`). A key
   * already used by another tenant is refused. Throws
   * AM_ERR_TENANCY_INSUFFICIENT_CREDITS (HTTP 402, details: tenant, balance,
   * needed) when the available balance is short; nothing is written then.
   */
  reserve(input: ReserveInput): Promise<Reservation>;
  /**
   * Settles the reservation at `milliCredits` actually used. The charge is
   * capped at the hold (the amount the tenant agreed to when the call was
   * admitted); the rest of the hold goes back to available. Idempotent: a
   * closed reservation (settled or refunded) never moves again, and the call
   * returns its first outcome with `replayed: true`.
   */
  settle(key: string, milliCredits: number, info?: { state?: string | undefined }): Promise<Settlement>;
  /**
   * Releases the whole hold (cancel, failure). Idempotent. A refund after a
   * settle is refused: nothing moves, and the settlement is returned
   * (`status: 'settled'`, `replayed: true`); corrections are top-ups.
   */
  refund(key: string, reason: string): Promise<Settlement>;
  /**
   * Releases one tenant's hold by key (an operator's `agentmesh credits
   * release`): a refund with `reason`, audited by the caller. A key of another
   * tenant, or no reservation, is AM_ERR_TENANCY_INVALID_ARGUMENT; an already
   * closed reservation returns its outcome (`replayed: true`).
   */
  release(tenant: string, key: string, reason: string): Promise<Settlement>;
  /** The tenant's reservations still held, oldest first (at most `limit`, default 100, max 1000). */
  holds(tenant: string, limit?: number): Promise<Reservation[]>;
  /**
   * The hold-expiry policy (docs/credits.md "Holds that never end"): refunds
   * every reservation held longer than `maxHoldMs` at `now` (a task abandoned
   * in input-required, a gateway that lost track of it), at most `limit`
   * (default 500) per call, each logged; returns the refunds made now.
   */
  expireHolds(options: { now: number; maxHoldMs: number; limit?: number | undefined }): Promise<Settlement[]>;
  /**
   * Settles many calls held in memory against one lease (a reservation of a
   * block of the tenant's balance taken by a gateway replica) in one
   * transaction, each with its own settled row and journal entry (usage and
   * reconcile stay per call). Returns per spend whether it charged: a key
   * already used (a retry settled by another replica) charges nothing. A
   * lease that is no longer held charges the available balance when it can.
   */
  spendLease(leaseKey: string, spends: readonly LeaseSpend[]): Promise<{ charged: boolean[]; leaseHeld: number | undefined }>;
  /** Moves one call's hold out of a lease into a reservation of its own under `input.key` (its task outlives the call). */
  carveLease(leaseKey: string, input: ReserveInput): Promise<Reservation>;
  /** Moves a reservation to a new key (the task id became known). Already moved: no-op; new key taken: refused. */
  rekey(oldKey: string, newKey: string): Promise<void>;
  /** The tenant's balance; a tenant that never had credits has zeros. */
  balance(tenant: string): Promise<CreditBalance>;
  /** The tenant's balance, or undefined when it has no account: no credits were ever added to it. */
  findBalance(tenant: string): Promise<CreditBalance | undefined>;
  /** Adds credits once per `reference`; a retry with the same reference, tenant and amount returns the first top-up. */
  topUp(tenant: string, milliCredits: number, reference: string): Promise<TopUp>;
  /** What settled calls charged, grouped by agent, skill and/or UTC day (no grouping: one total row). */
  usage(query: UsageQuery): Promise<UsageRow[]>;
  /** Recomputes every balance from the journal and compares with the tables: zero discrepancies expected. */
  reconcile(): Promise<ReconcileReport>;
  /** Sets (or with null clears) a tenant's own low-balance threshold, milli-credits. */
  setLowBalanceThreshold(tenant: string, milliCredits: number | null): Promise<CreditBalance>;
  /**
   * The tenants whose available balance is under their low-balance threshold
   * (their own, else the ledger's default), lowest first, at most `limit`
   * (default 100, max 1000); only `tenant`'s when given (none: not low).
   */
  lowBalances(options?: { tenant?: string | undefined; limit?: number | undefined }): Promise<LowBalance[]>;
  /** Calls `listener` each time a tenant falls below its threshold (once per crossing); returns the unsubscriber. */
  onLowBalance(listener: (event: LowBalanceEvent) => void): () => void;
}

const DEFAULT_MAX_TENANT_LABELS = 100;

/**
 * Creates the credit ledger over the shared database (SQLite or PostgreSQL):
 * a double-entry journal with a balance table kept in step, holds that never
 * overdraw under concurrency, and idempotent operations.
 *
 * @example
 * const ledger = createCreditLedger({ database, logger, metrics, bus, lowBalanceMilliCredits: 10_000 });
 * await ledger.topUp('acme', 50_000, 'invoice-2026-08');
 * const cost = estimateCost(record.metadata.skills?.enrichLeads?.pricing, input);
 * await ledger.reserve({ tenant: 'acme', key: `acme:enricher:${messageId}`, milliCredits: cost, agent: 'enricher', skill: 'enrichLeads' });
 * await ledger.rekey(`acme:enricher:${messageId}`, `enricher:${taskId}`);
 * await ledger.settle(`enricher:${taskId}`, reportedUsage ?? cost, { state: 'TASK_STATE_COMPLETED' });
 */
export function createCreditLedger(options: CreditLedgerOptions): CreditLedger {
  const threshold = options.lowBalanceMilliCredits ?? 0;
  const maxLabels = options.maxTenantLabels ?? DEFAULT_MAX_TENANT_LABELS;
  if (!Number.isSafeInteger(threshold) || threshold < 0) {
    throw Errors.optionNotNonNegativeInteger({ option: 'lowBalanceMilliCredits', given: String(JSON.stringify(options.lowBalanceMilliCredits)) });
  }
  if (!Number.isSafeInteger(maxLabels) || maxLabels < 0) {
    throw Errors.optionNotNonNegativeInteger({ option: 'maxTenantLabels', given: String(JSON.stringify(options.maxTenantLabels)) });
  }
  const log = options.logger.child({ module: 'tenancy' });
  const metrics = new LedgerMetrics(options.metrics, maxLabels);
  const notifier = new LowBalanceNotifier({ bus: options.bus, log, metrics });
  const store = createLedgerStore(options.database, threshold);

  /** After commit: the balance gauge and the low-balance event. */
  const afterMove = (move: BalanceMove) => {
    if (move.balance) metrics.available(move.balance.tenant, move.balance.available);
    if (move.crossing) notifier.emit(move.crossing);
  };

  const ledger: CreditLedger = {
    async reserve(input) {
      const checked = checkReserveInput(input);
      let result: Awaited<ReturnType<LedgerStore['reserve']>>;
      try {
        result = await store.reserve(checked, Date.now());
      } catch (err) {
        if (isAgentmeshError(err) && err.code === ErrorCodes.TENANCY_INSUFFICIENT_CREDITS) metrics.reserved(checked.tenant, checked.milliCredits, 'insufficient');
        throw err;
      }
      metrics.reserved(checked.tenant, checked.milliCredits, result.created ? 'held' : 'replayed');
      afterMove(result);
      return reservationView(result.row, !result.created);
    },

    async settle(key, milliCredits, info = {}) {
      checkText('key', key, 512);
      checkMilliCredits('milliCredits', milliCredits);
      const state = info.state === undefined ? undefined : checkText('state', info.state, 64);
      const result = await store.close(key, { kind: 'settle', requested: milliCredits, state }, Date.now());
      if (result.closed) {
        const held = result.row.held;
        const charged = result.row.charged ?? 0;
        metrics.settled(result.row.tenant, charged, held - charged, Math.max(0, milliCredits - held));
        if (milliCredits > held) log.info({ key, tenant: result.row.tenant, agent: result.row.agent, held, requested: milliCredits }, 'settle asked for more than the hold; charged the hold');
      }
      afterMove(result);
      return settlementView(result.row, !result.closed);
    },

    async refund(key, reason) {
      checkText('key', key, 512);
      checkText('reason', reason, 500);
      const result = await store.close(key, { kind: 'refund', reason }, Date.now());
      if (result.closed) metrics.refunded(result.row.tenant, result.row.held);
      afterMove(result);
      return settlementView(result.row, !result.closed);
    },

    async release(tenant, key, reason) {
      checkTenant(tenant);
      checkText('key', key, 512);
      checkText('reason', reason, 500);
      // Another tenant's key reads as no reservation at all: the route names the tenant it may touch.
      const row = await store.reservation(key);
      if (row === undefined || row.tenant !== tenant) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'key', `${JSON.stringify(key)} names no reservation of tenant ${tenant}`);
      const settlement = await ledger.refund(key, reason);
      if (!settlement.replayed) log.warn({ key, tenant, heldMilliCredits: settlement.heldMilliCredits, reason }, 'credit hold released by an operator');
      return settlement;
    },

    async holds(tenant, limit = 100) {
      checkTenant(tenant);
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'limit', 'must be an integer from 1 to 1000');
      return (await store.held({ tenant }, limit)).map((row) => reservationView(row, false));
    },

    async expireHolds({ now, maxHoldMs, limit = 500 }) {
      if (!Number.isSafeInteger(maxHoldMs) || maxHoldMs < 1) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'maxHoldMs', 'must be a positive integer (milliseconds)');
      const stale = await store.held({ createdBefore: now - maxHoldMs }, limit);
      const expired: Settlement[] = [];
      for (const row of stale) {
        const reason = `expired: held longer than the ${maxHoldMs} ms maximum`;
        const result = await store.close(row.key, { kind: 'refund', reason }, now);
        afterMove(result);
        // Settled or refunded in between (its task ended): nothing expired.
        if (!result.closed) continue;
        metrics.refunded(result.row.tenant, result.row.held);
        log.warn({ key: row.key, tenant: row.tenant, agent: row.agent, skill: row.skill, heldMilliCredits: row.held, heldForMs: now - row.created_at, maxHoldMs }, 'credit hold expired: refunded');
        expired.push(settlementView(result.row, false));
      }
      return expired;
    },

    async spendLease(leaseKey, spends) {
      checkText('leaseKey', leaseKey, 512);
      const result = await store.spendLease(leaseKey, spends, Date.now());
      // Summed per run of one tenant (a lease's batch is one tenant's): counted per batch, not per call.
      let tenant: string | undefined;
      let calls = 0;
      let held = 0;
      let charged = 0;
      let uncharged = 0;
      for (let i = 0; i < spends.length; i++) {
        if (!result.charged[i]) continue;
        const spend = spends[i]!;
        if (spend.tenant !== tenant) {
          if (tenant !== undefined) metrics.settledBatch(tenant, calls, held, charged, held - charged, uncharged);
          tenant = spend.tenant;
          calls = held = charged = uncharged = 0;
        }
        calls++;
        held += spend.held;
        charged += spend.charged;
        uncharged += Math.max(0, spend.requested - spend.held);
      }
      if (tenant !== undefined) metrics.settledBatch(tenant, calls, held, charged, held - charged, uncharged);
      if (result.lease === undefined || result.lease.status !== 'held') log.warn({ leaseKey, calls: spends.length }, 'settled calls against a credit lease that is no longer held: charged the available balance');
      afterMove(result);
      return { charged: result.charged, leaseHeld: result.lease?.status === 'held' ? result.lease.held : undefined };
    },

    async carveLease(leaseKey, input) {
      checkText('leaseKey', leaseKey, 512);
      const result = await store.carveLease(leaseKey, { ...input, key: checkText('key', input.key, 512) }, Date.now());
      return reservationView(result.row, !result.created);
    },

    async rekey(oldKey, newKey) {
      await store.rekey(checkText('oldKey', oldKey, 512), checkText('newKey', newKey, 512));
    },

    async balance(tenant) {
      checkTenant(tenant);
      return balanceView(tenant, await store.balance(tenant));
    },

    async findBalance(tenant) {
      checkTenant(tenant);
      const row = await store.balance(tenant);
      return row === undefined ? undefined : balanceView(tenant, row);
    },

    async lowBalances(options = {}) {
      if (options.tenant !== undefined) checkTenant(options.tenant);
      const limit = options.limit ?? 100;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw invalidArgument(ErrorCodes.TENANCY_INVALID_ARGUMENT, 'limit', 'must be an integer from 1 to 1000');
      const rows = await store.lowBalances(options.tenant, limit);
      return rows.map((row) => ({ ...balanceView(row.tenant, row), thresholdMilliCredits: row.low_balance_threshold ?? threshold }));
    },

    async topUp(tenant, milliCredits, reference) {
      checkTenant(tenant);
      checkMilliCredits('milliCredits', milliCredits, { min: 1, max: MAX_TOPUP_MILLI_CREDITS });
      checkText('reference', reference, 200);
      const result = await store.topUp(tenant, milliCredits, reference, Date.now());
      if (result.created) {
        metrics.toppedUp(tenant, milliCredits);
        log.info({ tenant, milliCredits, reference }, 'credits topped up');
      }
      afterMove(result);
      return {
        tenant,
        reference,
        milliCredits: result.row.amount,
        createdAt: new Date(result.row.created_at).toISOString(),
        replayed: !result.created,
        balance: balanceView(tenant, result.balance),
      };
    },

    async usage(query) {
      const tenant = checkTenant(query?.tenant);
      const groupBy = usageGrouping(query.groupBy);
      const window = usageWindow(query.from, query.to);
      const rows = await store.usage(tenant, window.from, window.to, groupBy);
      return rows
        .map((r) => ({ ...(r.agent !== undefined && { agent: r.agent }), ...(r.skill !== undefined && { skill: r.skill }), ...(r.day !== undefined && { day: dayString(r.day) }), milliCredits: r.milliCredits, calls: r.calls }))
        .sort((a, b) => compare(a.day, b.day) || compare(a.agent, b.agent) || compare(a.skill, b.skill));
    },

    async reconcile() {
      const report = reconcileFigures(await store.reconcileFigures());
      if (!report.ok) log.error({ discrepancies: report.discrepancies.slice(0, 20), count: report.discrepancies.length }, 'credit ledger does not reconcile');
      return report;
    },

    async setLowBalanceThreshold(tenant, milliCredits) {
      checkTenant(tenant);
      if (milliCredits !== null) checkMilliCredits('milliCredits', milliCredits);
      const move = await store.setThreshold(tenant, milliCredits, Date.now());
      afterMove(move);
      return balanceView(tenant, move.balance);
    },

    onLowBalance(listener) {
      return notifier.listen(listener);
    },
  };
  return ledger;
}

/** The reserve input checked field by field (AM_ERR_TENANCY_INVALID_ARGUMENT names the first bad one); what a hold in memory checks too. */
export function checkReserveInput(input: ReserveInput): ReserveInput {
  return {
    tenant: checkTenant(input?.tenant),
    key: checkText('key', input.key, 512),
    milliCredits: checkMilliCredits('milliCredits', input.milliCredits),
    agent: checkText('agent', input.agent),
    skill: checkText('skill', input.skill),
    clientId: input.clientId === undefined ? undefined : checkText('clientId', input.clientId),
  };
}

/** The statuses a stored reservation holds; any other is damage. */
const RESERVATION_STATUSES: ReadonlyArray<Reservation['status']> = ['held', 'settled', 'refunded'];

function reservationView(row: ReservationRow, replayed: boolean): Reservation {
  return {
    id: row.id,
    key: row.key,
    tenant: row.tenant,
    agent: row.agent,
    skill: row.skill,
    ...(row.client_id !== null && { clientId: row.client_id }),
    milliCredits: row.held,
    status: requireOneOf(RESERVATION_STATUSES, row.status, 'credit_reservations.status'),
    createdAt: new Date(row.created_at).toISOString(),
    replayed,
  };
}

function settlementView(row: ReservationRow, replayed: boolean): Settlement {
  const charged = row.charged ?? 0;
  return {
    key: row.key,
    tenant: row.tenant,
    agent: row.agent,
    skill: row.skill,
    status: row.status === 'settled' ? 'settled' : 'refunded',
    heldMilliCredits: row.held,
    chargedMilliCredits: charged,
    releasedMilliCredits: row.held - charged,
    ...(row.requested !== null && { requestedMilliCredits: row.requested }),
    ...(row.task_state !== null && { state: row.task_state }),
    ...(row.reason !== null && { reason: row.reason }),
    closedAt: new Date(row.closed_at ?? row.created_at).toISOString(),
    replayed,
  };
}

function balanceView(tenant: string, row: BalanceRow | undefined): CreditBalance {
  const available = row?.available ?? 0;
  const reserved = row?.reserved ?? 0;
  return { tenant, milliCredits: available + reserved, reservedMilliCredits: reserved, availableMilliCredits: available };
}

function compare(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
