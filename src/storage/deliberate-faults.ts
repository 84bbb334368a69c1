/**
 * Builds broken on purpose, for tests only: the nemesis tests prove that their checker catches
 * each of these (docs/reliability.md, "Builds broken on purpose"). `AGENTMESH_TEST_BREAK` names
 * one fault; it is read here and nowhere else, once, when this module loads. It is refused under
 * NODE_ENV=production, and a role started by the CLI outside dev mode refuses to start with it set
 * (cli/config/role-env.ts): production never runs a broken build by a stray variable.
 *
 * - `fencing-off` (PostgreSQL): a task's writes stop checking the version they were made against,
 *   and its events at seqs already taken are dropped instead of failing the write, so a replica that
 *   lost its lease (paused, partitioned) still overwrites the task the new owner moved on.
 * - `outbox-outside-transaction` (PostgreSQL): a task's push outbox rows are written after its
 *   events' commit, in a transaction of their own, so a crash or a lost answer between the two
 *   loses the pushes.
 * - `result-after-effect` (orchestrator): a workflow call step's message is not recorded before it
 *   is sent, only with the step's result, and its id is new in each process rather than derived
 *   from the run and the step; an orchestrator that dies between the agent's effect and the result
 *   sends the step again under a new id, and the agent applies it twice.
 * - `charge-twice` (gateway): a priced call whose answer names its task is settled under the call's
 *   own key, and the task is held and charged again under its key instead of the hold moving there,
 *   so every such call is charged twice.
 * - `denied-call-sent` (gateway): a call parked for an approval and denied is sent to its agent all
 *   the same, the denial stored and answered as if it had stopped it.
 */
export const DELIBERATE_FAULTS = ['fencing-off', 'outbox-outside-transaction', 'result-after-effect', 'charge-twice', 'denied-call-sent'] as const;
export type DeliberateFault = (typeof DELIBERATE_FAULTS)[number];

/** The variable that names the fault. */
export const DELIBERATE_FAULT_VARIABLE = 'AGENTMESH_TEST_BREAK';

function read(env: Record<string, string | undefined>): DeliberateFault | undefined {
  const value = env[DELIBERATE_FAULT_VARIABLE];
  if (value === undefined || value === '') return undefined;
  const fault = DELIBERATE_FAULTS.find((f) => f === value);
  if (fault === undefined) throw new Error(`${DELIBERATE_FAULT_VARIABLE}=${value}: not one of ${DELIBERATE_FAULTS.join(', ')} (a test-only switch: unset it)`);
  if (env['NODE_ENV'] === 'production') throw new Error(`${DELIBERATE_FAULT_VARIABLE} breaks agentmesh on purpose for tests and is refused with NODE_ENV=production: unset it`);
  return fault;
}

const active = read(process.env);

/** True when this process runs the build broken by `fault` (tests only). */
export function deliberateFault(fault: DeliberateFault): boolean {
  return active === fault;
}

/** The fault this process was started with, if any: what a role's production config refuses. */
export function activeDeliberateFault(): DeliberateFault | undefined {
  return active;
}
