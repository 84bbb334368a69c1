/**
 * Optional model routing. A tiny OpenAI-compatible server,
 * started here, answers `POST /v1/chat/completions`; the router asks it to
 * choose among its top candidates only, and keeps the lexical decision when
 * it fails, times out or names no candidate. Prompt, choice and latency are
 * in the decision's explanation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { exampleAgents } from '../../../agents/index.js';
import { decideRoute, ModelChooser, RegistryReader } from '../../../src/orchestrator/router/index.js';
import { startRegisteredAgents, type RegisteredAgents } from '../../unit/orchestrator/router/registered-agents.js';

type Reply = (body: any, res: ServerResponse) => void;

/** A chat-completions endpoint whose answer each test sets; it records what it was asked. */
class FakeModel {
  readonly server: Server;
  readonly requests: any[] = [];
  reply: Reply = (_body, res) => answer(res, 'none');

  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.parse(raw);
        this.requests.push({ body, authorization: req.headers.authorization });
        this.reply(body, res);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }
}

function answer(res: ServerResponse, content: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
}

describe('optional model routing against an OpenAI-compatible server', () => {
  let mesh: RegisteredAgents;
  let registry: RegistryReader;
  const model = new FakeModel();
  const open: ServerResponse[] = [];

  before(async () => {
    mesh = await startRegisteredAgents(exampleAgents);
    registry = new RegistryReader({ url: mesh.registry.url });
    model.server.listen(0, '127.0.0.1');
    await once(model.server, 'listening');
  });
  after(async () => {
    for (const res of open) res.destroy();
    model.server.closeAllConnections();
    model.server.close();
    await mesh.close();
  });

  const decide = (text: string, chooser: ModelChooser) => decideRoute({ registry, self: 'orchestrator', text, tenant: 'default', model: chooser });

  test('the model chooses among the top candidates only; its choice routes, with prompt, choice and latency explained', async () => {
    model.reply = (body, res) => {
      const offered = [...body.messages[1].content.matchAll(/^- ([a-z-:]+):/gm)].map((m: RegExpMatchArray) => m[1]);
      answer(res, offered.includes('lead-scorer') ? 'lead-scorer' : offered[0]);
    };
    const chooser = new ModelChooser({ url: model.url, model: 'tiny', apiKey: 'k-123' });
    const decision = await decide('Find the best leads', chooser);
    assert.equal(decision.kind, 'route');
    assert.equal(decision.kind === 'route' && decision.target.agent, 'lead-scorer');
    const verdict = decision.explain.model!;
    assert.equal(verdict.choice, 'lead-scorer');
    assert.ok(verdict.latencyMs >= 0 && verdict.error === undefined);
    assert.match(verdict.prompt, /Request: "Find the best leads"/);
    const sent = model.requests.at(-1);
    assert.equal(sent.body.model, 'tiny');
    assert.equal(sent.authorization, 'Bearer k-123');
    const offered = sent.body.messages[1].content.match(/^- /gm).length;
    assert.ok(offered >= 2 && offered <= 3, `two or three candidates offered, never the registry: ${offered}`);
    assert.match(decision.explain.rule, /^chosen by the model among /);
  });

  test("the model's prompt, choice and latency are an event of the deciding span, in the trace", async () => {
    model.reply = (_body, res) => answer(res, 'lead-scorer');
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    try {
      const chooser = new ModelChooser({ url: model.url, model: 'tiny' });
      await provider.getTracer('test').startActiveSpan('route', async (span) => {
        await decide('Find the best leads', chooser);
        span.end();
      });
      const event = exporter.getFinishedSpans().find((s) => s.name === 'route')?.events.find((e) => e.name === 'agentmesh.route.model');
      assert.ok(event, 'an agentmesh.route.model event');
      assert.equal(event.attributes?.['agentmesh.route.model.choice'], 'lead-scorer');
      assert.match(String(event.attributes?.['agentmesh.route.model.prompt']), /Find the best leads/);
      assert.equal(typeof event.attributes?.['agentmesh.route.model.latency_ms'], 'number');
      assert.match(String(event.attributes?.['agentmesh.route.model.offered']), /lead-scorer/);
    } finally {
      await provider.shutdown();
    }
  });

  test('an answer naming no offered candidate, an error status or a timeout leaves the lexical decision', async () => {
    const lexical = await decideRoute({ registry, self: 'orchestrator', text: 'Find the best leads', tenant: 'default' });
    // Only the silent model waits out its (short) deadline; the others answer, and a loaded machine must not turn their answers into timeouts.
    const cases: Array<[string, Reply, RegExp, number]> = [
      ['hallucinated', (_b, res) => answer(res, 'teleporter-agent'), /names no candidate/, 10_000],
      ['two names', (_b, res) => answer(res, 'lead-scorer or sales'), /names no candidate/, 10_000],
      ['not text', (_b, res) => answer(res, { nested: true }), /answered no text/, 10_000],
      ['HTTP 500', (_b, res) => res.writeHead(500).end('boom'), /HTTP 500/, 10_000],
      ['never answers', (_b, res) => void open.push(res), /did not answer within 200 ms/, 200],
    ];
    for (const [name, reply, error, timeoutMs] of cases) {
      model.reply = reply;
      const decision = await decide('Find the best leads', new ModelChooser({ url: model.url, model: 'tiny', timeoutMs }));
      assert.equal(decision.kind, lexical.kind, name);
      assert.equal(decision.explain.model?.choice, undefined, name);
      assert.match(decision.explain.model?.error ?? '', error, name);
    }
  });

  test('an endpoint that cannot be reached leaves the lexical decision; a request nothing covers never reaches the model', async () => {
    const unreachable = await decide('Find the best leads', new ModelChooser({ url: 'http://127.0.0.1:9/v1', model: 'tiny', timeoutMs: 2000 }));
    assert.match(unreachable.explain.model?.error ?? '', /could not be reached/);
    const before = model.requests.length;
    const none = await decide('Book me a flight to Berlin next Tuesday', new ModelChooser({ url: model.url, model: 'tiny' }));
    assert.equal(none.kind, 'none');
    assert.equal(model.requests.length, before);
  });

  test('a bad configuration is refused with the field named', () => {
    assert.throws(() => new ModelChooser({ url: 'ftp://x', model: 'tiny' }), /routerModel.url must be an http\(s\) URL/);
    assert.throws(() => new ModelChooser({ url: 'http://x', model: '' }), /routerModel.model must name the model/);
    assert.throws(() => new ModelChooser({ url: 'http://x', model: 'm', timeoutMs: 0 }), /routerModel.timeoutMs must be a positive number/);
  });
});
