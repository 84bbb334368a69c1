import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleAgents } from '../../../../agents/index.js';
import { ErrorCodes } from '../../../../src/protocol/errors.js';
import { decideRoute, selectTarget, type SelectTargetOptions } from '../../../../src/orchestrator/router/select-target.js';
import { RegistryReader } from '../../../../src/orchestrator/router/registry-reader.js';
import { call, sampleCard } from '../../../helpers/registry-fixture.js';
import { startRegisteredAgents, untilHealth, type RegisteredAgents } from './registered-agents.js';

const translate = { id: 'translate', name: 'Translate text', description: 'Translates text into French, German or Spanish', tags: ['translation', 'french'], examples: ['translate this into french'] };
/** Connection refused: an instance here is probed down. */
const DEAD_URL = 'http://127.0.0.1:9/agents/gone';

async function put(url: string, name: string, options: { skills?: unknown[]; status?: string; metadata?: Record<string, unknown>; instances?: string[] }): Promise<void> {
  const card = sampleCard(name, { description: `${name}: a language service`, skills: options.skills ?? [translate] });
  const put = await call(url, 'PUT', `/v1/agents/${name}`, { card, ...(options.status && { status: options.status }), ...(options.metadata && { metadata: options.metadata }) });
  assert.equal(put.status, 201, JSON.stringify(put.body));
  for (const instance of options.instances ?? []) assert.equal((await call(url, 'POST', `/v1/agents/${name}/instances`, { url: instance, leaseTtlMs: 600_000 })).status, 201);
}

async function refusal(options: SelectTargetOptions): Promise<string> {
  let message = '';
  await assert.rejects(selectTarget(options), (err: any) => {
    assert.equal(err.code, ErrorCodes.REGISTRY_AGENT_NOT_FOUND);
    assert.equal(err.expose, true);
    message = err.message;
    return true;
  });
  return message;
}

describe('selectTarget against a registry of the example agents', () => {
  let mesh: RegisteredAgents;
  let registry: RegistryReader;
  const self = 'polyglot';
  const select = (text: string, extra: Partial<SelectTargetOptions> = {}) => selectTarget({ registry, self, text, tenant: 'globex', ...extra });

  before(async () => {
    mesh = await startRegisteredAgents(exampleAgents);
    const url = mesh.registry.url;
    const up = mesh.host.agents['echo']!;
    // The router itself: the best text match for translation requests.
    await put(url, self, { skills: [{ ...translate, examples: ['translate this text into french please', 'french translation'] }], instances: [up] });
    await put(url, 'translator-a', { instances: [up, DEAD_URL] });
    await put(url, 'translator-b', { instances: [up] });
    await put(url, 'translator-c', { instances: [DEAD_URL] });
    await put(url, 'translator-d', { status: 'disabled', instances: [up] });
    await put(url, 'acme-legal', { skills: [{ id: 'acme-review', name: 'Acme review', description: 'Reviews Acme contracts', tags: ['acme-only'] }], metadata: { tenants: ['acme'] }, instances: [up] });
    await Promise.all([untilHealth(url, 'translator-a', 'degraded'), untilHealth(url, 'translator-b', 'healthy'), untilHealth(url, 'translator-c', 'down'), untilHealth(url, 'acme-legal', 'healthy')]);
    registry = new RegistryReader({ url, cacheTtlMs: 0 });
  });
  after(async () => {
    await mesh.close();
  });

  test('routes by text to the agent whose card matches, with its best skill and the words that matched', async () => {
    const target = await select('Score my leads against our best customers');
    assert.equal(target.agent, 'lead-scorer');
    assert.equal(target.skill, 'score-leads');
    assert.equal(target.via, 'text');
    assert.ok(target.matched.includes('leads'), target.matched.join());
    assert.match(target.reason, /^matched 'score', 'leads'/);
  });

  test('never chooses the router itself, and prefers a healthy agent over a degraded one that matches as well', async () => {
    const target = await select('translate this text into french');
    assert.equal(target.agent, 'translator-b');
    assert.equal(target.health, 'healthy');
    assert.equal(target.skill, 'translate');
  });

  test('by skill id: down, disabled and the router itself are left out, healthy first', async () => {
    const target = await select('', { route: { skill: 'translate' } });
    assert.deepEqual([target.agent, target.skill, target.via, target.reason], ['translator-b', 'translate', 'skill', "offers skill 'translate'"]);
  });

  test('by tags: agents carrying more of the tags come first', async () => {
    const target = await select('hello there', { route: { tags: ['demo', 'echo'] } });
    assert.deepEqual([target.agent, target.via, target.reason], ['echo', 'tags', "tagged 'demo', 'echo'"]);
  });

  test('an agent open only to some tenants is chosen for them and refused to others, saying why', async () => {
    assert.equal((await select('', { route: { tags: ['acme-only'] }, tenant: 'acme' })).agent, 'acme-legal');
    const message = await refusal({ registry, self, text: '', route: { tags: ['acme-only'] }, tenant: 'globex' });
    assert.match(message, /no agent offers tags 'acme-only'; left out: acme-legal \(not open to tenant globex\)/);
  });

  test('a named agent is taken as named, with the skill asked for or its best match', async () => {
    assert.deepEqual(await select('anything', { route: { agent: 'echo' } }), { agent: 'echo', skill: 'echo', via: 'agent', matched: [], reason: 'named in the request', health: 'healthy' });
    assert.equal((await select('score these leads', { route: { agent: 'lead-scorer', skill: 'score-leads' } })).skill, 'score-leads');
  });

  test('a named agent that is unknown, down, disabled, the router itself or lacks the skill is refused with the reason', async () => {
    const base = { registry, self, text: 'hi', tenant: 'globex' };
    assert.match(await refusal({ ...base, route: { agent: 'nobody' } }), /agent 'nobody' was named, but it is not registered/);
    assert.match(await refusal({ ...base, route: { agent: 'translator-c' } }), /left out: translator-c \(down\)/);
    assert.match(await refusal({ ...base, route: { agent: 'translator-d' } }), /left out: translator-d \(status disabled\)/);
    assert.match(await refusal({ ...base, route: { agent: self } }), /that is the router itself/);
    assert.match(await refusal({ ...base, route: { agent: 'echo', skill: 'shout' } }), /with skill 'shout', but its skills are echo/);
  });

  test('a skill nobody offers is refused, listing what was tried and left out', async () => {
    assert.match(await refusal({ registry, self, text: '', route: { skill: 'teleport' } }), /^No agent to route to: no agent offers skill 'teleport'\./);
  });

  test('confirmed routes that cannot be read leave the ranking to go on without them', async () => {
    const learned = { forTenant: () => Promise.reject(new Error('database away')), add: async () => undefined };
    const decision = await decideRoute({ registry, self, text: 'Score my leads against our best customers', tenant: 'globex', learned });
    assert.equal(decision.kind, 'route');
    assert.equal(decision.kind === 'route' && decision.target.agent, 'lead-scorer');
  });

  test('text that matches nothing, or no text at all, is refused', async () => {
    assert.match(await refusal({ registry, self, text: 'zyxwvut qqqq' }), /no agent matched the text 'zyxwvut qqqq'/);
    assert.match(await refusal({ registry, self, text: '   ' }), /the message has no text to route by and no agentmesh.route metadata/);
  });
});
