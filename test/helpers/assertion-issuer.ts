import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

/** The issuer of the assertions {@link startAssertionIssuer} signs. */
export const ASSERTION_ISSUER = 'http://gateway.test';

/**
 * A stand-in for the gateway, for a runtime that requires gateway assertions: an ES256 key (kid
 * `gw-1`) published as a JWKS on a local port (`jwksUrl`), and `sign`, which issues an assertion
 * carrying `claims` for the audience `aud`, its subject `claims.sub` (else `client-1`), valid
 * `expSeconds` (60 unless told), with `header`'s parameters in its protected header (those its
 * `crit` lists marked understood by the signer). `close()` stops the JWKS server.
 */
export async function startAssertionIssuer(): Promise<{
  jwksUrl: string;
  sign: (claims: Record<string, unknown>, options: { aud: string; expSeconds?: number | undefined; header?: Record<string, unknown> | undefined }) => Promise<string>;
  close: () => void;
}> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'gw-1', alg: 'ES256', use: 'sig' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    sign: (claims, options) =>
      new SignJWT(claims)
        .setProtectedHeader({ ...options.header, alg: 'ES256', kid: 'gw-1' })
        .setIssuer(ASSERTION_ISSUER)
        .setAudience(options.aud)
        .setSubject(String(claims['sub'] ?? 'client-1'))
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expSeconds ?? 60))
        .sign(privateKey, Array.isArray(options.header?.['crit']) ? { crit: Object.fromEntries((options.header['crit'] as string[]).map((name) => [name, true])) } : undefined),
    close: () => server.close(),
  };
}
