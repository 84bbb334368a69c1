import { findLead } from '../shared/find-lead.js';

/** Account owners by sales territory (the lead's region) when the request names none. */
export const TERRITORY_OWNERS: Readonly<Record<string, string>> = {
  na: 'sam.rivera@example.com',
  emea: 'lena.fischer@example.com',
  latam: 'diego.santos@example.com',
  apac: 'mei.tan@example.com',
};
/** Leads outside the company database or its territories go to the shared queue. */
export const UNASSIGNED_OWNER = 'sales-queue@example.com';

/**
 * Assigns an owner to each lead: with `owners`, round-robin in audience
 * order (the audience is best first, so every rep gets a fair share of the
 * best leads); without, the territory owner of the lead's region.
 */
export function assignOwners(leadIds: readonly string[], owners?: readonly string[]): Map<string, string> {
  const assigned = new Map<string, string>();
  leadIds.forEach((id, i) => {
    const owner = owners !== undefined && owners.length > 0 ? owners[i % owners.length]! : (TERRITORY_OWNERS[findLead(id)?.region ?? ''] ?? UNASSIGNED_OWNER);
    assigned.set(id, owner);
  });
  return assigned;
}
