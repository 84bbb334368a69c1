import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { grpcTargetOrigin, parseGrpcTarget } from '../../../src/protocol/grpc-target.js';

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
/** DNS names with at least one letter in the last label (so they are not read as IPv4). */
const dnsName = fc.tuple(fc.array(label, { maxLength: 3 }), fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/)).map(([head, tld]) => [...head, tld].join('.'));
const ipv4 = fc.ipV4();
const port = fc.integer({ min: 1, max: 65_535 });

describe('gRPC target parsing (the host:port a GRPC interface advertises)', () => {
  test('reads every DNS name or IPv4 address with a port 1-65535 back as written', () => {
    fc.assert(
      fc.property(fc.oneof(dnsName, ipv4), port, (host, p) => {
        assert.deepEqual(parseGrpcTarget(`${host}:${p}`), { host, port: p });
      }),
    );
  });

  test('reads bracketed IPv6 addresses in their canonical form', () => {
    assert.deepEqual(parseGrpcTarget('[::1]:50051'), { host: '[::1]', port: 50051 });
    assert.deepEqual(parseGrpcTarget('[2001:db8::5]:443'), { host: '[2001:db8::5]', port: 443 });
  });

  test('lowercases the host', () => {
    assert.deepEqual(parseGrpcTarget('Agents.Example.COM:443'), { host: 'agents.example.com', port: 443 });
  });

  test('refuses URLs, resolver prefixes, missing or out-of-range ports, paths and user info', () => {
    for (const junk of [
      'https://agents.example.com:443',
      'http://127.0.0.1:50051',
      'dns:///agents.example.com:443',
      'unix:/tmp/agent.sock',
      'agents.example.com',
      'agents.example.com:',
      'agents.example.com:0',
      'agents.example.com:65536',
      'agents.example.com:050051',
      'agents.example.com:443/a2a',
      'user@agents.example.com:443',
      'agents..example.com:443',
      '-agents.example.com:443',
      'agents.example.com.:443',
      ':443',
      '::1:443',
      '[::1]',
      '[zz::1]:443',
      '0x7f.1:443',
      '1.2.3:443',
      '',
    ]) {
      assert.equal(parseGrpcTarget(junk), undefined, junk);
    }
  });

  test('never throws, and whatever it accepts names the same host and port as an http URL', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.tuple(fc.string(), port).map(([h, p]) => `${h}:${p}`)), (value) => {
        const target = parseGrpcTarget(value);
        if (target === undefined) return;
        const url = new URL(grpcTargetOrigin(target));
        assert.equal(url.hostname, target.host);
        assert.equal(Number(url.port || 80), target.port);
      }),
      { numRuns: 2000 },
    );
  });
});
