import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { OnBehalfOf } from '../calls/agent-caller.js';
import { sendAgainIfMomentary, type Tables } from '../../storage/index.js';
import { deepFreeze, isRecord, requireOneOf, isStringArray } from '../../protocol/index.js';

export type RunStatus = (typeof RUN_STATUSES)[number];
export type StepStatus = (typeof STEP_STATUSES)[number];
const RUN_STATUSES = ['running', 'input-required', 'completed', 'failed', 'canceled'] as const;
const STEP_STATUSES = ['running', 'input-required', 'awaiting-approval', 'completed', 'failed', 'skipped', 'canceled'] as const;

export interface RunRecord {
  id: string;
  tenant: string;
  workflow: string;
  /** The definition as it was when the run started. */
  definition: unknown;
  inputs: Record<string, unknown>;
  status: RunStatus;
  outputs: unknown;
  error: string | null;
  resumedFrom: string | null;
  /** Who the run acts for: the caller that started it. */
  onBehalfOf: OnBehalfOf;
  /** The refresh token of the run's delegation grant, sealed (docs/adr/0042-durable-delegation-grants.md); null when it holds none. */
  delegationGrant: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface StepRecord {
  path: string;
  status: StepStatus;
  attempt: number;
  sends: number;
  agent: string | null;
  messageId: string | null;
  taskId: string | null;
  contextId: string | null;
  output: unknown;
  /**
   * A completed map's: its output is the outputs of its units `<path>/0` …
   * `<path>/<outputUnits - 1>`, read from their records (`output` unset). A
   * 100,000-item map neither holds nor writes its result as one list
   * (docs/adr/0079-maps-paged.md).
   */
  outputUnits?: number;
  /**
   * Where the units of `outputUnits` are when they are not this step's own:
   * the path of the map whose output this step passes on (a sequence ending
   * in a map). The list stays in that map's units, read from there.
   */
  outputUnitsAt?: string;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

/** The columns of a step-record write, in the order its statement's parameters take them. */
type StepRow = Tables['workflow_steps'];

/** Most statements of different row counts {@link RunStore.putSteps} keeps compiled (a map's units end a few at a time). */
const COMPILED_PUTS = 64;
/** Most records {@link RunStore.putSteps} writes in one statement. */
const ROWS_PER_STATEMENT = 500;

/**
 * Runs and step results in the shared database (SQLite or PostgreSQL, migration 0008). Every statement
 * it sends leaves the same rows when sent twice, and is sent again when the database could not take it
 * for a moment ({@link sendAgainIfMomentary}).
 */
export class RunStore {
  readonly #db: Kysely<Tables>;
  readonly #now: () => number;
  /**
   * The upsert of n step records, as SQL text, by n: built with Kysely once,
   * then sent with each write's parameters. Building the query was a tenth of
   * the orchestrator's main thread in a map (its units' records are most of
   * its writes).
   */
  readonly #puts = new Map<number, string | null>();

  constructor(db: Kysely<Tables>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const row = await sendAgainIfMomentary(() => this.#db.selectFrom('workflow_runs').selectAll().where('id', '=', id).executeTakeFirst());
    return row ? toRun(row) : undefined;
  }

  /**
   * A run's tenant and definition alone: what reading its steps needs. Its inputs (a map's items: 590 KB for
   * 100,000 of them) are not read, nor parsed, for each page of `workflow show` or the end-of-run summary.
   */
  async definition(id: string): Promise<{ tenant: string; definition: unknown } | undefined> {
    const row = await sendAgainIfMomentary(() => this.#db.selectFrom('workflow_runs').select(['tenant', 'definition']).where('id', '=', id).executeTakeFirst());
    return row ? { tenant: row.tenant, definition: JSON.parse(row.definition) } : undefined;
  }

  /**
   * Records a new run, and answers the record as written (holding the definition and inputs passed in, not copies:
   * the engine's are frozen, or its own); a run that exists already (a re-run after a crash, or another process's
   * create first) is left as it is, and the answer is undefined: read it.
   */
  async create(run: { id: string; workflow: string; definition: unknown; inputs: Record<string, unknown>; onBehalfOf: OnBehalfOf; resumedFrom?: string }): Promise<RunRecord | undefined> {
    const now = this.#now();
    const onBehalfOf = { tenant: run.onBehalfOf.tenant, subject: run.onBehalfOf.subject, scopes: run.onBehalfOf.scopes };
    // Sent again after a lost answer, it finds the row its first send wrote and answers undefined: the engine reads it.
    const { numInsertedOrUpdatedRows } = await sendAgainIfMomentary(() => this.#db
      .insertInto('workflow_runs')
      .values({
        id: run.id,
        tenant: run.onBehalfOf.tenant,
        workflow: run.workflow,
        definition: JSON.stringify(run.definition),
        inputs: JSON.stringify(run.inputs),
        status: 'running',
        outputs: null,
        error: null,
        resumed_from: run.resumedFrom ?? null,
        // The caller's subject token is a credential of the moment: never stored; the run's delegation grant is, sealed (setDelegationGrant).
        on_behalf_of: JSON.stringify(onBehalfOf),
        delegation_grant: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirstOrThrow());
    if (numInsertedOrUpdatedRows !== 1n) return undefined;
    // What a read of the row would answer, without reading back (and parsing) its definition and inputs: a 100,000-item
    // map's are 590 KB.
    return {
      id: run.id,
      tenant: run.onBehalfOf.tenant,
      workflow: run.workflow,
      definition: run.definition,
      inputs: run.inputs,
      status: 'running',
      outputs: null,
      error: null,
      resumedFrom: run.resumedFrom ?? null,
      onBehalfOf: { tenant: onBehalfOf.tenant, ...(onBehalfOf.subject !== undefined && { subject: onBehalfOf.subject }), ...(onBehalfOf.scopes !== undefined && { scopes: onBehalfOf.scopes }) },
      delegationGrant: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  async setStatus(id: string, status: RunStatus, end: { outputs?: unknown; error?: string } = {}): Promise<void> {
    await sendAgainIfMomentary(() => this.#db
      .updateTable('workflow_runs')
      .set({
        status,
        updated_at: this.#now(),
        ...(end.outputs !== undefined ? { outputs: JSON.stringify(end.outputs) } : {}),
        ...(end.error !== undefined ? { error: end.error } : {}),
      })
      .where('id', '=', id)
      .execute());
  }

  /** Records the run's delegation grant (sealed by the caller), or drops it (null). */
  async setDelegationGrant(id: string, sealed: string | null): Promise<void> {
    await sendAgainIfMomentary(() => this.#db.updateTable('workflow_runs').set({ delegation_grant: sealed, updated_at: this.#now() }).where('id', '=', id).execute());
  }

  /** The run that resumed `id`, if one did. */
  async resumedBy(id: string): Promise<string | undefined> {
    const row = await sendAgainIfMomentary(() => this.#db.selectFrom('workflow_runs').select('id').where('resumed_from', '=', id).executeTakeFirst());
    return row?.id;
  }

  /** One step's record, by its path. */
  async step(runId: string, path: string): Promise<StepRecord | undefined> {
    const row = await sendAgainIfMomentary(() => this.#db.selectFrom('workflow_steps').selectAll().where('run_id', '=', runId).where('path', '=', path).executeTakeFirst());
    return row ? toStep(row) : undefined;
  }

  /** The records of these paths (those that have one), by path: one page of a run's steps. */
  async stepsAt(runId: string, paths: readonly string[]): Promise<Map<string, StepRecord>> {
    if (paths.length === 0) return new Map();
    const rows = await sendAgainIfMomentary(() => this.#db.selectFrom('workflow_steps').selectAll().where('run_id', '=', runId).where('path', 'in', [...paths]).execute());
    return new Map(rows.map((r) => [r.path, toStep(r)]));
  }

  /** How many of the steps right under `prefix` (a map's units, `score/0`, `score/1`…) ended done (completed or skipped) and failed. */
  async unitCounts(runId: string, prefix: string): Promise<{ done: number; failed: number }> {
    const rows = await sendAgainIfMomentary(() => this.#db
      .selectFrom('workflow_steps')
      .select(['status', (eb) => eb.fn.countAll<string | number | bigint>().as('n')])
      .where('run_id', '=', runId)
      .where('status', 'in', ['completed', 'skipped', 'failed'])
      .where(sql<boolean>`substr(path, 1, ${prefix.length}) = ${prefix}`)
      // Units only: `score/3`, not the steps inside a unit (`score/3/fetch`).
      .where(sql<boolean>`substr(path, ${prefix.length + 1}) not like '%/%'`)
      .groupBy('status')
      .execute());
    let done = 0;
    let failed = 0;
    for (const row of rows) {
      if (row.status === 'failed') failed += Number(row.n);
      else done += Number(row.n);
    }
    return { done, failed };
  }

  /** How many step records a run has (a run that has some is resuming). */
  async countSteps(runId: string): Promise<number> {
    const row = await sendAgainIfMomentary(() => this.#db.selectFrom('workflow_steps').select((eb) => eb.fn.countAll<string | number | bigint>().as('n')).where('run_id', '=', runId).executeTakeFirst());
    return Number(row?.n ?? 0);
  }

  /** The records of the steps under `prefix` (`retry/`) in these states: what a composite step's retry runs again. */
  async stepsUnder(runId: string, prefix: string, statuses: readonly StepStatus[]): Promise<StepRecord[]> {
    const rows = await sendAgainIfMomentary(() => this.#db
      .selectFrom('workflow_steps')
      .selectAll()
      .where('run_id', '=', runId)
      .where('status', 'in', [...statuses])
      // substr, not LIKE or a range: no escaping, and the same on both databases whatever their collation.
      .where(sql<boolean>`substr(path, 1, ${prefix.length}) = ${prefix}`)
      .execute());
    return rows.map(toStep);
  }

  async putStep(runId: string, step: StepRecord): Promise<void> {
    await this.putSteps(runId, [step]);
  }

  /**
   * Writes several step records of a run (at most one record per path), in
   * one statement per {@link ROWS_PER_STATEMENT}: a statement's parameters
   * are bounded (SQLite takes 32,766, PostgreSQL 65,535; a record is 15).
   */
  async putSteps(runId: string, steps: readonly StepRecord[]): Promise<void> {
    for (let start = 0; start < steps.length; start += ROWS_PER_STATEMENT) await this.#putRows(runId, steps.slice(start, start + ROWS_PER_STATEMENT));
  }

  async #putRows(runId: string, steps: readonly StepRecord[]): Promise<void> {
    if (steps.length === 0) return;
    const rows = steps.map((step): StepRow => ({
      run_id: runId,
      path: step.path,
      status: step.status,
      attempt: step.attempt,
      sends: step.sends,
      agent: step.agent,
      message_id: step.messageId,
      task_id: step.taskId,
      context_id: step.contextId,
      output: step.output === undefined ? null : JSON.stringify(step.output),
      output_units: step.outputUnits ?? null,
      output_units_at: step.outputUnitsAt ?? null,
      error: step.error,
      started_at: step.startedAt,
      finished_at: step.finishedAt,
    }));
    const text = this.#puts.get(rows.length);
    if (typeof text === 'string') {
      const parameters = rows.flatMap(stepParameters);
      await sendAgainIfMomentary(() => this.#db.executeQuery(CompiledQuery.raw(text, parameters)));
      return;
    }
    const query = this.#upsert(rows);
    if (text === undefined && this.#puts.size < COMPILED_PUTS) {
      // Kept only when its parameters are the rows' columns in order, the shape stepParameters gives.
      const compiled = query.compile();
      const expected = rows.flatMap(stepParameters);
      const same = compiled.parameters.length === expected.length && compiled.parameters.every((p, i) => p === expected[i]);
      this.#puts.set(rows.length, same ? compiled.sql : null);
    }
    await sendAgainIfMomentary(() => query.execute());
  }

  #upsert(rows: readonly StepRow[]) {
    return this.#db
      .insertInto('workflow_steps')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['run_id', 'path']).doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          attempt: eb.ref('excluded.attempt'),
          sends: eb.ref('excluded.sends'),
          agent: eb.ref('excluded.agent'),
          message_id: eb.ref('excluded.message_id'),
          task_id: eb.ref('excluded.task_id'),
          context_id: eb.ref('excluded.context_id'),
          output: eb.ref('excluded.output'),
          output_units: eb.ref('excluded.output_units'),
          output_units_at: eb.ref('excluded.output_units_at'),
          error: eb.ref('excluded.error'),
          started_at: eb.ref('excluded.started_at'),
          finished_at: eb.ref('excluded.finished_at'),
        })),
      );
  }

  /**
   * Copies the steps of `fromRun` worth keeping into `toRun` (a resumed run):
   * completed and skipped ones, and those waiting for input, whose message id
   * re-attaches the new run to the child task that asked.
   */
  async copySteps(fromRun: string, toRun: string): Promise<number> {
    // One statement: the rows go from table to table without passing through the process (a long run has many).
    const result = await sendAgainIfMomentary(() => this.#db
      .insertInto('workflow_steps')
      .columns(['run_id', 'path', 'status', 'attempt', 'sends', 'agent', 'message_id', 'task_id', 'context_id', 'output', 'output_units', 'output_units_at', 'error', 'started_at', 'finished_at'])
      .expression(
        this.#db
          .selectFrom('workflow_steps')
          .select([sql<string>`cast(${toRun} as text)`.as('run_id'), 'path', 'status', 'attempt', 'sends', 'agent', 'message_id', 'task_id', 'context_id', 'output', 'output_units', 'output_units_at', 'error', 'started_at', 'finished_at'])
          .where('run_id', '=', fromRun)
          .where('status', 'in', ['completed', 'skipped', 'input-required']),
      )
      .onConflict((oc) => oc.columns(['run_id', 'path']).doNothing())
      .executeTakeFirst());
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }
}

/** A step row's columns in the order its upsert lists them. */
function stepParameters(row: StepRow): unknown[] {
  return [row.run_id, row.path, row.status, row.attempt, row.sends, row.agent, row.message_id, row.task_id, row.context_id, row.output, row.output_units, row.output_units_at, row.error, row.started_at, row.finished_at];
}

/** A JSON object column (a run's inputs), checked: a column is data like any other. */
function objectColumn(text: string, what: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (!isRecord(value)) throw new TypeError(`${what} is not a JSON object`);
  return value;
}

/** Whom a run acts for, as stored (JSON of {@link OnBehalfOf}), checked member by member. */
function onBehalfOfColumn(text: string): OnBehalfOf {
  const value = objectColumn(text, 'workflow_runs.on_behalf_of');
  const { tenant, subject, scopes } = value;
  if (typeof tenant !== 'string' || (subject !== undefined && typeof subject !== 'string') || (scopes !== undefined && !isStringArray(scopes))) {
    throw new TypeError('workflow_runs.on_behalf_of is not a tenant with an optional subject and scopes');
  }
  return { tenant, ...(subject !== undefined && { subject }), ...(scopes !== undefined && { scopes }) };
}

function toRun(row: Tables['workflow_runs']): RunRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    workflow: row.workflow,
    // Frozen, as a definition just built is: the engine compiles its step templates once, by identity, rather than once
    // per map unit, and nothing may change it while a run reads it.
    definition: deepFreeze(JSON.parse(row.definition)),
    inputs: objectColumn(row.inputs, 'workflow_runs.inputs'),
    status: requireOneOf(RUN_STATUSES, row.status, 'workflow_runs.status'),
    outputs: row.outputs === null ? null : JSON.parse(row.outputs),
    error: row.error,
    resumedFrom: row.resumed_from,
    onBehalfOf: onBehalfOfColumn(row.on_behalf_of),
    delegationGrant: row.delegation_grant ?? null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toStep(row: Tables['workflow_steps']): StepRecord {
  return {
    path: row.path,
    status: requireOneOf(STEP_STATUSES, row.status, 'workflow_steps.status'),
    attempt: Number(row.attempt),
    sends: Number(row.sends),
    agent: row.agent,
    messageId: row.message_id,
    taskId: row.task_id,
    contextId: row.context_id,
    output: row.output === null ? undefined : JSON.parse(row.output),
    ...(row.output_units !== null && { outputUnits: Number(row.output_units) }),
    ...(row.output_units_at !== null && { outputUnitsAt: row.output_units_at }),
    error: row.error,
    startedAt: Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}
