import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCard } from '@a2a-js/sdk';
import { ClientFactory } from '@a2a-js/sdk/client';
import { GrpcTransportFactory } from '@a2a-js/sdk/client/grpc';
import { call, startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { completedText } from '../../helpers/sdk-client.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/*
 * A runtime serving gRPC used to advertise its GRPC interface as `host:port`,
 * which the registry refused (it wanted an http(s) URL), so the runtime
 * never registered and retried for ever. The registry now takes a gRPC
 * target for a GRPC interface, and the official SDK's gRPC client dials the
 * interface the registry hands out.
 */
describe('a runtime serving gRPC registers, and the SDK gRPC client calls it at the registered interface', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    reg = await startRegistry({ probeIntervalMs: 60_000 });
    host = await startRuntime(undefined, { registryUrl: reg.url, grpcPort: 0 });
  });
  after(() => closeInTurn(host, reg));

  test('the registry lists the agent with its GRPC interface, the target the runtime listens on', async () => {
    await until('the agent is registered with an instance', async () => (await call(reg.url, 'GET', '/v1/agents/tester/instances')).body?.instances?.length > 0);
    const listed = await call(reg.url, 'GET', '/v1/agents');
    const record = listed.body.agents.find((a: any) => a.name === 'tester');
    assert.ok(record, JSON.stringify(listed.body));
    const grpc = record.card.supportedInterfaces.filter((i: any) => i.protocolBinding === 'GRPC');
    assert.deepEqual(grpc.map((i: any) => i.protocolVersion).sort(), ['0.3', '1.0']);
    const served = (await (await fetch(`${host.agents['tester']}/.well-known/agent-card.json`)).json()) as any;
    const servedGrpc = served.supportedInterfaces.filter((i: any) => i.protocolBinding === 'GRPC');
    assert.deepEqual(grpc, servedGrpc);
    assert.match(grpc[0].url, /^[a-z0-9.-]+:\d+$/, 'a gRPC target: host:port');
  });

  test('the official @a2a-js/sdk gRPC client sends a message through the GRPC interface from the registry', async () => {
    const record = await call(reg.url, 'GET', '/v1/agents/tester');
    assert.equal(record.status, 200);
    const card = AgentCard.fromJSON(record.body.card);
    const grpc = card.supportedInterfaces.find((i) => i.protocolBinding === 'GRPC' && i.protocolVersion === '1.0');
    assert.ok(grpc);
    const factory = new ClientFactory({ transports: [new GrpcTransportFactory()] });
    const client = await factory.createFromAgentCard({ ...card, supportedInterfaces: [grpc] });
    assert.equal(await completedText(client, 'over grpc'), 'over grpc');
  });
});
