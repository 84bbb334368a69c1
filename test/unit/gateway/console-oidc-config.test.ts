import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gatewayConfigFromEnv } from '../../../src/cli/config/gateway-config-from-env.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { consoleCsp, CONSOLE_CSP } from '../../../src/gateway/console/console-routes.js';
import { consoleOidcSettings } from '../../../src/gateway/console/console-oidc-config.js';
import { isSecureOrLoopback } from '../../../src/gateway/console/console-oidc-config.js';

const ISSUER = 'https://sso.example.com/realms/acme';
const externalIssuers = [{ issuer: ISSUER, jwksUri: `${ISSUER}/protocol/openid-connect/certs`, audience: 'agentmesh' }];

describe("the console's OpenID Connect sign-in settings", () => {
  test('are off by default: no consoleOidc, and the CSP connects to the console’s own origin only', () => {
    assert.equal(parseGatewayConfig({}).consoleOidc, undefined);
    assert.match(CONSOLE_CSP, /connect-src 'self';/);
  });

  test('name one of the external issuers, with openid console:read asked for by default', () => {
    const config = parseGatewayConfig({ externalIssuers, consoleOidc: { issuer: ISSUER, clientId: 'console' } });
    assert.deepEqual(config.consoleOidc, { issuer: ISSUER, clientId: 'console', scopes: ['openid', 'console:read'] });
    assert.deepEqual(consoleOidcSettings(config.consoleOidc!), { issuer: ISSUER, clientId: 'console', scopes: ['openid', 'console:read'], name: 'sso.example.com' });
  });

  test('add openid when the scopes leave it out (the nonce travels in the ID token)', () => {
    const config = parseGatewayConfig({ externalIssuers, consoleOidc: { issuer: ISSUER, clientId: 'console', scopes: ['console:read', 'gateway:admin'], name: 'Acme SSO', resource: 'https://gateway.example.com' } });
    assert.deepEqual(consoleOidcSettings(config.consoleOidc!), { issuer: ISSUER, clientId: 'console', scopes: ['openid', 'console:read', 'gateway:admin'], resource: 'https://gateway.example.com', name: 'Acme SSO' });
  });

  test('refuse an issuer the gateway does not accept tokens of, naming the path', () => {
    assert.throws(() => parseGatewayConfig({ consoleOidc: { issuer: ISSUER, clientId: 'console' } }), /^AgentmeshError: gateway\.consoleOidc\.issuer must be the issuer of one of externalIssuers/);
    assert.throws(() => parseGatewayConfig({ externalIssuers, consoleOidc: { issuer: `${ISSUER}/`, clientId: 'console' } }), /gateway\.consoleOidc\.issuer/);
  });

  test('refuse plain http except on a loopback host, unknown keys, and a scope with a space or a quote', () => {
    const http = [{ ...externalIssuers[0]!, issuer: 'http://sso.example.com' }];
    assert.throws(() => parseGatewayConfig({ externalIssuers: http, consoleOidc: { issuer: 'http://sso.example.com', clientId: 'console' } }), /gateway\.consoleOidc\.issuer must be https/);
    const loopback = [{ ...externalIssuers[0]!, issuer: 'http://127.0.0.1:9000' }];
    assert.equal(parseGatewayConfig({ externalIssuers: loopback, consoleOidc: { issuer: 'http://127.0.0.1:9000', clientId: 'console' } }).consoleOidc?.issuer, 'http://127.0.0.1:9000');
    assert.throws(() => parseGatewayConfig({ externalIssuers, consoleOidc: { issuer: ISSUER, clientId: 'console', secret: 'x' } as never }), /gateway\.consoleOidc/);
    for (const scope of ['a b', 'a"b', 'a\\b', '']) assert.throws(() => parseGatewayConfig({ externalIssuers, consoleOidc: { issuer: ISSUER, clientId: 'console', scopes: [scope] } }), /gateway\.consoleOidc\.scopes\.0/, JSON.stringify(scope));
  });

  test('only https or loopback http URLs count as secure, whatever the string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ validSchemes: ['http', 'https', 'ftp'], withQueryParameters: true, withFragments: true })), (s) => {
        const url = URL.parse(s);
        const expected = url !== null && (url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)));
        assert.equal(isSecureOrLoopback(s), expected, s);
      }),
    );
    assert.equal(isSecureOrLoopback('http://127.0.0.1.evil.example'), false);
    assert.equal(isSecureOrLoopback('http://localhost@evil.example'), false);
  });

  test("let the page's CSP connect to the issuer's origin and nothing else", () => {
    assert.equal(consoleCsp(['https://sso.example.com']).match(/connect-src [^;]+;/)![0], "connect-src 'self' https://sso.example.com;");
  });

  test('come from GATEWAY_CONSOLE_OIDC_*, the issuer and the client id together', () => {
    assert.deepEqual(
      gatewayConfigFromEnv({ GATEWAY_CONSOLE_OIDC_ISSUER: ISSUER, GATEWAY_CONSOLE_OIDC_CLIENT_ID: 'console', GATEWAY_CONSOLE_OIDC_SCOPES: ' openid  console:read gateway:admin ', GATEWAY_CONSOLE_OIDC_RESOURCE: 'https://gateway.example.com', GATEWAY_CONSOLE_OIDC_NAME: 'Acme SSO' }, {}),
      { logFormat: 'pretty', consoleOidc: { issuer: ISSUER, clientId: 'console', scopes: ['openid', 'console:read', 'gateway:admin'], resource: 'https://gateway.example.com', name: 'Acme SSO' } },
    );
    assert.throws(() => gatewayConfigFromEnv({ GATEWAY_CONSOLE_OIDC_ISSUER: ISSUER }, {}), /GATEWAY_CONSOLE_OIDC_ISSUER and GATEWAY_CONSOLE_OIDC_CLIENT_ID go together/);
    assert.throws(() => gatewayConfigFromEnv({ GATEWAY_CONSOLE_OIDC_CLIENT_ID: 'console' }, {}), /go together/);
  });
});
