import { join } from 'node:path';
import type { Logger } from 'pino';
import { deriveSealingKey, readOrCreateSecretFile, type SealingKeys } from '../../storage/index.js';

/** HKDF salt and info of the grant key: no other key derived from the same secret can stand in for it. */
const SALT = 'agentmesh/orchestrator';
const INFO = 'delegation-grant-encryption v1';

/** Where the host runtime's storage secret comes from. */
export interface GrantSealingKeySource {
  /** `storageSecret` of the host runtime (AGENTMESH_SECRET). */
  secret?: string | undefined;
  /** `previousStorageSecret` (AGENTMESH_SECRET_PREVIOUS): what it sealed still opens during a rotation. */
  previousSecret?: string | undefined;
  /** The host's data dir: its `runtime-secret` file serves when no secret is set. */
  dataDir?: string | undefined;
  logger: Logger;
}

/**
 * The keys that seal runs' delegation grants at rest, derived (HKDF-SHA-256)
 * from the storage secret of the runtime hosting the orchestrator, the one
 * its push configs are sealed under (docs/security.md#secrets-at-rest); the
 * `runtime-secret` file of its data dir when none is set. Every replica
 * sharing the database needs the same secret, or a run another replica
 * started cannot be resumed here.
 *
 * @example
 * const keys = await loadGrantSealingKeys({ secret: runtime.storageSecret, dataDir: runtime.dataDir, logger });
 */
export async function loadGrantSealingKeys(source: GrantSealingKeySource): Promise<SealingKeys> {
  let secret = source.secret;
  if (secret === undefined) {
    const file = join(source.dataDir ?? './.agentmesh', 'runtime-secret');
    const found = await readOrCreateSecretFile(file);
    if (found.created) source.logger.warn({ file }, 'generated a secret that seals delegation grants at rest; replicas on other hosts need the same one (set AGENTMESH_SECRET)');
    secret = found.secret;
  }
  return Object.freeze({ current: deriveSealingKey(secret, SALT, INFO), previous: source.previousSecret === undefined ? undefined : deriveSealingKey(source.previousSecret, SALT, INFO) });
}
