import type { FastifyInstance } from 'fastify';
import { onDrain, openSse, parseLastEventId } from '../../http/index.js';
import { Errors } from '../../protocol/index.js';
import type { ChangeFeed } from '../change-feed.js';
import type { RegistryChange, RegistryChangeKind } from '../../contracts/registry/index.js';
import { changeToJsonText } from '../../contracts/registry/index.js';
import type { RegistryStore } from '../store/registry-store.js';
import { watchQuery } from '../../contracts/registry/index.js';

const KINDS: readonly RegistryChangeKind[] = ['registered', 'updated', 'deregistered', 'health_changed', 'config_changed', 'instance_changed'];
const PAGE = 500;

/**
 * `GET /watch`: the change log as Server-Sent Events (`id:` = seq, `event:` =
 * kind, `data:` = the change). A client resumes with `Last-Event-ID` or
 * `?since=`; history older than the log keeps is announced by one `resync`
 * event (re-list, then keep following). Without either, the stream starts
 * with what happens next.
 */
export async function watchRoute(app: FastifyInstance, options: { store: RegistryStore; feed: ChangeFeed; heartbeatMs: number }): Promise<void> {
  const { store, feed } = options;
  app.get<{ Querystring: { agent?: string; kinds?: string; since?: number } }>(
    '/watch',
    { schema: { tags: ['watch'], summary: 'Server-Sent Events of registry changes, resumable', querystring: watchQuery } },
    async (request, reply) => {
      const kinds = parseKinds(request.query.kinds);
      const agent = request.query.agent;
      const since = request.query.since ?? parseLastEventId(request.headers['last-event-id']);
      const wanted = (c: RegistryChange) => (agent === undefined || c.agent === agent) && (kinds === undefined || kinds.has(c.kind));

      const stream = openSse(request, reply, { heartbeatMs: options.heartbeatMs, onDrain: (close) => onDrain(app, close) });
      let last = since ?? feed.cursor;
      let live = false;
      const buffered: RegistryChange[] = [];
      const deliver = (change: RegistryChange) => {
        if (change.seq <= last) return;
        last = change.seq;
        if (wanted(change)) stream.send(changeToJsonText(change), change.seq, change.kind);
      };
      const unsubscribe = feed.subscribe((change) => (live ? deliver(change) : buffered.push(change)));
      stream.signal.addEventListener('abort', unsubscribe, { once: true });
      // The first frame goes out now: clients (and proxies) see the stream open even when nothing changes.
      stream.send(JSON.stringify({ since: last }), undefined, 'open');

      if (since !== undefined) {
        const { oldest } = await store.changeBounds();
        if (oldest > 0 && since < oldest - 1) stream.send(JSON.stringify({ reason: `changes before ${oldest} were pruned; list the agents again`, oldest }), oldest - 1, 'resync');
        for (;;) {
          if (stream.closed) return;
          const page = await store.changesSince(last, PAGE);
          for (const change of page) deliver(change);
          if (page.length < PAGE) break;
        }
      }
      live = true;
      for (const change of buffered.splice(0)) deliver(change);
    },
  );
}

function parseKinds(value: string | undefined): Set<string> | undefined {
  if (value === undefined || value === '') return undefined;
  const kinds = value.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw Errors.registryUnknownChangeKinds({ unknown: unknown.join(', '), known: KINDS.join(', ') }, { violations: [{ field: 'kinds', description: `must be among ${KINDS.join(', ')}` }] });
  }
  return new Set(kinds);
}
