/*
 * The secrets a gateway generates into its data dir on first start, made by
 * the primary before it forks: workers that started together would each
 * generate their own (the card-signing key is written without an exclusive
 * create), and replicas with different keys refuse each other's tokens and
 * cards.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCardSigningKey, type GatewayConfig } from '../../gateway/index.js';
import { readOrCreateSecretFile } from '../../storage/index.js';

/** What {@link ensureSharedSecrets} created now (empty when everything was there or set in the environment). */
export type CreatedSecrets = string[];

/**
 * Makes sure `<dataDir>/gateway-secret` (unless GATEWAY_SECRET is set) and
 * `<dataDir>/gateway-card-key.pem` (unless GATEWAY_CARD_SIGNING_KEY is set) exist,
 * creating each (0600) if not.
 * GATEWAY_ADMIN_TOKEN is never generated: it is the environment's or absent.
 */
export async function ensureSharedSecrets(config: Pick<GatewayConfig, 'dataDir' | 'keyEncryptionSecret' | 'cardSigningKeyPem'>): Promise<CreatedSecrets> {
  const created: CreatedSecrets = [];
  if (config.keyEncryptionSecret === undefined) {
    const file = join(config.dataDir, 'gateway-secret');
    if ((await readOrCreateSecretFile(file)).created) created.push(file);
  }
  const cardKey = join(config.dataDir, 'gateway-card-key.pem');
  if (config.cardSigningKeyPem === undefined && !existsSync(cardKey)) {
    await loadCardSigningKey(cardKey, () => '');
    created.push(cardKey);
  }
  return created;
}
