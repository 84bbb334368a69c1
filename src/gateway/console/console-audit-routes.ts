/**
 * The console's audit APIs (docs/console.md#audit): the tail with filters, an export as
 * NDJSON, and a verify of the whole chain. A tenant admin reads and exports
 * its own tenant's rows only; verify, whose problems name rows of every
 * tenant, needs `gateway:admin`. The live tail follows the chain (the audit
 * log's own follow: at once for rows this replica writes, by polling for
 * other replicas' rows) and sends each new row the filters let through.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AuditLog, AuditRow } from '../../audit/index.js';
import { Errors } from '../../protocol/index.js';
import { GATEWAY_ADMIN_SCOPE, type Identity } from '../identity/index.js';
import { consoleViewer, type ConsoleViewer } from './console-access.js';
import { openLiveStream, type LiveStreamSlots } from './live-streams.js';

/** What {@link consoleAuditRoutes} needs. */
export interface ConsoleAuditRoutesOptions {
  identity: Identity;
  audit: AuditLog;
  slots: LiveStreamSlots;
}

/** Rows a tenant admin's tail looks through for its own: the newest this many. */
const TENANT_SCAN_ROWS = 5_000;

interface TailQuery {
  limit?: number;
  since?: number;
  eventType?: string;
  outcome?: string;
  agent?: string;
}

const tailQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    since: { type: 'integer', minimum: 0 },
    eventType: { type: 'string', maxLength: 100 },
    outcome: { type: 'string', enum: ['ok', 'denied', 'error'] },
    agent: { type: 'string', maxLength: 200 },
  },
} as const;

function matches(row: AuditRow, viewer: ConsoleViewer, q: TailQuery): boolean {
  if (!viewer.platform && row.tenant !== viewer.principal.tenant) return false;
  if (q.eventType !== undefined && q.eventType !== '' && row.eventType !== q.eventType) return false;
  if (q.outcome !== undefined && row.outcome !== q.outcome) return false;
  if (q.agent !== undefined && q.agent !== '' && row.targetAgent !== q.agent) return false;
  return true;
}

/** Registers `/v1/console/audit`, `/v1/console/audit/stream`, `/v1/console/audit/export` and `/v1/console/audit/verify`. */
export async function consoleAuditRoutes(app: FastifyInstance, options: ConsoleAuditRoutesOptions): Promise<void> {
  const { identity, audit } = options;
  const tags = ['console'];

  app.get<{ Querystring: TailQuery }>('/v1/console/audit', { schema: { tags, summary: 'The newest audit rows this caller may read, newest first, with filters', querystring: tailQuery } }, async (request) => {
    const viewer = await consoleViewer(identity, request);
    const q = request.query;
    const limit = q.limit ?? 100;
    const unfiltered = viewer.platform && q.eventType === undefined && q.outcome === undefined && q.agent === undefined;
    // Filters are applied to a window of the newest rows: a bounded read, whatever the chain's length.
    const rows = await audit.tail({ limit: unfiltered ? limit : TENANT_SCAN_ROWS, ...(q.since !== undefined && { since: q.since }) });
    const mine = rows.filter((r) => matches(r, viewer, q));
    mine.sort((a, b) => b.seq - a.seq);
    return { rows: mine.slice(0, limit), scanned: rows.length };
  });

  app.get<{ Querystring: TailQuery }>(
    '/v1/console/audit/stream',
    { schema: { tags, summary: 'The rows after `since` (default: from now on) this caller may read, as server-sent events, with filters', querystring: tailQuery } },
    async (request, reply) => {
      const viewer = await consoleViewer(identity, request);
      const q = request.query;
      const live = openLiveStream(app, options.slots, viewer.principal.subject, request, reply);
      const { sse } = live;
      // The headers leave now: a tail may stay quiet for long.
      reply.raw.flushHeaders();
      try {
        for await (const row of audit.follow({ ...(q.since !== undefined && { since: q.since }), signal: sse.signal })) {
          if (!matches(row, viewer, q)) continue;
          sse.send(JSON.stringify(row), row.seq, 'audit');
          if (live.tooSlow()) break;
        }
      } catch (err) {
        // The answer has started: the stream ends, and the console reconnects after the last row it saw.
        request.log.warn({ err }, 'the audit tail stopped');
      } finally {
        sse.close();
      }
    },
  );

  app.get<{ Querystring: TailQuery }>('/v1/console/audit/export', { schema: { tags, summary: 'The rows this caller may read, oldest first, as NDJSON', querystring: tailQuery } }, async (request, reply) => {
    const viewer = await consoleViewer(identity, request);
    const query = request.query;
    // Streamed: the chain may be long, and the export reads it in pages.
    async function* lines(): AsyncGenerator<string> {
      for await (const row of audit.export({})) if (matches(row, viewer, query)) yield `${JSON.stringify(row)}\n`;
    }
    return reply
      .type('application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="agentmesh-audit-${viewer.platform ? 'all' : viewer.principal.tenant.replace(/[^\w.-]/g, '_')}.ndjson"`)
      .send(Readable.from(lines()));
  });

  app.post('/v1/console/audit/verify', { schema: { tags, summary: 'Verify the whole hash chain (gateway:admin)' } }, async (request) => {
    const viewer = await consoleViewer(identity, request);
    // The problems name rows of every tenant.
    if (!viewer.platform) throw Errors.missingScope({ scope: GATEWAY_ADMIN_SCOPE });
    return audit.verify();
  });
}
