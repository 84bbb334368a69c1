import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The claim a new task makes on its messageId, in the transaction that
 * creates it (PostgreSQL; the embedded store has one writer, whose engine
 * joins a repeated send in flight to the first).
 *
 * A send looks its messageId up before it creates a task (ADR 0002); a replica
 * that stops between the two (paused, starved) and wakes after the client's
 * retry started the task on another replica created a second task for the
 * same message, charged twice by the gateway (docs/reliability.md, "Anomalies
 * found"). Each create now calls this function before its row is inserted:
 * under a transaction-scoped advisory lock on the message's key (two creates
 * racing each other take turns, keys in order, so no two batches deadlock on
 * them), it raises `AMMSG` when a task of the same agent, tenant and messageId
 * exists in the lookup's window, naming it; the batch rolls back, the create
 * fails alone, and the engine answers the send with that task when it is a
 * retry of it (ADR 0046). The function is VOLATILE: its check reads what was
 * committed up to the moment it holds the lock.
 */
export function taskMessageClaimsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      await sql`create or replace function agentmesh_claim_messages(
          p_tenant text, p_ids text[], p_keys bigint[], p_agents text[], p_message_ids text[], p_buckets int[])
        returns void
        language plpgsql volatile
        set search_path from current
        as $$
        declare
          l record;
          previous_id text;
          previous_key bigint;
          previous_agent text;
          previous_message_id text;
          started text;
        begin
          perform set_config('agentmesh.scope', 'tenant', true), set_config('agentmesh.tenant', p_tenant, true);
          for l in select * from unnest(p_ids, p_keys, p_agents, p_message_ids) as u(id, key, agent, message_id) order by u.key, u.id loop
            -- Two creates of one message in one batch: the batch fails, and each create claims alone.
            if (previous_key, previous_agent, previous_message_id) is not distinct from (l.key, l.agent, l.message_id) then
              raise exception 'message % claimed twice in one batch', l.message_id using errcode = 'AMMSG', detail = previous_id;
            end if;
            previous_id := l.id;
            previous_key := l.key;
            previous_agent := l.agent;
            previous_message_id := l.message_id;
            perform pg_advisory_xact_lock(l.key);
            -- The lookup's shape (migration 0017): a seek of the (message_bucket, message_key) index, the names compared
            -- as one row so the planner does not take the (agent, tenant, …) index and filter every task of the agent.
            select t.id into started from tasks t
              where t.message_bucket = any(p_buckets) and t.message_key = l.key
                and (t.agent, t.tenant, t.message_id) is not distinct from (l.agent, p_tenant, l.message_id) and t.id <> l.id
              limit 1;
            if found then
              raise exception 'message % already started task %', l.message_id, started using errcode = 'AMMSG', detail = started;
            end if;
          end loop;
        end $$`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      await sql`drop function if exists agentmesh_claim_messages(text, text[], bigint[], text[], text[], int[])`.execute(db);
    },
  };
}
