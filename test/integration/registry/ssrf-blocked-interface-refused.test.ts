import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, errorReason, fieldViolations, sampleCard, startRegistry, watch } from '../../helpers/registry-fixture.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/*
 * A card fetched from an allowed host but naming a
 * forbidden interface URL used to be committed first and refused after, so
 * the agent stayed listed (without instances, the gateway answered 503).
 * Every interface URL now goes through the SSRF guard before anything commits.
 */

const BLOCKED = 'https://10.0.0.5/a2a';

/** Serves cards by path from 127.0.0.1 (allow-listed), as a real agent host would. */
async function startCardHost(cards: Record<string, unknown>): Promise<{ url: string; close: () => Promise<void> }> {
  const byPath = new Map(Object.entries(cards));
  const server: Server = createServer((req, res) => {
    const card = byPath.get(req.url ?? '');
    if (card === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(card));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function cardWith(name: string, urls: string[]): Record<string, unknown> {
  return sampleCard(name, { supportedInterfaces: urls.map((url) => ({ url, protocolBinding: 'JSONRPC', protocolVersion: '1.0' })) });
}

describe('a card with an SSRF-blocked interface URL is refused before anything commits', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let host: Awaited<ReturnType<typeof startCardHost>>;
  before(async () => {
    // Production posture: only the card host is allow-listed; private addresses are not.
    reg = await startRegistry({ dev: false, allowHosts: ['127.0.0.1'] });
    host = await startCardHost({
      '/blocked.json': cardWith('Blocked Agent', [BLOCKED]),
      // The primary (JSON-RPC) interface is fine; a later one points at cloud metadata.
      '/second-blocked.json': sampleCard('Second Blocked', {
        supportedInterfaces: [
          { url: 'https://agents.example.com/second', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
          { url: 'http://169.254.169.254/latest/meta-data/', protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
        ],
      }),
    });
  });
  after(() => closeInTurn(host, reg));

  test('a card by URL naming a private interface is refused with AM_ERR_SSRF_BLOCKED and leaves no record, instance or change', async () => {
    const live = watch(`${reg.url}/watch`, 1);
    await live.opened;
    const res = await call(reg.url, 'POST', '/v1/agents', { cardUrl: `${host.url}/blocked.json` });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.status, 'INVALID_ARGUMENT');
    assert.equal(errorReason(res.body), 'AM_ERR_SSRF_BLOCKED');
    assert.equal(fieldViolations(res.body)[0]?.field, 'supportedInterfaces[0].url');
    assert.match(res.body.error.message, /supportedInterfaces\[0\]\.url is refused/);

    assert.equal((await call(reg.url, 'GET', '/v1/agents/blocked-agent')).status, 404);
    assert.equal((await call(reg.url, 'GET', '/v1/agents/blocked-agent/instances')).status, 404);
    assert.deepEqual((await call(reg.url, 'GET', '/v1/agents')).body.agents, []);

    // The first change anyone watching sees is the next accepted registration, not the refused one.
    const ok = await call(reg.url, 'PUT', '/v1/agents/fine', { card: sampleCard('fine') });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const [first] = await live.frames;
    assert.equal(first?.data.agent, 'fine');
    assert.equal(first?.data.kind, 'registered');
    assert.equal((await call(reg.url, 'DELETE', '/v1/agents/fine')).status, 204);
  });

  test('every interface is checked, not only the primary one', async () => {
    const res = await call(reg.url, 'POST', '/v1/agents', { cardUrl: `${host.url}/second-blocked.json` });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(errorReason(res.body), 'AM_ERR_SSRF_BLOCKED');
    assert.equal(fieldViolations(res.body)[0]?.field, 'supportedInterfaces[1].url');
    assert.equal((await call(reg.url, 'GET', '/v1/agents/second-blocked')).status, 404);
  });

  test('an inline card, a PUT and a PATCH with a blocked interface are refused the same way, leaving the existing record as it was', async () => {
    const inline = await call(reg.url, 'POST', '/v1/agents', { card: cardWith('inline', [BLOCKED]) });
    assert.equal(inline.status, 400, JSON.stringify(inline.body));
    assert.equal(errorReason(inline.body), 'AM_ERR_SSRF_BLOCKED');
    assert.equal((await call(reg.url, 'GET', '/v1/agents/inline')).status, 404);

    const put = await call(reg.url, 'PUT', '/v1/agents/kept', { card: sampleCard('kept') });
    assert.equal(put.status, 201);
    const replaced = await call(reg.url, 'PUT', '/v1/agents/kept', { card: cardWith('kept', [BLOCKED]) });
    assert.equal(replaced.status, 400);
    assert.equal(errorReason(replaced.body), 'AM_ERR_SSRF_BLOCKED');
    const patched = await call(reg.url, 'PATCH', '/v1/agents/kept', { card: cardWith('kept', ['http://169.254.169.254/']) });
    assert.equal(patched.status, 400);
    assert.equal(errorReason(patched.body), 'AM_ERR_SSRF_BLOCKED');
    const kept = await call(reg.url, 'GET', '/v1/agents/kept');
    assert.equal(kept.body.revision, put.body.revision);
    assert.equal(kept.body.card.supportedInterfaces[0].url, 'https://agents.example.com/kept');
  });

  test('a GRPC interface given as a gRPC target (host:port) is checked as that host and port', async () => {
    const grpcAt = (name: string, target: string) =>
      sampleCard(name, {
        supportedInterfaces: [
          { url: `https://agents.example.com/${name}`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
          { url: target, protocolBinding: 'GRPC', protocolVersion: '1.0' },
        ],
      });
    const blocked = await call(reg.url, 'PUT', '/v1/agents/grpc-blocked', { card: grpcAt('grpc-blocked', '169.254.169.254:50051') });
    assert.equal(blocked.status, 400, JSON.stringify(blocked.body));
    assert.equal(errorReason(blocked.body), 'AM_ERR_SSRF_BLOCKED');
    assert.equal(fieldViolations(blocked.body)[0]?.field, 'supportedInterfaces[1].url');
    assert.equal((await call(reg.url, 'GET', '/v1/agents/grpc-blocked')).status, 404);

    const allowed = await call(reg.url, 'PUT', '/v1/agents/grpc-allowed', { card: grpcAt('grpc-allowed', '127.0.0.1:50051') });
    assert.equal(allowed.status, 201, JSON.stringify(allowed.body));
    assert.equal(allowed.body.card.supportedInterfaces[1].url, '127.0.0.1:50051');
  });

  test('a host that does not resolve yet is not a refusal: the probe deals with it', async () => {
    const res = await call(reg.url, 'PUT', '/v1/agents/later', { card: cardWith('later', ['https://not-yet-resolvable.invalid/a2a']) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });
});
