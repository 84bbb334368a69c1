import type { Migration } from 'kysely';
import { columnMigration } from './create-table.js';

/**
 * `workflow_steps.output_units_at`: set on the record of a step passing a
 * map's output on (a sequence ending in a map, a map's unit that is itself a
 * map): the path of the map whose units hold the list, `output_units` their
 * count. The list is read from those units when something needs it, never
 * copied into the step's own row (docs/adr/0079-maps-paged.md). NULL when the
 * units are the step's own (a map's record) and for every other record.
 */
export function workflowMapOutputsPassedOnMigration(): Migration {
  return columnMigration('workflow_steps', 'output_units_at', 'text');
}
