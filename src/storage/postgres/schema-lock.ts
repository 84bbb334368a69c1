/**
 * The statement that takes one of agentmesh's transaction-scoped advisory
 * locks, scoped to the schema the connection writes to.
 *
 * PostgreSQL's advisory locks belong to the whole database, not a schema: a
 * lock keyed by a constant alone made two meshes that share a database in
 * schemas of their own (a staging and a production mesh, a test per schema)
 * wait on each other's registry and audit writes, and a connection that
 * stalled holding it stalled every mesh's writers until their statement
 * timeout. The two-key form takes the constant as its first key and a hash
 * of `current_schema()` as its second, so only writers of the same tables
 * serialize. Two schemas whose names hash alike only share a queue, as
 * before.
 *
 * A constant text (no parameters), so it can ride in one simple query with
 * `begin`.
 */
export function schemaAdvisoryLockSql(key: number): string {
  if (!Number.isInteger(key) || key < -2_147_483_648 || key > 2_147_483_647) throw new RangeError(`advisory lock key ${key} is not a 32-bit integer`);
  return `select pg_advisory_xact_lock(${key}, hashtext(current_schema()))`;
}
