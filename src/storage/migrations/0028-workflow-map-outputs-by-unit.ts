import type { Migration } from 'kysely';
import { columnMigration } from './create-table.js';

/**
 * `workflow_steps.output_units`: set on a completed map's record, whose
 * output is then the outputs of its units (`<path>/0` … `<path>/<n-1>`, in
 * order, `null` for a failed one), read from their own records when
 * something needs the list (docs/adr/0079-maps-paged.md). NULL for every
 * other record, and for maps that completed before: their `output` holds
 * the list itself.
 */
export function workflowMapOutputsByUnitMigration(): Migration {
  return columnMigration('workflow_steps', 'output_units', 'integer');
}
