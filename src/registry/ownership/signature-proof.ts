import { cardToJson, type AgentRecord, type OwnershipClaim } from '../../contracts/registry/index.js';
import { isAgentmeshError, isRecord } from '../../protocol/index.js';
import { createKeyResolver, verifyCardSignatures, type KeySetCache } from '../intake/index.js';
import { keysUrlProblem, ownerKeysUrl } from './keys-url.js';
import { refusedProof, type ProofResult } from './proof-result.js';

/**
 * The signature method: one of the card's signatures (A2A §8.4) verifies
 * with a key of the owner's key set: the signature's `kid` looked up there
 * whatever its `jku` says, the algorithm pinned to the header's, among the
 * asymmetric ones the intake allows. The card is checked as the registry
 * stores it (A2A v1.0 JSON), which is what a v1.0 card's signer signed; a
 * card submitted as v0.3 was signed in a form the registry does not keep.
 */
export async function signatureProof(keySets: KeySetCache, record: Pick<AgentRecord, 'card' | 'sourceProtocol'>, claim: OwnershipClaim): Promise<ProofResult> {
  if (record.sourceProtocol !== '1.0') return refusedProof('signature', 'the card was submitted as v0.3, whose signed form the registry does not keep');
  const raw = cardToJson(record.card);
  const signatures = isRecord(raw) ? raw['signatures'] : undefined;
  if (!isRecord(raw) || !Array.isArray(signatures) || signatures.length === 0) return refusedProof('signature', 'the card is not signed');
  const problem = keysUrlProblem(claim);
  if (problem !== undefined) return refusedProof('signature', `keysUrl ${problem}`);
  const keysUrl = ownerKeysUrl(claim);
  const resolve = createKeyResolver({ trustedKeys: [], keySets });
  try {
    await verifyCardSignatures(raw, { legacy: false, resolveKey: (hint) => resolve({ ...hint, jku: keysUrl }) });
    return { method: 'signature', ok: true };
  } catch (err) {
    if (!isAgentmeshError(err)) throw err;
    return refusedProof('signature', `no signature verifies with the keys at ${keysUrl}: ${err.message}`, err.retryable);
  }
}
