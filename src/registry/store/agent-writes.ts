import type { AgentRecord } from '../../contracts/registry/index.js';
import { deriveAgentHealth } from './health.js';
import { recordFromRow, rowFromRecord } from './rows.js';
import { rowFromNewReview, type NewReview } from './review-rows.js';
import { refreshHealth } from './agent-health.js';
import { putInstance } from './instance-store.js';
import type { AgentDecision } from './store-types.js';
import { Refusal, type AgentBatch, type AgentWrite, type ChangeLog, type Trx, type WriteGroups } from './write-groups.js';

/**
 * One agent's write. With `batch` (its group's), the read comes from the group's and a new
 * agent's row waits for the group's insert; a refusal of `decide` is thrown as a {@link Refusal}.
 */
export async function writeAgentIn(groups: WriteGroups, trx: Trx, now: number, log: ChangeLog, { name, decide, instance }: AgentWrite, batch?: AgentBatch): Promise<AgentRecord | undefined> {
  let current: AgentRecord | undefined;
  if (batch) current = await batch.read(trx, name);
  else {
    const row = await trx.selectFrom('registry_agents').selectAll().where('name', '=', name).executeTakeFirst();
    current = row && recordFromRow(row);
  }
  let next: ReturnType<AgentDecision>;
  try {
    next = decide(current, now);
  } catch (err) {
    throw batch ? new Refusal(err) : err;
  }
  if (next === undefined) return current;
  // A new agent with the health of no instances, no instance given: its row is all it writes.
  const asked = current !== undefined || (next.record !== null && next.record.health !== deriveAgentHealth([], now));
  if (next.record !== null && next.record === current) {
    // Nothing of the record changed: at most when its claim is checked next.
    if (next.ownershipCheckAt !== undefined) {
      // Its row may be among the group's inserts still waiting.
      await batch?.flush(trx);
      await trx.updateTable('registry_agents').set({ ownership_check_at: next.ownershipCheckAt }).where('name', '=', name).execute();
    }
    return current;
  }
  if (batch && next.record !== null && !asked && instance === undefined && next.review === undefined) {
    const row = { ...rowFromRecord(next.record), ...(next.ownershipCheckAt !== undefined && { ownership_check_at: next.ownershipCheckAt }) };
    batch.insert(row);
    groups.rowCards.set(name, row.card);
    log({ kind: next.kind, agent: name, record: next.record, ...(next.detail && { detail: next.detail }) });
    return next.record;
  }
  if (batch) {
    await batch.flush(trx);
    batch.forget(name);
  }
  if (next.record === null) {
    await trx.deleteFrom('registry_agents').where('name', '=', name).execute();
    await trx.deleteFrom('registry_instances').where('agent', '=', name).execute();
    await trx.deleteFrom('registry_configs').where('agent', '=', name).execute();
    // A change held for an agent that is gone has nothing left to change.
    await trx.updateTable('registry_reviews').set({ state: 'withdrawn', decided_at: now }).where('agent', '=', name).where('state', '=', 'pending').execute();
    groups.rowCards.set(name, null);
    log({ kind: next.kind, agent: name, ...(next.detail && { detail: next.detail }) });
    return undefined;
  }
  const nextRow = { ...rowFromRecord(next.record), ...(next.ownershipCheckAt !== undefined && { ownership_check_at: next.ownershipCheckAt }) };
  if (next.review !== undefined) await holdReview(trx, name, next.review, now);
  if (current) await trx.updateTable('registry_agents').set(nextRow).where('name', '=', name).execute();
  else await trx.insertInto('registry_agents').values(nextRow).execute();
  groups.rowCards.set(name, nextRow.card);
  // Health follows the instances already there (a re-registered agent keeps them). The row
  // just written is `next.record`: it is not read back and parsed again. A new agent has no
  // instances (they go with its row, and one is added only to an agent that exists, both under
  // the writers' lock): when its record already says the health of none, nothing is read.
  const record = asked ? ((await refreshHealth(groups, trx, name, now, () => undefined, next.record)) ?? next.record) : next.record;
  log({ kind: next.kind, agent: name, record, ...(next.detail && { detail: next.detail }) });
  // The record and its endpoint commit together: a registration refused half-way leaves nothing.
  if (instance && next.review === undefined) {
    await putInstance(groups, trx, name, instance, now, log);
    return (await refreshHealth(groups, trx, name, now, () => undefined)) ?? record;
  }
  return record;
}

/** Supersedes the agent's pending review, if any, and writes this one. */
async function holdReview(trx: Trx, name: string, review: NewReview, now: number): Promise<void> {
  await trx.updateTable('registry_reviews').set({ state: 'superseded', decided_at: now }).where('agent', '=', name).where('state', '=', 'pending').execute();
  await trx.insertInto('registry_reviews').values(rowFromNewReview(name, review, now)).execute();
}
