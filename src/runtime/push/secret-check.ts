import { Errors } from '../../protocol/index.js';
import type { Logger } from '../../observability/index.js';
import type { SealedPushStore } from './sealed-push-store.js';

/** Where this replica's secret came from, for the message that refuses it. */
export interface SecretOrigin {
  /** The secret file the replica fell back to when AGENTMESH_SECRET is unset. */
  file?: string | undefined;
}

/**
 * Refuses to serve when this replica's secret cannot open the database's
 * canary (ADR 0027): replicas sharing a database with different secrets
 * cannot open each other's push configs, and their deliveries would stall.
 * The first replica of a database writes the canary; a rotation's new
 * secret re-seals it (see SealedPushStore.checkCanary).
 *
 * @throws AgentmeshError `AM_ERR_CONFIG_INVALID`, naming AGENTMESH_SECRET
 * @example
 * await requireDatabaseSecret(pushStore, { file: config.storageSecret ? undefined : secretFile }, log, Date.now());
 */
export async function requireDatabaseSecret(store: SealedPushStore, origin: SecretOrigin, log: Logger, now: number): Promise<void> {
  const check = await store.checkCanary(now);
  if (check === 'previous') log.child({ module: 'push' }).info('the database was sealed under AGENTMESH_SECRET_PREVIOUS; its canary is now sealed under AGENTMESH_SECRET');
  if (check !== 'foreign') return;
  const mine = origin.file === undefined ? 'this replica\'s AGENTMESH_SECRET' : `the secret this replica generated in ${origin.file} (AGENTMESH_SECRET is unset)`;
  throw Errors.pushSecretMismatch({ mine });
}
