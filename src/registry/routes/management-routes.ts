import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deeperThan, Errors, MAX_JSON_DEPTH } from '../../protocol/index.js';
import type { AgentDirectory } from '../agent-directory.js';
import type { AgentListQuery } from '../../contracts/registry/index.js';
import type { AgentStatus } from '../../contracts/registry/index.js';
import { cardToJsonText, recordToJson, recordToJsonText } from '../../contracts/registry/index.js';
import type { AgentPatch, InstanceInput, RegistrationInput, RegistryService, WriteResult } from '../registry-service.js';
import * as s from '../../contracts/registry/index.js';
import { requireWrite, type RegistryAuthenticate } from './write-auth.js';

/** What the management routes need. */
export interface ManagementRoutesOptions {
  service: RegistryService;
  directory: AgentDirectory;
  authenticate: RegistryAuthenticate | undefined;
}

type Named = { Params: { name: string } };

/** `/v1/agents…`: records, cards, instances and leases, health, configs. */
export async function managementRoutes(app: FastifyInstance, options: ManagementRoutesOptions): Promise<void> {
  const { service, directory } = options;
  const write = (request: FastifyRequest) => requireWrite(request, options.authenticate);
  const tags = ['agents'];
  // A card or metadata nested thousands deep overflowed the stack of what walks it later (validation, the diff of a review,
  // the JSON text the store writes): refused first, as the A2A bindings refuse requests past the same depth.
  app.addHook('preValidation', async (request) => {
    if (request.body !== undefined && deeperThan(request.body, MAX_JSON_DEPTH)) throw Errors.registryNestedTooDeep({ limit: MAX_JSON_DEPTH });
  });

  app.post<{ Body: RegistrationInput }>('/v1/agents', { schema: { tags, summary: 'Register an agent by card URL or card, or the agents of an ACP server', body: s.registrationBody } }, async (request, reply) => {
    const caller = await write(request);
    if (request.body.protocol === 'acp') {
      // One ACP server may hold several agents: the answer lists every record registered.
      const { records } = await service.registerAcp(request.body, 'create', caller);
      return reply.code(201).send({ agents: records.map(recordToJson) });
    }
    const { record } = await service.register(request.body, 'create', caller);
    return reply.code(201).header('location', `/v1/agents/${record.name}`).header('etag', etag(record.revision)).type(JSON_TYPE).send(recordToJsonText(record));
  });

  app.put<Named & { Body: RegistrationInput }>('/v1/agents/:name', { schema: { tags, summary: 'Register or replace an agent', params: s.agentNameParams, body: s.registrationBody } }, async (request, reply) => {
    const caller = await write(request);
    if (request.body.name !== undefined && request.body.name !== request.params.name) {
      throw Errors.registryBodyNameDiffers({ bodyName: request.body.name, pathName: request.params.name }, { violations: [{ field: 'name', description: 'must equal the name in the path' }] });
    }
    const written = await service.register({ ...request.body, name: request.params.name }, 'upsert', caller);
    // As text: the card's JSON text was written for its row moments ago and is reused, not converted again.
    return sendWritten(reply, written, written.created ? 201 : 200);
  });

  app.get<{ Querystring: AgentListQuery }>('/v1/agents', { schema: { tags, summary: 'List agents with filters and cursor pagination (include=instances: with their instances)', querystring: s.listQuery } }, async (request, reply) => {
    const { agents, ...rest } = directory.list(request.query);
    // One query for the page's instances: a gateway loads a large registry in pages, not a read per agent.
    const instances = request.query.include === 'instances' ? await service.instancesOf(agents.map((r) => r.name)) : undefined;
    // The answer is written as text, the cards' texts spliced in: the page is not built as objects and stringified again.
    const head = JSON.stringify(instances === undefined ? rest : { ...rest, instances: Object.fromEntries(instances) });
    return reply.type(JSON_TYPE).send(`{"agents":[${agents.map(recordToJsonText).join(',')}]${head.length > 2 ? `,${head.slice(1)}` : '}'}`);
  });

  app.get<Named>('/v1/agents/:name', { schema: { tags, summary: 'One agent record', params: s.agentNameParams } }, async (request, reply) => {
    const record = await service.get(request.params.name);
    return reply.header('etag', etag(record.revision)).type(JSON_TYPE).send(recordToJsonText(record));
  });

  app.patch<Named & { Body: AgentPatch }>('/v1/agents/:name', { schema: { tags, summary: 'Update card, metadata or status (If-Match: revision)', params: s.agentNameParams, body: s.patchBody } }, async (request, reply) => {
    const caller = await write(request);
    return sendWritten(reply, await service.update(request.params.name, request.body, ifMatch(request), caller), 200);
  });

  app.delete<Named>('/v1/agents/:name', { schema: { tags, summary: 'Deregister an agent', params: s.agentNameParams } }, async (request, reply) => {
    await write(request);
    await service.deregister(request.params.name);
    return reply.code(204).send();
  });

  app.get<Named>('/v1/agents/:name/card', { schema: { tags, summary: 'The stored card (A2A v1.0)', params: s.agentNameParams } }, async (request, reply) => {
    const record = await service.get(request.params.name);
    return reply.type('application/a2a-agent-card+json').header('etag', etag(record.revision)).send(cardToJsonText(record.card));
  });

  const itags = ['instances'];
  app.post<Named & { Body: InstanceInput }>('/v1/agents/:name/instances', { schema: { tags: itags, summary: 'Add an instance under a lease', params: s.agentNameParams, body: s.instanceBody } }, async (request, reply) => {
    await write(request);
    const instance = await service.addInstance(request.params.name, request.body);
    return reply.code(201).send(instance);
  });

  app.get<Named>('/v1/agents/:name/instances', { schema: { tags: itags, summary: 'Instances of an agent', params: s.agentNameParams } }, async (request) => ({ instances: await service.instances(request.params.name) }));

  app.put<{ Params: { name: string; id: string } }>('/v1/agents/:name/instances/:id/heartbeat', { schema: { tags: itags, summary: 'Renew a lease (404: register again)', params: s.instanceParams } }, async (request) => {
    await write(request);
    return service.heartbeat(request.params.name, request.params.id);
  });

  app.delete<{ Params: { name: string; id: string } }>('/v1/agents/:name/instances/:id', { schema: { tags: itags, summary: 'Remove an instance', params: s.instanceParams } }, async (request, reply) => {
    await write(request);
    await service.removeInstance(request.params.name, request.params.id);
    return reply.code(204).send();
  });

  app.get<Named>('/v1/agents/:name/health', { schema: { tags: itags, summary: 'Health, instances and probe history', params: s.agentNameParams } }, async (request) => service.health(request.params.name));

  const ctags = ['configs'];
  app.get<Named>('/v1/agents/:name/config', { schema: { tags: ctags, summary: 'The active config version', params: s.agentNameParams } }, async (request) => service.activeConfig(request.params.name));

  app.put<Named & { Body: { config: Record<string, unknown>; comment?: string } }>('/v1/agents/:name/config', { schema: { tags: ctags, summary: 'Put a config: a new immutable, active version', params: s.agentNameParams, body: s.configBody } }, async (request, reply) => {
    const caller = await write(request);
    const version = await service.putConfig(request.params.name, request.body.config, { comment: request.body.comment, actor: caller?.subject });
    return reply.code(201).send(version);
  });

  app.get<Named>('/v1/agents/:name/config/versions', { schema: { tags: ctags, summary: 'Config history, newest first', params: s.agentNameParams } }, async (request) => ({ versions: await service.configVersions(request.params.name) }));

  app.get<{ Params: { name: string; version: number } }>('/v1/agents/:name/config/versions/:version', { schema: { tags: ctags, summary: 'One config version', params: s.configVersionParams } }, async (request) =>
    service.configVersion(request.params.name, request.params.version),
  );

  app.post<Named & { Body: { version: number } }>('/v1/agents/:name/config/rollback', { schema: { tags: ctags, summary: 'Roll back: a new version with the content of an old one', params: s.agentNameParams, body: s.rollbackBody } }, async (request, reply) => {
    const caller = await write(request);
    return reply.code(201).send(await service.rollback(request.params.name, request.body.version, caller?.subject));
  });
}

const etag = (revision: number) => `"${revision}"`;

/**
 * A write's answer: the record as it is now. A change held for review is
 * 202 Accepted (RFC 9110 §15.3.3): the record is still the approved one, and
 * `Location` names the review that holds the change.
 */
function sendWritten(reply: FastifyReply, written: WriteResult, status: number): FastifyReply {
  const { record, heldFor } = written;
  if (heldFor !== undefined) reply.code(202).header('location', `/v1/reviews/${heldFor}`);
  else reply.code(status);
  return reply.header('etag', etag(record.revision)).type(JSON_TYPE).send(recordToJsonText(record));
}

/** What Fastify sends an object as; the answers written as text say the same. */
const JSON_TYPE = 'application/json; charset=utf-8';

function ifMatch(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(String(header).trim());
  if (!match) throw Errors.registryIfMatchInvalid({}, { violations: [{ field: 'If-Match', description: 'must be a revision ETag' }] });
  return Number(match[1]);
}

export type { AgentStatus };
