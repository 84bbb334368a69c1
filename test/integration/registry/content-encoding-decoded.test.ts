import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { sampleCard, startRegistry } from '../../helpers/registry-fixture.js';

/*
 * Request bodies with a Content-Encoding (RFC 9110 §8.4) are decoded
 * by the registry as by the runtime: gzip/deflate/br within the body limit,
 * anything else 415 naming what is decoded, a body that is not its coding 400.
 *
 * The decision this pins is in docs/conformance.md.
 */
describe('the registry decodes Content-Encoding as the runtime does', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  before(async () => {
    reg = await startRegistry({});
  });
  after(async () => reg.close());

  const put = (name: string, body: Buffer | string, encoding: string) =>
    fetch(`${reg.url}/v1/agents/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });

  test('a gzip and a br registration are decoded and stored', async () => {
    for (const [name, encode, coding] of [
      ['gzipped-agent', gzipSync, 'gzip'],
      ['brotli-agent', brotliCompressSync, 'br'],
    ] as const) {
      const response = await put(name, encode(Buffer.from(JSON.stringify({ card: sampleCard(name) }))), coding);
      assert.ok(response.status === 200 || response.status === 201, `${coding}: ${response.status} ${await response.text()}`);
      const stored = await fetch(`${reg.url}/v1/agents/${name}`);
      assert.equal(((await stored.json()) as { name: string }).name, name);
    }
  });

  test('a search body in gzip is decoded', async () => {
    const response = await fetch(`${reg.url}/search`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(Buffer.from(JSON.stringify({ query: { text: 'gzipped' } }))) });
    assert.equal(response.status, 200, await response.clone().text());
  });

  test('an unsupported coding is 415 with Accept-Encoding', async () => {
    const response = await put('zstd-agent', JSON.stringify({ card: sampleCard('zstd-agent') }), 'zstd');
    assert.equal(response.status, 415, await response.clone().text());
    assert.equal(response.headers.get('accept-encoding'), 'gzip, deflate, br');
  });

  test('a plain body labelled gzip is a 400 naming the coding, and nothing is stored', async () => {
    const response = await put('liar-agent', JSON.stringify({ card: sampleCard('liar-agent') }), 'gzip');
    assert.equal(response.status, 400);
    assert.match(await response.text(), /gzip/);
    assert.equal((await fetch(`${reg.url}/v1/agents/liar-agent`)).status, 404);
  });
});
