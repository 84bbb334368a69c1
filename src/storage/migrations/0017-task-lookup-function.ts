import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The retried-send lookup of the PostgreSQL task store as a function whose
 * plan PostgreSQL keeps (ADR 0032).
 *
 * Planning the lookup — a lateral seek over every day partition of `tasks`
 * — cost about 350 of the 450 µs of backend CPU a batch of lookups took;
 * run from a PL/pgSQL function with a generic plan, the plan is made once
 * per connection and reused. This is the one plan cache that works through
 * PgBouncer in transaction mode: it lives in the server's backend, not in
 * a session's prepared statements. SECURITY INVOKER (the default): row
 * security applies to the caller as for the query it replaces, under the
 * tenant marker the function sets for its own transaction. That marker
 * outlives the call until the transaction ends: the batch calls it only in a
 * text of lookups alone, where nothing follows that needs another scope.
 * The tables are found on the migration's search path (`from current`), as
 * the functions of migration 0016 find theirs.
 */
export function taskLookupFunctionMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      // One row per lookup that found its task: `ord` says which, `task` is the newest task of that
      // agent, tenant and messageId created within the lookup's buckets. `buckets` is the union of the
      // lookups' windows (`p_buckets`), the values the (message_bucket, message_key) index seeks.
      await sql`create or replace function agentmesh_find_tasks_by_message(
          p_tenant text, p_ords int[], p_keys bigint[], p_agents text[], p_message_ids text[], p_first_buckets int[], p_last_buckets int[], p_buckets int[])
        returns table (ord int, task tasks)
        language plpgsql stable
        set plan_cache_mode = force_generic_plan
        set search_path from current
        as $$
        begin
          perform set_config('agentmesh.scope', 'tenant', true), set_config('agentmesh.tenant', p_tenant, true);
          return query
            select l.ord, hit.task
            from unnest(p_ords, p_keys, p_agents, p_message_ids, p_first_buckets, p_last_buckets) as l(ord, key, agent, message_id, first_bucket, last_bucket)
            cross join lateral (
              select t as task from tasks t
              where t.message_bucket = any(p_buckets) and t.message_key = l.key
                and t.message_bucket between l.first_bucket and l.last_bucket
                and (t.agent, t.tenant, t.message_id) is not distinct from (l.agent, p_tenant, l.message_id)
              order by t.created_at desc limit 1
            ) hit;
        end $$`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      await sql`drop function if exists agentmesh_find_tasks_by_message(text, int[], bigint[], text[], text[], int[], int[], int[])`.execute(db);
    },
  };
}
