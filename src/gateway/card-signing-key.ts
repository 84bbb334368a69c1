import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateAgentCardSignature } from '@a2a-js/sdk';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, FlattenedSign, generateKeyPair, importPKCS8, type JWK } from 'jose';
import { signCardJson, type AgentCardJson } from '../protocol/index.js';
import { makeFolderSync } from '../storage/index.js';
import { isLegacyShape, legacyCanonicalForm } from './routing/index.js';

/** The key the gateway re-signs the cards it serves with, and its public JWK Set. */
export interface CardSigningKey {
  sign(card: AgentCardJson): Promise<AgentCardJson>;
  jwks(): { keys: JWK[] };
}

/**
 * Loads (or creates, 0600) the gateway's card-signing key in `file`, or takes
 * `givenPem` (GATEWAY_CARD_SIGNING_KEY, one key for every replica) and leaves
 * the file alone. It is not the token key: cards are long-lived and cached by
 * clients, tokens rotate weekly. Verifiers find it at `jku` (the gateway's
 * `/.well-known/agent-card-jwks.json`).
 */
export async function loadCardSigningKey(file: string, jku: () => string, givenPem?: string): Promise<CardSigningKey> {
  let pem: string;
  if (givenPem !== undefined) pem = givenPem;
  else if (existsSync(file)) pem = readFileSync(file, 'utf8');
  else {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    pem = await exportPKCS8(privateKey);
    makeFolderSync(dirname(file), 0o700);
    writeFileSync(file, pem, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const privateKey = await importPKCS8(pem, 'ES256', { extractable: true }).catch((err: unknown) => {
    throw new Error(`the gateway's card-signing key (${givenPem !== undefined ? 'GATEWAY_CARD_SIGNING_KEY' : file}) is not a PKCS#8 PEM P-256 private key`, { cause: err });
  });
  const full = await exportJWK(privateKey);
  const publicJwk: JWK = { kty: full.kty!, crv: full.crv!, x: full.x!, y: full.y! };
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwk: JWK = { ...publicJwk, kid, alg: 'ES256', use: 'sig' };
  return {
    // Given and returning the card's JSON form (the router serves it as is): the
    // signature covers exactly what is served, as the runtime's does.
    async sign(card) {
      const header = { alg: 'ES256', kid, typ: 'JOSE', jku: jku() };
      const signed = await signCardJson(generateAgentCardSignature(privateKey, header), card);
      if (!isLegacyShape(card)) return signed;
      // A v0.3 card gets a second signature (A2A §8.4: a verifier needs one to
      // pass): the first is over the SDK's v1.0 reading of it (what 1.x
      // verifiers and the registry check: the v1.0 part of the card), this one
      // over every field served (what v0.3 verifiers check), so `url` and the
      // v0.3 `securitySchemes` (the token URL) a v0.3 client acts on are signed.
      const jws = await new FlattenedSign(new TextEncoder().encode(legacyCanonicalForm(card))).setProtectedHeader(header).sign(privateKey);
      return { ...signed, signatures: [...signed.signatures, { protected: jws.protected!, signature: jws.signature }] };
    },
    jwks: () => ({ keys: [jwk] }),
  };
}
