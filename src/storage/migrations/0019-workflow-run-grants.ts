import type { Migration } from 'kysely';
import { columnMigration } from './create-table.js';

/**
 * `workflow_runs.delegation_grant`: the refresh token of the run's delegation
 * grant (docs/adr/0042-durable-delegation-grants.md), sealed with AES-256-GCM
 * under the orchestrator's storage secret and bound to the run's id, so a
 * restarted orchestrator resumes the run for its caller. NULL for runs that
 * hold none (no gateway, or started before grants existed).
 */
export function workflowRunGrantsMigration(): Migration {
  return columnMigration('workflow_runs', 'delegation_grant', 'text');
}
