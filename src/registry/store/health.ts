import type { AgentHealth } from '../../contracts/registry/index.js';

/** The instance columns health is derived from. */
export interface InstanceHealthInput {
  kind: string;
  probe_state: string;
  lease_expires_at: number | null;
}

/** An instance counts as up while its lease lives and its last probe did not fail; a leased one not yet probed is up on the strength of its heartbeats. */
export function instanceIsUp(row: InstanceHealthInput, now: number): boolean {
  const leaseAlive = row.kind === 'static' || (row.lease_expires_at !== null && row.lease_expires_at > now);
  if (!leaseAlive) return false;
  return row.probe_state === 'up' || (row.kind === 'leased' && row.probe_state === 'unknown');
}

/**
 * Per-agent health: healthy when every instance is up, degraded when some
 * are, down when none is and at least one is known down, unknown when there
 * is nothing to judge (no instances, or static ones never probed).
 */
export function deriveAgentHealth(instances: readonly InstanceHealthInput[], now: number): AgentHealth {
  if (instances.length === 0) return 'unknown';
  let up = 0;
  let known = 0;
  for (const row of instances) {
    if (instanceIsUp(row, now)) up++;
    else if (row.probe_state !== 'unknown' || row.kind === 'leased') known++;
  }
  if (up === instances.length) return 'healthy';
  if (up > 0) return 'degraded';
  return known > 0 ? 'down' : 'unknown';
}
