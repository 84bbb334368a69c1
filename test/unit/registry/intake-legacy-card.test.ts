import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCard } from '@a2a-js/sdk';
import canonicalize from 'canonicalize';
import { FlattenedSign, exportJWK, generateKeyPair } from 'jose';
import { createSsrfGuard } from '../../../src/http/outbound/ssrf-guard.js';
import { createCardIntake } from '../../../src/registry/intake/card-intake.js';

/** A v0.3 card as v0.3 agents publish it (the v0.3 specification's sample, completed). */
function legacyCard(): Record<string, any> {
  return {
    protocolVersion: '0.3.0',
    name: 'GeoSpatial Route Planner Agent',
    description: 'Provides advanced route planning, traffic analysis, and custom map generation services.',
    url: 'https://georoute-agent.example.com/a2a/v1',
    preferredTransport: 'JSONRPC',
    additionalInterfaces: [
      { url: 'https://georoute-agent.example.com/a2a/v1', transport: 'JSONRPC' },
      { url: 'https://georoute-agent.example.com/a2a/grpc', transport: 'GRPC' },
      { url: 'https://georoute-agent.example.com/a2a/json', transport: 'HTTP+JSON' },
    ],
    provider: { organization: 'Example Geo Services Inc.', url: 'https://www.examplegeoservices.com' },
    iconUrl: 'https://georoute-agent.example.com/icon.png',
    version: '1.2.0',
    documentationUrl: 'https://docs.examplegeoservices.com/georoute-agent/api',
    capabilities: { streaming: true, pushNotifications: true, stateTransitionHistory: false },
    securitySchemes: {
      google: { type: 'openIdConnect', openIdConnectUrl: 'https://accounts.google.com/.well-known/openid-configuration' },
      partnerKey: { type: 'apiKey', in: 'header', name: 'X-Partner-Key', description: 'Partner API key' },
      oauth: {
        type: 'oauth2',
        flows: { clientCredentials: { tokenUrl: 'https://auth.examplegeoservices.com/token', scopes: { 'routes:plan': 'Plan routes' } } },
      },
    },
    security: [{ google: ['openid', 'profile', 'email'] }],
    defaultInputModes: ['application/json', 'text/plain'],
    defaultOutputModes: ['application/json', 'image/png'],
    skills: [
      {
        id: 'route-optimizer-traffic',
        name: 'Traffic-Aware Route Optimizer',
        description: 'Calculates the optimal driving route between two or more locations, taking into account real-time traffic conditions.',
        tags: ['maps', 'routing', 'navigation', 'directions', 'traffic'],
        examples: ["Plan a route from '1600 Amphitheatre Parkway, Mountain View, CA' to 'San Francisco International Airport' avoiding tolls."],
        inputModes: ['application/json', 'text/plain'],
        outputModes: ['application/json', 'application/vnd.geo+json', 'text/html'],
        security: [{ oauth: ['routes:plan'] }],
      },
      {
        id: 'custom-map-generator',
        name: 'Personalized Map Generator',
        description: 'Creates custom map images or interactive map views based on user-defined points of interest.',
        tags: ['maps', 'customization', 'visualization', 'cartography'],
        examples: ['Generate a map of my upcoming road trip with all planned stops highlighted.'],
        inputModes: ['application/json'],
        outputModes: ['image/png', 'image/jpeg', 'application/json', 'text/html'],
      },
    ],
    supportsAuthenticatedExtendedCard: true,
  };
}

const intake = createCardIntake({ ssrfGuard: createSsrfGuard() });

describe('v0.3 cards', () => {
  test('are translated to v1.0 keeping interfaces, skills, security, capabilities and provider', async () => {
    const admitted = await intake.fromJson(legacyCard());
    assert.equal(admitted.sourceProtocol, '0.3');
    assert.equal(admitted.signed, false);
    const card = admitted.card;
    assert.deepEqual(
      card.supportedInterfaces.map((i) => [i.url, i.protocolBinding, i.protocolVersion]),
      [
        ['https://georoute-agent.example.com/a2a/v1', 'JSONRPC', '0.3.0'],
        ['https://georoute-agent.example.com/a2a/v1', 'JSONRPC', '0.3'],
        ['https://georoute-agent.example.com/a2a/grpc', 'GRPC', '0.3'],
        ['https://georoute-agent.example.com/a2a/json', 'HTTP+JSON', '0.3'],
      ],
    );
    assert.deepEqual(
      card.skills.map((s) => [s.id, s.name, s.tags, s.examples.length]),
      legacyCard().skills.map((s: any) => [s.id, s.name, s.tags, s.examples.length]),
    );
    assert.deepEqual(card.skills[0]?.securityRequirements, [{ schemes: { oauth: { list: ['routes:plan'] } } }]);
    assert.deepEqual(card.securityRequirements, [{ schemes: { google: { list: ['openid', 'profile', 'email'] } } }]);
    const json = AgentCard.toJSON(card) as Record<string, any>;
    assert.deepEqual(json['securitySchemes'], {
      google: { openIdConnectSecurityScheme: { openIdConnectUrl: 'https://accounts.google.com/.well-known/openid-configuration' } },
      partnerKey: { apiKeySecurityScheme: { location: 'header', name: 'X-Partner-Key', description: 'Partner API key' } },
      oauth: { oauth2SecurityScheme: { flows: { clientCredentials: { tokenUrl: 'https://auth.examplegeoservices.com/token', scopes: { 'routes:plan': 'Plan routes' } } } } },
    });
    assert.deepEqual(json['capabilities'], { streaming: true, pushNotifications: true, extendedAgentCard: true });
    assert.deepEqual(card.provider, { organization: 'Example Geo Services Inc.', url: 'https://www.examplegeoservices.com' });
    assert.equal(card.documentationUrl, 'https://docs.examplegeoservices.com/georoute-agent/api');
    assert.equal(card.iconUrl, 'https://georoute-agent.example.com/icon.png');
  });

  test('admit a GRPC interface given as a gRPC target (host:port), and refuse junk there naming the field', async () => {
    const card = legacyCard();
    card.additionalInterfaces[1].url = 'grpc.example.com:443';
    const admitted = await intake.fromJson(card);
    assert.ok(admitted.card.supportedInterfaces.some((i) => i.protocolBinding === 'GRPC' && i.url === 'grpc.example.com:443'));
    card.additionalInterfaces[1].url = 'grpc.example.com';
    await assert.rejects(intake.fromJson(card), (err: any) => {
      assert.deepEqual(err.violations, [{ field: 'additionalInterfaces[1].url', description: 'must be a gRPC target (host:port) or an absolute http(s) URL' }]);
      return true;
    });
  });

  test('report problems in their own v0.3 field names, all at once', async () => {
    const card = legacyCard();
    delete card.skills[1].tags;
    card.additionalInterfaces[2].url = 'json.example.com:443';
    delete card.securitySchemes.partnerKey.in;
    card.securitySchemes.oauth.flows = {};
    card.security = [{ okta: [] }];
    await assert.rejects(intake.fromJson(card), (err: any) => {
      assert.equal(err.code, 'AM_ERR_REGISTRY_CARD_INVALID');
      assert.deepEqual(
        [...err.violations].sort((a: any, b: any) => a.field.localeCompare(b.field)),
        [
          { field: 'additionalInterfaces[2].url', description: 'must be an absolute http(s) URL' },
          { field: 'security[0].okta', description: 'names security scheme "okta", which securitySchemes does not declare' },
          { field: 'securitySchemes.oauth.flows', description: 'must declare at least one of authorizationCode, clientCredentials, implicit, password' },
          { field: 'securitySchemes.partnerKey.in', description: 'is required for a security scheme of type apiKey' },
          { field: 'skills[1].tags', description: 'is required' },
        ],
      );
      assert.match(err.message, /^The v0\.3 agent card has 5 problems:\n/);
      return true;
    });
  });

  test('a card with v1.0 interfaces and v0.3 fields is read as v1.0 and counted as a v0.3 submission', async () => {
    const superset = {
      ...legacyCard(),
      supportedInterfaces: [{ url: 'https://georoute-agent.example.com/a2a/v2', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
      securitySchemes: { google: { openIdConnectSecurityScheme: { openIdConnectUrl: 'https://accounts.google.com/.well-known/openid-configuration' } } },
      skills: legacyCard().skills.map(({ security: _security, ...skill }: any) => skill),
      security: undefined,
    };
    const admitted = await intake.fromJson(superset);
    assert.equal(admitted.sourceProtocol, '0.3');
    assert.deepEqual(
      admitted.card.supportedInterfaces.map((i) => i.url),
      ['https://georoute-agent.example.com/a2a/v2'],
    );
  });

  test('a v0.3 signature verifies over the card as the v0.3 signer sent it', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const card = legacyCard();
    const payload = new TextEncoder().encode(canonicalize(card)!);
    const jws = await new FlattenedSign(payload).setProtectedHeader({ alg: 'ES256', kid: 'geo-2025', typ: 'JOSE' }).sign(privateKey);
    const signedCard = { ...card, signatures: [{ protected: jws.protected!, signature: jws.signature }] };
    const withKey = createCardIntake({ ssrfGuard: createSsrfGuard(), trustedKeys: [{ ...(await exportJWK(publicKey)), kid: 'geo-2025' }] });

    const admitted = await withKey.fromJson(signedCard);
    assert.equal(admitted.signed, true);
    assert.equal(admitted.sourceProtocol, '0.3');
    assert.equal(admitted.card.signatures.length, 1, 'the translation keeps the signatures');

    await assert.rejects(withKey.fromJson({ ...signedCard, url: 'https://evil.example.com/a2a' }), (err: any) => {
      assert.equal(err.code, 'AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID');
      assert.match(err.message, /does not verify with key "geo-2025"/);
      return true;
    });
  });
});
