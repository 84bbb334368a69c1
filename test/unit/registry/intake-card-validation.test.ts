import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSsrfGuard } from '../../../src/http/outbound/ssrf-guard.js';
import { createCardIntake } from '../../../src/registry/intake/card-intake.js';

/** A complete, valid v1.0 card in its JSON form; each test breaks a copy. */
function validCard(): Record<string, any> {
  return {
    name: 'Lookalike Scorer',
    description: 'Scores leads by their similarity to your best customers',
    version: '2.1.0',
    supportedInterfaces: [
      { url: 'https://agents.example.com/lookalike', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: 'https://agents.example.com/lookalike', protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    provider: { organization: 'DealScale', url: 'https://dealscale.example.com' },
    documentationUrl: 'https://docs.example.com/lookalike',
    capabilities: { streaming: true, pushNotifications: false, extensions: [{ uri: 'https://example.com/ext/credits', required: false }] },
    securitySchemes: {
      bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', bearerFormat: 'JWT' } },
      oauth: { oauth2SecurityScheme: { flows: { clientCredentials: { tokenUrl: 'https://auth.example.com/token', scopes: { 'leads:score': 'Score leads' } } } } },
    },
    securityRequirements: [{ schemes: { oauth: { list: ['leads:score'] } } }],
    defaultInputModes: ['application/json'],
    defaultOutputModes: ['application/json', 'text/plain'],
    skills: [
      {
        id: 'score-lookalikes',
        name: 'Score lookalikes',
        description: 'Ranks leads by similarity to a seed list of customers',
        tags: ['leads', 'scoring'],
        examples: ['score leads similar to my best customers'],
        securityRequirements: [{ schemes: { bearer: { list: [] } } }],
      },
      { id: 'explain-score', name: 'Explain score', description: 'Explains one lead score', tags: ['leads'] },
    ],
  };
}

const intake = createCardIntake({ ssrfGuard: createSsrfGuard() });

/** The violations of a refused card, after checking the code. */
async function violationsOf(card: unknown): Promise<{ message: string; violations: Array<{ field: string; description: string }> }> {
  let caught: any;
  await assert.rejects(intake.fromJson(card), (err: any) => {
    caught = err;
    return true;
  });
  assert.equal(caught.code, 'AM_ERR_REGISTRY_CARD_INVALID', caught.message);
  assert.equal(caught.statusCode, 400);
  return { message: caught.message, violations: caught.violations };
}

function descriptionOf(violations: Array<{ field: string; description: string }>, field: string): string | undefined {
  return violations.find((v) => v.field === field)?.description;
}

/** Asserts that the refusal of `card` describes each field of `expected` as it says; its violations, for more checks. */
async function assertDescribed(card: unknown, expected: Record<string, string>): Promise<Array<{ field: string; description: string }>> {
  const { violations } = await violationsOf(card);
  assert.deepEqual(Object.fromEntries(Object.keys(expected).map((field) => [field, descriptionOf(violations, field)])), expected);
  return violations;
}

describe('card validation (A2A v1.0 card schema)', () => {
  test('admits a valid v1.0 card as the SDK AgentCard, unsigned', async () => {
    const admitted = await intake.fromJson(validCard(), 'https://agents.example.com/lookalike/.well-known/agent-card.json');
    assert.equal(admitted.sourceProtocol, '1.0');
    assert.equal(admitted.signed, false);
    assert.equal(admitted.cardUrl, 'https://agents.example.com/lookalike/.well-known/agent-card.json');
    assert.equal(admitted.card.name, 'Lookalike Scorer');
    assert.deepEqual(
      admitted.card.skills.map((s) => s.id),
      ['score-lookalikes', 'explain-score'],
    );
    assert.equal(admitted.card.securitySchemes['bearer']?.scheme?.$case, 'httpAuthSecurityScheme');
  });

  test('admits skills without tags: ProtoJSON omits an empty list', async () => {
    const card = validCard();
    delete card.skills[1].tags;
    const admitted = await intake.fromJson(card);
    assert.deepEqual(admitted.card.skills[1]?.tags, []);
  });

  test('drops fields outside the v1.0 schema', async () => {
    const admitted = await intake.fromJson({ ...validCard(), vendorExtra: { secret: 1 } });
    assert.equal((admitted.card as unknown as Record<string, unknown>)['vendorExtra'], undefined);
  });

  test('reports every missing required field in one error', async () => {
    const { violations, message } = await violationsOf({});
    assert.deepEqual(violations.map((v) => v.field).sort(), ['capabilities', 'defaultInputModes', 'defaultOutputModes', 'description', 'name', 'skills', 'supportedInterfaces', 'version'].sort());
    for (const v of violations) assert.equal(v.description, 'is required');
    assert.match(message, /^The agent card has 8 problems:\n/);
  });

  test('names missing fields inside skills and interfaces by their index', async () => {
    const card = validCard();
    delete card.skills[1].id;
    delete card.skills[0].description;
    delete card.supportedInterfaces[1].protocolBinding;
    const violations = await assertDescribed(card, { 'skills[1].id': 'is required', 'skills[0].description': 'is required', 'supportedInterfaces[1].protocolBinding': 'is required' });
    assert.equal(violations.length, 3);
  });

  test('reports wrong types in plain words', async () => {
    const card = validCard();
    card.name = 42;
    card.capabilities.streaming = 'yes';
    card.skills = { id: 'x' };
    card.defaultInputModes = 'text/plain';
    await assertDescribed(card, { name: 'must be a string', 'capabilities.streaming': 'must be true or false', skills: 'must be an array', defaultInputModes: 'must be an array' });
  });

  test('requires absolute http(s) URLs', async () => {
    const card = validCard();
    card.supportedInterfaces[0].url = '/lookalike';
    card.supportedInterfaces[1].url = 'ftp://agents.example.com/lookalike';
    card.provider.url = 'dealscale.example.com';
    card.documentationUrl = 'javascript:alert(1)';
    card.securitySchemes.oauth.oauth2SecurityScheme.flows.clientCredentials.tokenUrl = 'token';
    const fields = ['supportedInterfaces[0].url', 'supportedInterfaces[1].url', 'provider.url', 'documentationUrl', 'securitySchemes.oauth.oauth2SecurityScheme.flows.clientCredentials.tokenUrl'];
    const violations = await assertDescribed(card, Object.fromEntries(fields.map((field) => [field, 'must be an absolute http(s) URL'])));
    assert.equal(violations.length, 5);
  });

  test('refuses empty names, skill lists, interfaces and media types', async () => {
    const card = validCard();
    card.name = '';
    card.skills = [];
    card.supportedInterfaces = [];
    card.defaultOutputModes = [];
    await assertDescribed(card, { name: 'must not be empty', skills: 'must list at least one skill', supportedInterfaces: 'must list at least one interface', defaultOutputModes: 'must list at least one media type' });
  });

  test('refuses duplicate skill ids', async () => {
    const card = validCard();
    card.skills[1].id = 'score-lookalikes';
    const { violations } = await violationsOf(card);
    assert.deepEqual(violations, [{ field: 'skills[1].id', description: 'duplicates skills[0].id ("score-lookalikes"); skill ids must be unique' }]);
  });

  test('refuses security requirements naming undeclared schemes, on the card and on skills', async () => {
    const card = validCard();
    card.securityRequirements = [{ schemes: { apiKey: { list: [] } } }];
    card.skills[0].securityRequirements = [{ schemes: { 'mutual tls': { list: [] } } }];
    const { violations } = await violationsOf(card);
    assert.deepEqual(violations, [
      { field: 'securityRequirements[0].schemes.apiKey', description: 'names security scheme "apiKey", which securitySchemes does not declare' },
      { field: 'skills[0].securityRequirements[0].schemes["mutual tls"]', description: 'names security scheme "mutual tls", which securitySchemes does not declare' },
    ]);
  });

  test('requires exactly one kind per security scheme and one OAuth flow, with their required fields', async () => {
    const card = validCard();
    card.securitySchemes.bearer.apiKeySecurityScheme = { location: 'body', name: 'key' };
    card.securitySchemes.oauth.oauth2SecurityScheme.flows = {};
    card.securitySchemes.oidc = { openIdConnectSecurityScheme: {} };
    const { violations } = await violationsOf(card);
    assert.match(descriptionOf(violations, 'securitySchemes.bearer') ?? '', /^must declare exactly one of apiKeySecurityScheme, /);
    assert.equal(descriptionOf(violations, 'securitySchemes.bearer.apiKeySecurityScheme.location'), 'must be one of query, header, cookie');
    assert.match(descriptionOf(violations, 'securitySchemes.oauth.oauth2SecurityScheme.flows') ?? '', /^must declare exactly one of authorizationCode, /);
    assert.equal(descriptionOf(violations, 'securitySchemes.oidc.openIdConnectSecurityScheme.openIdConnectUrl'), 'is required');
  });

  test('checks protocol versions and signature entries', async () => {
    const card = validCard();
    card.supportedInterfaces[0].protocolVersion = 'latest';
    card.signatures = [{ protected: '' }];
    await assertDescribed(card, {
      'supportedInterfaces[0].protocolVersion': 'must be a protocol version such as 1.0 or 0.3',
      'signatures[0].protected': 'must not be empty',
      'signatures[0].signature': 'is required',
    });
  });

  test('refuses what is not a JSON object', async () => {
    for (const raw of [null, 'a card', [validCard()], 7]) {
      const { violations, message } = await violationsOf(raw);
      assert.deepEqual(violations, [{ field: '(root)', description: 'must be a JSON object' }]);
      assert.equal(message, 'The agent card has a problem: (root) must be a JSON object');
    }
  });

  test('writes a message a person can read in a terminal: a count, then one problem per line', async () => {
    const card = validCard();
    delete card.version;
    card.skills[0].id = '';
    card.supportedInterfaces[0].url = 'nope';
    const { message } = await violationsOf(card);
    assert.equal(
      message,
      ['The agent card has 3 problems:', '  - version is required', '  - supportedInterfaces[0].url must be an absolute http(s) URL', '  - skills[0].id must not be empty'].join('\n'),
    );
  });

  test('lists at most 100 problems and counts the rest', async () => {
    const card = validCard();
    card.skills = Array.from({ length: 150 }, () => ({ name: 'x', description: 'y' }));
    const { violations, message } = await violationsOf(card);
    assert.equal(violations.length, 101);
    assert.deepEqual(violations[100], { field: '(more)', description: '50 more problems not listed' });
    assert.match(message, /^The agent card has 150 problems:/);
    assert.match(message, /\n {2}- … and 50 more$/);
  });

  test('refuses a card URL that is not an absolute http(s) URL', async () => {
    await assert.rejects(intake.fromJson(validCard(), 'file:///etc/passwd'), (err: any) => {
      assert.equal(err.code, 'AM_ERR_REGISTRY_INVALID_ARGUMENT');
      assert.deepEqual(err.violations, [{ field: 'cardUrl', description: 'must be an absolute http(s) URL' }]);
      return true;
    });
  });
});

describe('GRPC interface urls', () => {
  function withInterface(iface: Record<string, unknown>): Record<string, any> {
    const card = validCard();
    card.supportedInterfaces.push(iface);
    return card;
  }

  test('a GRPC interface may be a gRPC target (host:port), the form gRPC clients dial, or an absolute http(s) URL', async () => {
    for (const url of ['agents.example.com:50051', '127.0.0.1:50051', '[::1]:50051', 'https://agents.example.com/a2a/grpc', 'http://agents.example.com:50051']) {
      const admitted = await intake.fromJson(withInterface({ url, protocolBinding: 'GRPC', protocolVersion: '1.0' }));
      assert.equal(admitted.card.supportedInterfaces[2]?.url, url);
    }
  });

  test('a GRPC interface url that is neither is refused naming the field', async () => {
    for (const url of ['agents.example.com', 'agents.example.com:0', 'dns:///agents.example.com:443', 'ftp://agents.example.com/a2a', 'agents.example.com:443/a2a', '']) {
      const { violations } = await violationsOf(withInterface({ url, protocolBinding: 'GRPC', protocolVersion: '1.0' }));
      assert.deepEqual(violations, [{ field: 'supportedInterfaces[2].url', description: 'must be a gRPC target (host:port) or an absolute http(s) URL' }], url);
    }
  });

  test('other bindings still need an absolute http(s) URL: a bare host:port is refused for them', async () => {
    for (const protocolBinding of ['JSONRPC', 'HTTP+JSON', 'CUSTOM']) {
      const { violations } = await violationsOf(withInterface({ url: 'agents.example.com:50051', protocolBinding, protocolVersion: '1.0' }));
      assert.deepEqual(violations, [{ field: 'supportedInterfaces[2].url', description: 'must be an absolute http(s) URL' }], protocolBinding);
    }
  });
});
