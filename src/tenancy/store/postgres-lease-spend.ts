import type { PostgresPool } from 'kysely';
import { inPoolClient, intLiteral, statementRows, textLiteral, UnwritableLiteral, uuidv7 } from '../../storage/index.js';
import { assertBalanced, closePostings } from '../accounts.js';
import { crossingAfter } from '../low-balance.js';
import { settledReservation } from './ledger-core.js';
import type { LeaseSpend, SpendLeaseResult } from './ledger-store.js';
import { normalizeBalance, normalizeReservation, type BalanceRow, type ReservationRow } from './rows.js';

/** A key of a lease batch found in the ledger when the lease was locked: id, key, status. */
type TakenKey = [string, string, string];

const RESERVATION_COLUMNS = 'id, key, tenant, agent, skill, client_id, held, status, charged, requested, task_state, reason, created_at, closed_at';

/** PostgreSQL's unique_violation: a key settled by another replica between the lock and the insert. */
const UNIQUE_VIOLATION = '23505';
/** PostgreSQL's division_by_zero: how the batch's text fails on a tenant without a balance row (`1 / count(*)`). */
const DIVISION_BY_ZERO = '22012';

/**
 * The usual lease batch (ADR 0052, ADR 0022's literals) in two round trips
 * instead of six: `begin` with the lease's lock and the lookup of the
 * batch's keys; then the settled rows, one journal entry with its postings
 * per agent, the lease and balance lowered with the low-balance flag
 * decided in the same statement, and `commit`, as one multi-statement query
 * (ADR 0068). The tenant's balance row is locked only by that last text, so
 * no other replica's batch waits on it across a round trip. Each value is
 * written as a literal, which costs less than binding fifteen parameters a
 * row through Kysely.
 *
 * Undefined, with nothing written, for every batch the general path must
 * answer: the lease gone or not held, a key of the batch already in the
 * ledger (a retry settled, or refunded, on another replica), a value no
 * literal can carry, or a key another replica settled between the lock and
 * the insert (the insert then fails on the key's uniqueness and the
 * transaction is rolled back). The caller runs that path, whose outcome is
 * the one this batch would have had.
 */
export async function spendHeldLeaseFast(pool: PostgresPool, leaseKey: string, spends: readonly LeaseSpend[], now: number, defaultThreshold: number): Promise<SpendLeaseResult | undefined> {
  let keysText: string;
  try {
    keysText = `array[${[...new Set(spends.map((s) => s.key))].map(textLiteral).join(', ')}]::text[]`;
    textLiteral(leaseKey);
  } catch (err) {
    if (err instanceof UnwritableLiteral) return undefined;
    throw err;
  }
  try {
    return await inPoolClient(pool, async (client) => {
      // The batch's keys looked up one index probe each: `key = any(…)` over the table was planned as a sequential
      // scan of every settled row while the table was young (a few thousand rows; ADR 0068).
      const lock = statementRows(
        await client.query(
          `begin; select *, (select coalesce(json_agg(json_build_array(x.id, x.key, x.status)), '[]'::json) from unnest(${keysText}) k(key) cross join lateral (select id, key, status from credit_reservations x where x.key = k.key limit 1) x) as taken_keys from credit_reservations where key = ${textLiteral(leaseKey)} for update`,
          [],
        ),
      ).at(-1)?.[0] as (ReservationRow & { taken_keys: TakenKey[] }) | undefined;
      if (lock === undefined || lock.status !== 'held' || lock.taken_keys.length > 0) throw new NotTheUsualBatch();
      const { taken_keys: _taken, ...found } = lock;
      const lease = normalizeReservation(found);
      const charged: boolean[] = spends.map(() => false);
      const rows: string[] = [];
      const byAgent = new Map<string, number>();
      const seen = new Set<string>();
      let left = lease.held;
      let spent = 0;
      for (const [i, spend] of spends.entries()) {
        // Twice in this batch: charged once.
        if (seen.has(spend.key)) continue;
        seen.add(spend.key);
        const c = Math.min(spend.charged, left);
        rows.push(reservationLiteral(settledReservation(spend, uuidv7(), c, now)));
        charged[i] = true;
        left -= c;
        if (c <= 0) continue;
        spent += c;
        byAgent.set(spend.agent, (byAgent.get(spend.agent) ?? 0) + c);
      }
      let text = `insert into credit_reservations (${RESERVATION_COLUMNS}) values ${rows.join(', ')}; `;
      // Journaled once per agent for the whole batch (the settled rows record each call).
      for (const [agent, sum] of byAgent) {
        const postings = closePostings(lease.tenant, agent, sum, sum);
        assertBalanced('settle', postings);
        const id = uuidv7();
        text += `insert into credit_entries (id, kind, tenant, reservation_id, reference, created_at) values (${textLiteral(id)}, 'settle', ${textLiteral(lease.tenant)}, ${textLiteral(lease.id)}, NULL, ${intLiteral(now)}); `;
        text += `insert into credit_postings (entry_id, line, account, amount) values ${postings.map(([account, amount], line) => `(${textLiteral(id)}, ${line}, ${textLiteral(account)}, ${intLiteral(amount)})`).join(', ')}; `;
      }
      if (spent === 0) {
        await client.query(`${text}commit`, []);
        return { lease: { ...lease, held: lease.held }, charged, balance: undefined, crossing: undefined };
      }
      // The balance row locked and its flag read first (`previous`): the statement after it sees the same row, so
      // the flag it stores and the one read say whether this batch raised it. Then the lease's hold and the tenant's
      // reserved credits lowered in one statement, which sets the low-balance flag as nextAlertFlag decides it: up
      // below a positive threshold, down at or above it. A tenant without a balance row fails the transaction (a
      // division by zero) before `commit`, as the general path fails it.
      const tenant = textLiteral(lease.tenant);
      const threshold = `coalesce(low_balance_threshold, ${intLiteral(defaultThreshold)})`;
      text += `select max(b.low_balance_alerted) as previous, 1 / count(*) as present from (select low_balance_alerted from credit_balances where tenant = ${tenant} for update) b; `;
      text += `with lease as (update credit_reservations set held = held - ${intLiteral(spent)} where id = ${textLiteral(lease.id)} returning id) update credit_balances set reserved = reserved - ${intLiteral(spent)}, updated_at = ${intLiteral(now)}, low_balance_alerted = case when ${threshold} > 0 and available < ${threshold} then 1 else 0 end where tenant = ${tenant} returning *; commit`;
      const results = statementRows(await client.query(text, []));
      const raw = results.at(-2)?.[0] as BalanceRow | undefined;
      const previous = results.at(-3)?.[0] as { previous: number | string | null } | undefined;
      if (raw === undefined || previous?.previous == null) throw new Error(`no balance row for tenant ${lease.tenant}`);
      const balance = normalizeBalance(raw);
      // What the flag was before: crossingAfter says, from it, whether the stored flag moved and which event is due.
      const { event } = crossingAfter({ ...balance, low_balance_alerted: Number(previous.previous) }, defaultThreshold, now);
      return { lease: { ...lease, held: lease.held - spent }, charged, balance, crossing: event };
    });
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (err instanceof NotTheUsualBatch || err instanceof UnwritableLiteral || code === UNIQUE_VIOLATION) return undefined;
    // Said as what it is, not as the arithmetic that stopped the transaction.
    if (code === DIVISION_BY_ZERO) throw new Error(`no balance row for the tenant of lease ${leaseKey}`, { cause: err });
    throw err;
  }
}

/** Thrown inside the transaction to roll it back: the general path answers this batch. */
class NotTheUsualBatch extends Error {}

function reservationLiteral(r: ReservationRow): string {
  return `(${textLiteral(r.id)}, ${textLiteral(r.key)}, ${textLiteral(r.tenant)}, ${textLiteral(r.agent)}, ${textLiteral(r.skill)}, ${textLiteral(r.client_id)}, ${intLiteral(r.held)}, ${textLiteral(r.status)}, ${intLiteral(r.charged)}, ${intLiteral(r.requested)}, ${textLiteral(r.task_state)}, ${textLiteral(r.reason)}, ${intLiteral(r.created_at)}, ${intLiteral(r.closed_at)})`;
}
