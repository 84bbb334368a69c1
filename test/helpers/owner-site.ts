import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateAgentCardSignature } from '@a2a-js/sdk';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { signCardJson, type AgentCardJson } from '../../src/protocol/index.js';

/**
 * A web site on `localhost` (a port of its own) standing for an agent
 * owner's host: it serves what a test puts in `files` (path → JSON body) and
 * answers 404 for anything else. `origin` is `http://localhost:<port>`.
 */
export async function startOwnerSite() {
  const files = new Map<string, unknown>();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (!files.has(path)) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(files.get(path)));
  });
  server.listen(0, 'localhost');
  await once(server, 'listening');
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return { origin, files, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A card-signing key: its private half, and its public JWK under `kid`. */
export async function signingKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK & { kid: string } }> {
  const pair = await generateKeyPair('ES256');
  return { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/** `card` signed (A2A §8.4) with `key`, its protected header naming the key set at `jku`. */
export function signedCard(card: Record<string, unknown>, key: { privateKey: CryptoKey; jwk: { kid: string } }, jku: string): Promise<AgentCardJson> {
  return signCardJson(generateAgentCardSignature(key.privateKey, { alg: 'ES256', kid: key.jwk.kid, typ: 'JOSE', jku }), card);
}
