import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSsrfGuard } from '../../../src/http/index.js';
import { createCardIntake } from '../../../src/registry/intake/index.js';
import { startRuntime, testAgent } from '../../helpers/runtime-fixture.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/** The runtime publishes its URLs as `localhost`, and listens on 127.0.0.1: both are allow-listed, nothing else. */
const localGuard = () => createSsrfGuard({ allowHosts: ['127.0.0.1', 'localhost'] });

async function rejection(promise: Promise<unknown>, code: string): Promise<any> {
  let caught: any;
  await assert.rejects(promise, (err: any) => {
    caught = err;
    return true;
  });
  assert.equal(caught.code, code, caught.message);
  return caught;
}

describe('card intake from a running runtime', () => {
  let signedHost: Awaited<ReturnType<typeof startRuntime>>;
  let unsignedHost: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    signedHost = await startRuntime([testAgent]);
    unsignedHost = await startRuntime([testAgent], { signCards: false });
  });
  after(() => closeInTurn(signedHost, unsignedHost));

  test('admits the card of a signing runtime by its base URL, verified against the JWKS at its jku', async () => {
    const guard = localGuard();
    const admitted = await createCardIntake({ ssrfGuard: guard }).fromUrl(signedHost.url);
    await guard.close();
    assert.equal(admitted.signed, true);
    assert.equal(admitted.sourceProtocol, '1.0');
    assert.equal(admitted.cardUrl, `${signedHost.url}/.well-known/agent-card.json`);
    assert.equal(admitted.card.name, 'tester');
    assert.deepEqual(
      admitted.card.skills.map((s) => s.id),
      ['echo', 'chunks', 'destructured', 'sum', 'hello', 'ask', 'wait', 'fail', 'slow'],
    );
  });

  test('admits the card by its own .json URL as well', async () => {
    const guard = localGuard();
    const admitted = await createCardIntake({ ssrfGuard: guard, requireSignature: true }).fromUrl(`${signedHost.url}/.well-known/agent-card.json`);
    await guard.close();
    assert.equal(admitted.signed, true);
  });

  test('admits the card of a runtime that does not sign, as unsigned', async () => {
    const guard = localGuard();
    const admitted = await createCardIntake({ ssrfGuard: guard }).fromUrl(`${unsignedHost.url}/`);
    assert.equal(admitted.signed, false);
    assert.equal(admitted.card.name, 'tester');
    await rejection(createCardIntake({ ssrfGuard: guard, requireSignature: true }).fromUrl(unsignedHost.url), 'AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID');
    await guard.close();
  });

  test('translates the v0.3 card the runtime serves to v0.3 clients, keeping its skills and interfaces', async () => {
    const v1 = (await (await fetch(`${unsignedHost.url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } })).json()) as { skills: any[] };
    // A2A-Version: 0.3, as a v0.3 client asks for its card (ADR 0033), answered by the SDK's v0.3 card path.
    const served = (await (await fetch(`${unsignedHost.url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '0.3' } })).json()) as Record<string, unknown>;
    assert.equal(served['protocolVersion'], '0.3');
    const intake = createCardIntake({ ssrfGuard: createSsrfGuard() });

    const superset = await intake.fromJson(served);
    assert.equal(superset.sourceProtocol, '0.3');

    // The same card as a v0.3-only agent would publish it: no v1.0 interfaces.
    const { supportedInterfaces: _v1Interfaces, ...legacyOnly } = served;
    const translated = await intake.fromJson(legacyOnly);
    assert.equal(translated.sourceProtocol, '0.3');
    assert.deepEqual(
      translated.card.skills.map((s) => [s.id, s.name, s.description, s.inputModes, s.outputModes]),
      v1.skills.map((s: any) => [s.id, s.name, s.description, s.inputModes, s.outputModes]),
    );
    assert.deepEqual(
      translated.card.supportedInterfaces.map((i) => [i.url, i.protocolBinding, i.protocolVersion]),
      [
        [unsignedHost.url, 'JSONRPC', '0.3'],
        [unsignedHost.url, 'HTTP+JSON', '0.3'],
      ],
    );
    assert.deepEqual([translated.card.capabilities?.streaming, translated.card.capabilities?.pushNotifications], [true, true]);
  });

  test('refuses the runtime when loopback is not allow-listed', async () => {
    const err = await rejection(createCardIntake({ ssrfGuard: createSsrfGuard({ allowHttp: true }) }).fromUrl(signedHost.url), 'AM_ERR_SSRF_BLOCKED');
    assert.match(err.message, /refused: host localhost resolves to a loopback address/);
  });
});

describe('card intake refusals', () => {
  let server: Server;
  let origin: string;
  const card = {
    name: 'Plain agent',
    description: 'Answers questions',
    version: '1.0.0',
    supportedInterfaces: [{ url: 'https://plain.example.com/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: {},
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'answer', name: 'Answer', description: 'Answers a question', tags: ['qa'] }],
  };
  const legacyCard = { ...card, supportedInterfaces: undefined, url: 'https://plain.example.com/a2a', protocolVersion: '0.3.0' };

  before(async () => {
    server = createServer((req, res) => {
      switch (req.url) {
        case '/html/.well-known/agent-card.json':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><h1>Welcome</h1>');
          return;
        case '/broken/.well-known/agent-card.json':
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
          return;
        case '/big.json':
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...card, description: 'x'.repeat(300_000) }));
          return;
        case '/big-chunked.json':
          res.writeHead(200, { 'content-type': 'application/json' });
          for (let i = 0; i < 40; i++) res.write('x'.repeat(10_000));
          res.end();
          return;
        case '/garbage.json':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"name": "half a card",');
          return;
        case '/typed.json':
          res.writeHead(200, { 'content-type': 'application/a2a-agent-card+json; charset=UTF-8' }).end(JSON.stringify(card));
          return;
        case '/legacy/.well-known/agent.json':
          res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify(legacyCard));
          return;
        case '/redirect.json':
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
          return;
        case '/hang.json':
          return; // never answers
        default:
          res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const intake = () => createCardIntake({ ssrfGuard: createSsrfGuard({ allowHosts: ['127.0.0.1'], allowHttp: true }), fetchTimeoutMs: 300 });

  test('refuses cloud metadata and private addresses without fetching', async () => {
    const strict = createCardIntake({ ssrfGuard: createSsrfGuard({ allowHttp: true }) });
    const metadata = await rejection(strict.fromUrl('http://169.254.169.254/'), 'AM_ERR_SSRF_BLOCKED');
    assert.equal(metadata.details.rule, 'metadata');
    assert.match(metadata.message, /^Outbound request to http:\/\/169\.254\.169\.254 refused: address 169\.254\.169\.254 is /);
    const privateNet = await rejection(strict.fromUrl('http://10.0.0.1/'), 'AM_ERR_SSRF_BLOCKED');
    assert.equal(privateNet.details.rule, 'address');
    assert.match(privateNet.message, /address 10\.0\.0\.1 is private/);
    const plainHttp = await rejection(createCardIntake({ ssrfGuard: createSsrfGuard() }).fromUrl('http://agents.example.com/'), 'AM_ERR_SSRF_BLOCKED');
    assert.equal(plainHttp.details.rule, 'http');
  });

  test('refuses a redirect to the metadata endpoint', async () => {
    const err = await rejection(intake().fromUrl(`${origin}/redirect.json`), 'AM_ERR_SSRF_BLOCKED');
    assert.equal(err.details.rule, 'metadata');
  });

  test('refuses an HTML answer as not a card', async () => {
    const err = await rejection(intake().fromUrl(`${origin}/html`), 'AM_ERR_REGISTRY_CARD_INVALID');
    assert.equal(err.message, `The answer from ${origin}/html/.well-known/agent-card.json is not an agent card: it is text/html; charset=utf-8, not JSON (application/a2a-agent-card+json or application/json)`);
    assert.equal(err.statusCode, 400);
  });

  test('refuses a server error with its status and the URL', async () => {
    const err = await rejection(intake().fromUrl(`${origin}/broken`), 'AM_ERR_HTTP_UPSTREAM_FAILED');
    assert.equal(err.message, `The agent card URL ${origin}/broken/.well-known/agent-card.json answered HTTP 500`);
    assert.deepEqual(err.details, { target: `${origin}/broken/.well-known/agent-card.json`, status: '500' });
    assert.equal(err.retryable, true);
    assert.equal(err.expose, true);
    assert.equal(err.statusCode, 502);
  });

  test('refuses an agent without a card at either well-known path', async () => {
    const err = await rejection(intake().fromUrl(`${origin}/nothing-here`), 'AM_ERR_HTTP_UPSTREAM_FAILED');
    assert.equal(err.message, `The agent card URL ${origin}/nothing-here/.well-known/agent.json answered HTTP 404 (and ${origin}/nothing-here/.well-known/agent-card.json answered HTTP 404)`);
    assert.equal(err.retryable, false);
  });

  test('refuses cards over the size limit, declared or streamed', async () => {
    for (const path of ['/big.json', '/big-chunked.json']) {
      const err = await rejection(intake().fromUrl(`${origin}${path}`), 'AM_ERR_HTTP_UPSTREAM_TOO_LARGE');
      assert.equal(err.message, `The agent card at ${origin}${path} is larger than the 262144-byte limit`);
      assert.equal(err.expose, true);
    }
  });

  test('refuses a body that is not JSON', async () => {
    const err = await rejection(intake().fromUrl(`${origin}/garbage.json`), 'AM_ERR_REGISTRY_CARD_INVALID');
    assert.match(err.message, new RegExp(`^The answer from ${origin}/garbage\\.json is not an agent card: it is not valid JSON \\(`));
  });

  test('gives up on a server that does not answer in time', async () => {
    const err = await rejection(intake().fromUrl(`${origin}/hang.json`), 'AM_ERR_HTTP_UPSTREAM_FAILED');
    assert.equal(err.message, `Fetching the agent card at ${origin}/hang.json timed out after 300 ms`);
    assert.equal(err.retryable, true);
  });

  test('refuses an unreachable host with the URL', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/card.json`;
    closed.close();
    await once(closed, 'close');
    const err = await rejection(intake().fromUrl(url), 'AM_ERR_HTTP_UPSTREAM_FAILED');
    assert.match(err.message, new RegExp(`^Fetching the agent card at ${url.replaceAll('.', '\\.')} failed: `));
  });

  test('accepts the A2A card media type with a charset, and the v0.3-era agent.json path', async () => {
    assert.equal((await intake().fromUrl(`${origin}/typed.json`)).card.name, 'Plain agent');
    const legacy = await intake().fromUrl(`${origin}/legacy`);
    assert.equal(legacy.cardUrl, `${origin}/legacy/.well-known/agent.json`);
    assert.equal(legacy.sourceProtocol, '0.3');
  });
});
