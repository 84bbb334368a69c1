import { createRuntimeStores, type Database, type ResealCount } from '../../storage/index.js';
import { pushSealingKeys, SealedPushStore } from './sealed-push-store.js';

/** Options of {@link resealPushConfigs}. */
export interface ResealPushConfigsOptions {
  database: Database;
  /** The new AGENTMESH_SECRET. */
  secret: string;
  /** The secret being retired (AGENTMESH_SECRET_PREVIOUS). */
  previousSecret: string;
  /** Count what is still sealed under the previous secret; write nothing. */
  dryRun?: boolean;
}

/**
 * Finishes a rotation of AGENTMESH_SECRET: re-seals under `secret` every push
 * config that only `previousSecret` opens, row by row, compare-and-set (safe
 * beside serving replicas, which open either, and run again).
 *
 * @example
 * const { underPrevious, resealed } = await resealPushConfigs({ database, secret: next, previousSecret: old });
 */
export async function resealPushConfigs(options: ResealPushConfigsOptions): Promise<ResealCount> {
  const store = new SealedPushStore(createRuntimeStores(options.database).push, pushSealingKeys(options.secret, options.previousSecret));
  const count = await store.resealUnderPrevious({ dryRun: options.dryRun ?? false });
  // The canary moves too, or a replica given only the new secret would refuse to start (ADR 0027).
  if (options.dryRun !== true) await store.checkCanary(Date.now());
  return count;
}
